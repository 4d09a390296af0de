// moto's default image catalog, for `--compat moto` only: the example images that suites written
// for moto's server mode launch without registering (EXAMPLE_AMI_ID = ami-12c6146b, …), as public
// catalog images over the built-in base disk of their architecture, so RunInstances from them
// works as from any catalog image. Never seeded in the default mode.
//
// The data (moto-images.json) is ours: the ids and names moto ships, with AWS's attributes for
// them (owner and its alias, platform, virtualization type, root device, creation date from the
// release stamp in the name). Left out of moto's list: ids that are not well-formed AMI ids
// (`ami-ekswin`, …: AWS would answer InvalidAMIID.Malformed), an instance-store image, and a
// second image with an already used name (an owner's image names are unique per region).
//
// moto uses the same ids in every region; AWS's image ids are unique, and so are the store's
// rows. The images keep moto's ids in MOTO_HOME_REGION (moto's default region) and have ids
// derived from their key elsewhere; `motoImageAliases` maps one to the other for the compat
// wrapper (services/moto-compat.ts), so callers see moto's ids in every region.
import { readFileSync } from 'node:fs';
import { catalogId } from './catalog-rows.js';
import type { CatalogImage } from './catalog-spec.js';

export const MOTO_HOME_REGION = 'us-east-1';
/** the id moto's own tests launch (tests/__init__.py's EXAMPLE_AMI_ID) */
export const MOTO_EXAMPLE_AMI_ID = 'ami-12c6146b';
/** the account every access key maps to in moto (its DEFAULT_ACCOUNT_ID) */
export const MOTO_ACCOUNT = '123456789012';

interface MotoImageEntry {
  imageId: string;
  name: string;
  description: string;
  ownerId: string;
  ownerAlias?: string;
  platform?: 'windows';
  architecture: 'x86_64' | 'arm64';
  virtualizationType: 'hvm' | 'paravirtual';
  rootDeviceName: string;
  creationDate: string;
}

let entries: MotoImageEntry[] | undefined;
function motoEntries(): MotoImageEntry[] {
  entries ??= (JSON.parse(readFileSync(new URL('./moto-images.json', import.meta.url), 'utf8')) as { images: MotoImageEntry[] }).images;
  return entries;
}

const keyOf = (imageId: string) => `moto/${imageId}`;

/** moto's example images as catalog entries (every served region). */
export function motoImages(): CatalogImage[] {
  return motoEntries().map((e) => {
    const windows = e.platform === 'windows';
    const hvm = e.virtualizationType === 'hvm';
    return {
      key: keyOf(e.imageId),
      owner: { accountId: e.ownerId, ...(e.ownerAlias ? { alias: e.ownerAlias } : {}) },
      name: e.name,
      description: e.description,
      architecture: e.architecture,
      creationDate: e.creationDate,
      // moto's catalog never deprecates: the suites list these images by owner and filters
      deprecationTime: null,
      bootMode: null,
      enaSupport: hvm,
      sriovNetSupport: hvm ? 'simple' : null,
      imdsSupport: null,
      tpmSupport: null,
      platformDetails: windows ? 'Windows' : 'Linux/UNIX',
      usageOperation: windows ? 'RunInstances:0002' : 'RunInstances',
      rootDeviceName: e.rootDeviceName,
      volumeType: 'gp2',
      // what moto gives the root volume of every instance (the suites assert it)
      volumeSizeGiB: 8,
      ephemeralDevices: [],
      productCodes: [],
      freeTierEligible: false,
      imageLocation: `${e.ownerAlias ?? e.ownerId}/${e.name}`,
      disk: { builtin: e.architecture },
      fixedId: { region: MOTO_HOME_REGION, imageId: e.imageId },
      ...(windows ? { platform: 'windows' as const } : {}),
      virtualizationType: e.virtualizationType,
      parameters: [],
    };
  });
}

/** In `region`: moto's id → the stored image's id (empty in MOTO_HOME_REGION, where they are the same). */
export function motoImageAliases(region: string): Map<string, string> {
  if (region === MOTO_HOME_REGION) return new Map();
  return new Map(motoEntries().map((e) => [e.imageId, catalogId('ami', region, keyOf(e.imageId))]));
}
