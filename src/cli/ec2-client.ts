// The few EC2 calls `imago import --register` and `imago export ami-…` make: the EC2 query
// protocol signed with Imago's own signer, no SDK dependency. Responses are read for the handful
// of elements needed; an error envelope becomes an Ec2ApiError with AWS's code.
import { signedFetch } from './signed-fetch.js';
import type { EbsClientOptions } from './ebs-client.js';

export class Ec2ApiError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(`${code} (${status}): ${message}`);
  }
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => XML_ENTITIES[e]);
}

/** The text of the first `<name>` element in `xml`, if any. */
export function xmlText(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m ? unescapeXml(m[1]) : undefined;
}

/** The inner XML of each `<item>` directly inside the first `<name>` list (items nest: tracked by depth). */
export function xmlItems(xml: string, name: string): string[] {
  const open = xml.indexOf(`<${name}>`);
  if (open < 0) return [];
  const items: string[] = [];
  const tag = /<(\/?)item>|<\/([A-Za-z]+)>/g;
  tag.lastIndex = open + name.length + 2;
  let depth = 0;
  let start = -1;
  for (let m = tag.exec(xml); m; m = tag.exec(xml)) {
    if (m[2] !== undefined) {
      if (depth === 0 && m[2] === name) break;
      continue;
    }
    if (m[1] === '') {
      if (depth++ === 0) start = tag.lastIndex;
    } else if (--depth === 0) {
      items.push(xml.slice(start, m.index));
    }
  }
  return items;
}

export interface RegisterInput {
  name: string;
  snapshotId: string;
  description?: string;
  architecture: string;
  bootMode?: string;
  rootDeviceName: string;
}

export class Ec2Client {
  constructor(private readonly o: EbsClientOptions) {}

  async call(action: string, params: Record<string, string | undefined>): Promise<string> {
    const form = new URLSearchParams({ Action: action, Version: '2016-11-15' });
    for (const [k, v] of Object.entries(params)) if (v !== undefined) form.set(k, v);
    const body = Buffer.from(form.toString());
    const res = await signedFetch(new URL('/', this.o.endpoint), 'POST', { ...this.o, service: 'ec2' }, body, { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' });
    const text = res.text;
    if (!res.ok) throw new Ec2ApiError(xmlText(text, 'Code') ?? 'Error', res.status, xmlText(text, 'Message') ?? text.slice(0, 200));
    return text;
  }

  /** Waits until a snapshot is `completed` (RegisterImage needs it); fails on `error`. */
  async waitForSnapshot(snapshotId: string, timeoutMs = 10 * 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const xml = await this.call('DescribeSnapshots', { 'SnapshotId.1': snapshotId });
      const state = xmlText(xml, 'status');
      if (state === 'completed') return;
      if (state === 'error') throw new Error(`snapshot ${snapshotId} failed: ${xmlText(xml, 'statusMessage') ?? 'error'}`);
      if (Date.now() > deadline) throw new Error(`snapshot ${snapshotId} still ${state} after ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** An EBS-backed HVM image with one root device on the snapshot. */
  async registerImage(i: RegisterInput): Promise<string> {
    const xml = await this.call('RegisterImage', {
      Name: i.name,
      Description: i.description,
      Architecture: i.architecture,
      BootMode: i.bootMode,
      VirtualizationType: 'hvm',
      EnaSupport: 'true',
      RootDeviceName: i.rootDeviceName,
      'BlockDeviceMapping.1.DeviceName': i.rootDeviceName,
      'BlockDeviceMapping.1.Ebs.SnapshotId': i.snapshotId,
      'BlockDeviceMapping.1.Ebs.DeleteOnTermination': 'true',
    });
    const id = xmlText(xml, 'imageId');
    if (!id) throw new Error('RegisterImage answered without an imageId');
    return id;
  }

  /** The snapshot behind an image's root device (what `imago export ami-…` writes). */
  async rootSnapshot(imageId: string): Promise<string> {
    const xml = await this.call('DescribeImages', { 'ImageId.1': imageId });
    const image = xmlItems(xml, 'imagesSet')[0];
    if (!image) throw new Ec2ApiError('InvalidAMIID.NotFound', 400, `The image id '[${imageId}]' does not exist`);
    const root = xmlText(image, 'rootDeviceName');
    for (const mapping of xmlItems(image, 'blockDeviceMapping')) {
      if (xmlText(mapping, 'deviceName') !== root) continue;
      const snapshotId = xmlText(mapping, 'snapshotId');
      if (snapshotId) return snapshotId;
    }
    throw new Error(`image ${imageId} has no EBS snapshot on its root device ${root ?? '(none)'}`);
  }
}
