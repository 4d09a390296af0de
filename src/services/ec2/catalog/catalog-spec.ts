// What a catalog image is, before it becomes rows: the platform owners, the image's attributes,
// the disk behind its root volume, and the public SSM parameters (`/aws/service/...`) that
// name it. Built-in releases (builtin-catalog.ts) and operator entries (catalog-file.ts) both
// produce these.

export interface CatalogOwner {
  accountId: string;
  /** EC2's owner alias (`amazon`, `aws-marketplace`); most vendors have none */
  alias?: string;
}

/** Amazon's own images (Amazon Linux): owner alias `amazon`. */
export const AMAZON: CatalogOwner = { accountId: '137112412989', alias: 'amazon' };
/** Canonical publishes Ubuntu from this account, without an alias. */
export const CANONICAL: CatalogOwner = { accountId: '099720109477' };
/** The Debian project's account, without an alias. */
export const DEBIAN: CatalogOwner = { accountId: '136693071363' };
/** AWS Marketplace images: owner alias `aws-marketplace`. */
export const MARKETPLACE: CatalogOwner = { accountId: '679593333241', alias: 'aws-marketplace' };

export interface CatalogParameter {
  /** a public parameter name under `/aws/service/` */
  name: string;
  /** what GetParameter reports: Amazon Linux's parameters say `text`, others `aws:ec2:image` */
  dataType: 'text' | 'aws:ec2:image';
}

/** The disk behind an image's root volume: a built-in base disk, a snapshot's data, or a stored block map (a built image). */
export type CatalogDisk = { builtin: string } | { snapshotId: string } | { mapId: string };

export interface CatalogImage {
  /** unique in the catalog and stable: image and snapshot ids derive from it (and the region) */
  key: string;
  owner: CatalogOwner;
  name: string;
  description: string;
  /** x86_64 | arm64 */
  architecture: string;
  /** ISO time */
  creationDate: string;
  /** ISO time, or null */
  deprecationTime: string | null;
  bootMode: string | null;
  enaSupport: boolean;
  sriovNetSupport: string | null;
  imdsSupport: string | null;
  tpmSupport: string | null;
  platformDetails: string;
  usageOperation: string;
  rootDeviceName: string;
  volumeType: 'gp2' | 'gp3';
  volumeSizeGiB: number;
  /** device names of instance-store mappings ephemeral0, ephemeral1, ... */
  ephemeralDevices: string[];
  /** marketplace product codes (launching needs a subscription) */
  productCodes: string[];
  freeTierEligible: boolean;
  imageLocation: string;
  disk: CatalogDisk;
  /** regions the image is published in; undefined: every served region */
  regions?: string[];
  /** a fixed image id in one region (moto's example images keep their ids there); elsewhere ids derive from `key` */
  fixedId?: { region: string; imageId: string };
  /** `windows` for Windows images; undefined: Linux/UNIX */
  platform?: 'windows';
  /** undefined: hvm */
  virtualizationType?: 'hvm' | 'paravirtual';
  parameters: CatalogParameter[];
}

/** AWS's default deprecation for public AMIs: two years after creation. */
export function defaultDeprecation(creationDate: string): string {
  const d = new Date(creationDate);
  d.setUTCFullYear(d.getUTCFullYear() + 2);
  return d.toISOString();
}
