// Imago's built-in public catalog: the base images Terraform's `aws_ami` lookups, CDK's
// `MachineImage.latest*()` and `resolve:ssm:/aws/service/...` expect to find — Amazon Linux 2023
// and 2, Ubuntu 24.04 and 22.04, Debian 12 and 13, and two AWS Marketplace products — with AWS's
// name patterns, owners, attributes and public parameters.
//
// Release dates are relative to the catalog's anchor (the day a data directory was first
// seeded), so a fresh server always has current, undeprecated images and their names carry
// plausible dates; the anchor is stored, so a data directory's catalog never changes under its
// users. One older Amazon Linux 2 release is already deprecated (AWS hides it from other
// accounts' listings unless asked), as real catalogs have. Disks are placeholders (base-disk.ts)
// except where an image was built and imported (built-images.ts): Debian 12 amd64 boots.
import { AMAZON, CANONICAL, DEBIAN, MARKETPLACE, defaultDeprecation, type CatalogImage, type CatalogParameter } from './catalog-spec.js';
import type { BuiltImageRecord, BuiltImages } from './built-image-record.js';

const DAY = 86_400_000;
const AL = '/aws/service/ami-amazon-linux-latest/';

interface Release {
  date: Date;
  /** YYYYMMDD */
  stamp: string;
}

function release(anchor: Date, daysBefore: number, timeOfDay: string): Release {
  const day = new Date(anchor.getTime() - daysBefore * DAY).toISOString().slice(0, 10);
  return { date: new Date(`${day}T${timeOfDay}.000Z`), stamp: day.replace(/-/g, '') };
}

/** The day a data directory's catalog is anchored to (UTC midnight). */
export function anchorOf(now: Date): Date {
  return new Date(`${now.toISOString().slice(0, 10)}T00:00:00.000Z`);
}

const text = (name: string): CatalogParameter => ({ name, dataType: 'text' });
const image = (name: string): CatalogParameter => ({ name, dataType: 'aws:ec2:image' });

/** Attributes every built-in Linux image shares; each family overrides what differs. */
function linux(o: Pick<CatalogImage, 'key' | 'owner' | 'name' | 'description' | 'architecture' | 'rootDeviceName' | 'volumeType' | 'parameters'> & { created: Date } & Partial<CatalogImage>): CatalogImage {
  const { created, ...rest } = o;
  return {
    creationDate: created.toISOString(),
    deprecationTime: defaultDeprecation(created.toISOString()),
    bootMode: o.architecture === 'arm64' ? 'uefi' : 'uefi-preferred',
    enaSupport: true,
    sriovNetSupport: 'simple',
    imdsSupport: null,
    tpmSupport: null,
    platformDetails: 'Linux/UNIX',
    usageOperation: 'RunInstances',
    volumeSizeGiB: 8,
    ephemeralDevices: [],
    productCodes: [],
    freeTierEligible: true,
    imageLocation: `amazon/${o.name}`,
    disk: { builtin: o.architecture },
    ...rest,
  };
}

/** Amazon Linux 2023's minor version for a release date (2023.6 in October 2024, ~3.6 months apart). */
function al2023Minor(date: Date): number {
  const months = (date.getUTCFullYear() - 2024) * 12 + date.getUTCMonth() - 9;
  return Math.max(6, 6 + Math.floor(months / 3.6));
}

function amazonLinux2023(anchor: Date): CatalogImage[] {
  const out: CatalogImage[] = [];
  const releases = [release(anchor, 20, '19:04:31'), release(anchor, 6, '18:22:03')];
  for (const r of releases) {
    const version = `2023.${al2023Minor(r.date)}.${r.stamp}.0`;
    const latest = r === releases[releases.length - 1];
    for (const arch of ['x86_64', 'arm64']) {
      const flavours = [
        { minimal: false, kernel: '6.1', params: ['al2023-ami-kernel-default', 'al2023-ami-kernel-6.1'] },
        ...(latest
          ? [
              { minimal: false, kernel: '6.12', params: ['al2023-ami-kernel-6.12'] },
              { minimal: true, kernel: '6.1', params: ['al2023-ami-minimal-kernel-default', 'al2023-ami-minimal-kernel-6.1'] },
            ]
          : []),
      ];
      for (const [n, f] of flavours.entries()) {
        const name = `al2023-ami-${f.minimal ? 'minimal-' : ''}${version}-kernel-${f.kernel}-${arch}`;
        out.push(
          linux({
            key: name,
            owner: AMAZON,
            name,
            description: `Amazon Linux 2023 AMI ${version} ${arch}${f.minimal ? ' Minimal' : ''} HVM kernel-${f.kernel}`,
            architecture: arch,
            // the default kernel's image is built last, so a "newest al2023-ami-2023.*" lookup finds it
            created: new Date(r.date.getTime() - n * 97_000),
            rootDeviceName: '/dev/xvda',
            volumeType: 'gp3',
            imdsSupport: 'v2.0',
            parameters: f.params.map((p) => text(`${AL}${p}-${arch}`)),
          }),
        );
      }
    }
  }
  return out;
}

function amazonLinux2(anchor: Date): CatalogImage[] {
  const r = release(anchor, 6, '18:40:12');
  const out: CatalogImage[] = [];
  for (const arch of ['x86_64', 'arm64']) {
    const name = `amzn2-ami-kernel-5.10-hvm-2.0.${r.stamp}.0-${arch}-gp2`;
    const lts = arch === 'arm64' ? 'LTS Arm64 ' : '';
    out.push(
      linux({
        key: name,
        owner: AMAZON,
        name,
        description: `Amazon Linux 2 ${lts}Kernel 5.10 AMI 2.0.${r.stamp}.0 ${arch} HVM gp2`,
        architecture: arch,
        created: r.date,
        rootDeviceName: '/dev/xvda',
        volumeType: 'gp2',
        parameters: [text(`${AL}amzn2-ami-kernel-5.10-hvm-${arch}-gp2`), text(`${AL}amzn2-ami-kernel-default-hvm-${arch}-gp2`)],
      }),
    );
  }
  // the original kernel-4.14 line, still the target of amzn2-ami-hvm-x86_64-gp2
  const classic = `amzn2-ami-hvm-2.0.${r.stamp}.0-x86_64-gp2`;
  out.push(
    linux({
      key: classic,
      owner: AMAZON,
      name: classic,
      description: `Amazon Linux 2 AMI 2.0.${r.stamp}.0 x86_64 HVM gp2`,
      architecture: 'x86_64',
      created: r.date,
      bootMode: null,
      rootDeviceName: '/dev/xvda',
      volumeType: 'gp2',
      parameters: [text(`${AL}amzn2-ami-hvm-x86_64-gp2`), text(`${AL}amzn2-ami-kernel-4.14-hvm-x86_64-gp2`)],
    }),
  );
  // an old release, deprecated since: hidden from other accounts' listings unless asked for
  const old = release(anchor, 800, '21:10:44');
  const oldName = `amzn2-ami-kernel-5.10-hvm-2.0.${old.stamp}.0-x86_64-gp2`;
  out.push(
    linux({
      key: oldName,
      owner: AMAZON,
      name: oldName,
      description: `Amazon Linux 2 Kernel 5.10 AMI 2.0.${old.stamp}.0 x86_64 HVM gp2`,
      architecture: 'x86_64',
      created: old.date,
      deprecationTime: new Date(anchor.getTime() - 70 * DAY).toISOString(),
      rootDeviceName: '/dev/xvda',
      volumeType: 'gp2',
      parameters: [text(`${AL}amzn2-ami-kernel-5.10-hvm-x86_64-gp2`), text(`${AL}amzn2-ami-kernel-default-hvm-x86_64-gp2`)],
    }),
  );
  return out;
}

const UBUNTU_ARCH: Record<string, string> = { x86_64: 'amd64', arm64: 'arm64' };

function ubuntu(anchor: Date): CatalogImage[] {
  const out: CatalogImage[] = [];
  const series = [
    { version: '24.04', codename: 'noble', storage: 'hvm-ssd-gp3', ebs: 'ebs-gp3', volumeType: 'gp3' as const, releases: [release(anchor, 34, '07:15:52'), release(anchor, 4, '06:49:27')] },
    { version: '22.04', codename: 'jammy', storage: 'hvm-ssd', ebs: 'ebs-gp2', volumeType: 'gp2' as const, releases: [release(anchor, 10, '05:58:19')] },
  ];
  for (const s of series) {
    for (const r of s.releases) {
      for (const arch of ['x86_64', 'arm64']) {
        const a = UBUNTU_ARCH[arch];
        const name = `ubuntu/images/${s.storage}/ubuntu-${s.codename}-${s.version}-${a}-server-${r.stamp}`;
        const base = '/aws/service/canonical/ubuntu/server';
        out.push(
          linux({
            key: name,
            owner: CANONICAL,
            name,
            description: s.version === '22.04' ? `Canonical, Ubuntu, 22.04 LTS, ${a} jammy image build on ${r.date.toISOString().slice(0, 10)}` : `Canonical, Ubuntu, ${s.version}, ${a} ${s.codename} image`,
            architecture: arch,
            created: r.date,
            rootDeviceName: '/dev/sda1',
            volumeType: s.volumeType,
            ephemeralDevices: ['/dev/sdb', '/dev/sdc'],
            parameters: [
              image(`${base}/${s.version}/stable/current/${a}/hvm/${s.ebs}/ami-id`),
              image(`${base}/${s.codename}/stable/current/${a}/hvm/${s.ebs}/ami-id`),
              image(`${base}/${s.version}/stable/${r.stamp}/${a}/hvm/${s.ebs}/ami-id`),
            ],
          }),
        );
      }
    }
  }
  return out;
}

/** Debian's build serial for a release date: it grows with every (daily) build. */
export function debianSerial(date: Date): number {
  return 1894 + Math.floor((date.getTime() - Date.parse('2024-10-04T00:00:00Z')) / DAY / 2);
}

/** The recipe whose build replaces the Debian 12 amd64 placeholder (images/debian-12). */
export const DEBIAN_12_RECIPE = 'debian-12';

/** An imported build's `YYYYMMDD-N` (release date, serial), as in Debian's image names. */
function buildStamp(b: BuiltImageRecord): string {
  return `${b.builtAt.slice(0, 10).replace(/-/g, '')}-${b.serial}`;
}

/** An imported Debian 12 build's name, which is also its catalog key. */
export function debian12BuildName(b: BuiltImageRecord): string {
  return `debian-12-amd64-${buildStamp(b)}`;
}

function debian(anchor: Date, built: BuiltImages): { images: CatalogImage[]; retired: string[] } {
  const images: CatalogImage[] = [];
  const retired: string[] = [];
  for (const d of [
    { version: '12', codename: 'bookworm', r: release(anchor, 8, '23:32:40') },
    { version: '13', codename: 'trixie', r: release(anchor, 8, '23:51:06') },
  ]) {
    for (const arch of ['x86_64', 'arm64']) {
      const a = UBUNTU_ARCH[arch];
      const entry = (build: string, created: Date, o: Partial<CatalogImage> = {}) => {
        const name = `debian-${d.version}-${a}-${build}`;
        return linux({
          key: name,
          owner: DEBIAN,
          name,
          description: `Debian ${d.version} (${build})`,
          architecture: arch,
          created,
          rootDeviceName: '/dev/xvda',
          volumeType: 'gp2',
          parameters: [
            image(`/aws/service/debian/release/${d.version}/latest/${a}`),
            image(`/aws/service/debian/release/${d.codename}/latest/${a}`),
            image(`/aws/service/debian/release/${d.version}/${build}/${a}`),
          ],
          ...o,
        });
      };
      const placeholder = entry(`${d.r.stamp}-${debianSerial(d.r.date)}`, d.r.date);
      const b = d.version === '12' && arch === 'x86_64' ? built[DEBIAN_12_RECIPE] : undefined;
      if (!b) {
        images.push(placeholder);
        continue;
      }
      // the real, bootable image: BIOS (GRUB in the MBR) and UEFI (GRUB on its ESP) both boot it
      images.push(entry(buildStamp(b), new Date(b.builtAt), { bootMode: 'uefi-preferred', disk: { mapId: b.mapId } }));
      retired.push(placeholder.key, ...b.retired);
    }
  }
  return { images, retired };
}

/** Two AWS Marketplace products (launching them needs a subscription). */
function marketplace(anchor: Date): CatalogImage[] {
  const r = release(anchor, 15, '12:00:09');
  return [
    { product: 'example-hardened-linux', title: 'Example Hardened Linux (CIS-style baseline) on Amazon Linux 2023', version: '2026.3.1', arch: 'x86_64', code: 'b7k2xq4mzn9c0v1w3r5t8y6pa', uuid: '1f0c4c7e-8a53-4e5b-9d0a-3c2b7e6f1a94' },
    { product: 'example-waf-appliance', title: 'Example WAF Appliance (Graviton)', version: '7.4.2', arch: 'arm64', code: 'c3m8vd1qe6l0h2j9s4k7n5fgb', uuid: '6d2e9b1a-0f47-4c38-b5e2-8a91c4d7f063' },
  ].map((p) =>
    linux({
      key: `marketplace/${p.product}/${p.version}`,
      owner: MARKETPLACE,
      name: `${p.product}-${p.version}-${p.arch}-${p.uuid}`,
      description: `${p.title} ${p.version}`,
      architecture: p.arch,
      created: r.date,
      rootDeviceName: '/dev/xvda',
      volumeType: 'gp3',
      imdsSupport: 'v2.0',
      productCodes: [p.code],
      freeTierEligible: false,
      imageLocation: `aws-marketplace/${p.product}-${p.version}-${p.arch}-${p.uuid}`,
      parameters: [],
    }),
  );
}

/**
 * The built-in catalog for an anchor day, with the images built and imported here in place of
 * their placeholders; `retired`: catalog keys those replaced (their rows, if seeded before,
 * are deprecated: hidden from others' listings, still launchable).
 */
export function builtinCatalog(anchor: Date, built: BuiltImages = {}): { images: CatalogImage[]; retired: string[] } {
  const debianImages = debian(anchor, built);
  return {
    images: [...amazonLinux2023(anchor), ...amazonLinux2(anchor), ...ubuntu(anchor), ...debianImages.images, ...marketplace(anchor)],
    retired: debianImages.retired,
  };
}
