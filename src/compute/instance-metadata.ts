// The instance metadata service's content (IMDS, http://169.254.169.254/latest/…) for one
// instance, as compute/imds/ serves it: `meta-data/` paths, `user-data`, and the identity
// document (signed by the service). A path ending in a directory lists its children, one per
// line, with a trailing `/` on subdirectories (as IMDS does).

export interface MetadataFacts {
  instanceId: string;
  accountId: string;
  region: string;
  availabilityZone: string;
  availabilityZoneId?: string;
  imageId: string;
  instanceType: string;
  architecture: string;
  launchIndex: number;
  reservationId: string;
  launchTime: string;
  privateIp: string;
  privateDnsName: string;
  macAddress: string;
  interfaceId: string;
  subnetId: string;
  vpcId: string;
  subnetCidr: string;
  vpcCidr: string;
  securityGroups: { id: string; name: string }[];
  /** device key -> device name: `ami`, `root`, `ebs1`, … */
  blockDevices: Record<string, string>;
  publicKeys: { name: string; openssh: string }[];
  /** only when the instance allows tags in metadata */
  tags?: Record<string, string>;
  userData?: Buffer;
  /** AWS Marketplace product codes of the image, if any */
  productCodes?: string[];
}

/** The instance identity document, fields in the order EC2 writes them (format version 2017-09-30). */
export interface IdentityDocument {
  accountId: string;
  architecture: string;
  availabilityZone: string;
  billingProducts: string[] | null;
  devpayProductCodes: string[] | null;
  marketplaceProductCodes: string[] | null;
  imageId: string;
  instanceId: string;
  instanceType: string;
  kernelId: string | null;
  pendingTime: string;
  privateIp: string;
  ramdiskId: string | null;
  region: string;
  version: string;
}

export interface InstanceMetadata {
  /** path under /latest/meta-data/ -> value */
  metaData: Map<string, string>;
  /** `public-keys/` lists `0=name`; the key itself is at `public-keys/0/openssh-key` */
  publicKeyNames: string[];
  userData?: Buffer;
  identityDocument: IdentityDocument;
}

export function buildMetadata(f: MetadataFacts): InstanceMetadata {
  const md = new Map<string, string>();
  const mac = `network/interfaces/macs/${f.macAddress}`;
  const entries: [string, string][] = [
    ['ami-id', f.imageId],
    ['ami-launch-index', String(f.launchIndex)],
    ['ami-manifest-path', '(unknown)'],
    ['hostname', f.privateDnsName],
    ['instance-action', 'none'],
    ['instance-id', f.instanceId],
    ['instance-life-cycle', 'on-demand'],
    ['instance-type', f.instanceType],
    ['local-hostname', f.privateDnsName],
    ['local-ipv4', f.privateIp],
    ['mac', f.macAddress],
    ['placement/availability-zone', f.availabilityZone],
    ['placement/region', f.region],
    ['reservation-id', f.reservationId],
    ['security-groups', f.securityGroups.map((g) => g.name).join('\n')],
    ['services/domain', 'amazonaws.com'],
    ['services/partition', 'aws'],
    [`${mac}/device-number`, '0'],
    [`${mac}/interface-id`, f.interfaceId],
    [`${mac}/local-hostname`, f.privateDnsName],
    [`${mac}/local-ipv4s`, f.privateIp],
    [`${mac}/mac`, f.macAddress],
    [`${mac}/owner-id`, f.accountId],
    [`${mac}/security-group-ids`, f.securityGroups.map((g) => g.id).join('\n')],
    [`${mac}/security-groups`, f.securityGroups.map((g) => g.name).join('\n')],
    [`${mac}/subnet-id`, f.subnetId],
    [`${mac}/subnet-ipv4-cidr-block`, f.subnetCidr],
    [`${mac}/vpc-id`, f.vpcId],
    [`${mac}/vpc-ipv4-cidr-block`, f.vpcCidr],
  ];
  if (f.availabilityZoneId) entries.push(['placement/availability-zone-id', f.availabilityZoneId]);
  for (const [k, device] of Object.entries(f.blockDevices)) entries.push([`block-device-mapping/${k}`, device]);
  f.publicKeys.forEach((k, i) => entries.push([`public-keys/${i}/openssh-key`, k.openssh]));
  for (const [k, v] of Object.entries(f.tags ?? {})) entries.push([`tags/instance/${k}`, v]);
  if (f.productCodes?.length) entries.push(['product-codes', f.productCodes.join('\n')]);
  for (const [k, v] of entries) md.set(k, v);
  return {
    metaData: md,
    publicKeyNames: f.publicKeys.map((k) => k.name),
    userData: f.userData,
    identityDocument: {
      accountId: f.accountId,
      architecture: f.architecture,
      availabilityZone: f.availabilityZone,
      billingProducts: null,
      devpayProductCodes: null,
      marketplaceProductCodes: f.productCodes?.length ? [...f.productCodes] : null,
      imageId: f.imageId,
      instanceId: f.instanceId,
      instanceType: f.instanceType,
      kernelId: null,
      pendingTime: wholeSeconds(f.launchTime),
      privateIp: f.privateIp,
      ramdiskId: null,
      region: f.region,
      version: '2017-09-30',
    },
  };
}

/** EC2 writes pendingTime without milliseconds: 2016-11-19T16:32:11Z. */
function wholeSeconds(time: string): string {
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? time : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The tree without one top-level category (`tags` when the instance's InstanceMetadataTags is
 * disabled): its paths answer 404 and the root listing leaves it out.
 */
export function withoutCategory(metadata: InstanceMetadata, category: string): InstanceMetadata {
  const prefix = `${category}/`;
  const metaData = new Map([...metadata.metaData].filter(([k]) => k !== category && !k.startsWith(prefix)));
  return { ...metadata, metaData };
}

/** The answer to GET /latest/meta-data/<path>: a value, a directory listing, or undefined (404). */
export function lookup(metadata: InstanceMetadata, path: string): string | undefined {
  const clean = path.replace(/^\/+|\/+$/g, '');
  const value = metadata.metaData.get(clean);
  if (value !== undefined) return value;
  if (clean === 'public-keys' && metadata.publicKeyNames.length) return metadata.publicKeyNames.map((n, i) => `${i}=${n}`).join('\n');
  const prefix = clean ? `${clean}/` : '';
  const children = new Set<string>();
  for (const key of metadata.metaData.keys()) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    children.add(slash < 0 ? rest : rest.slice(0, slash) + '/');
  }
  return children.size ? [...children].sort().join('\n') : undefined;
}
