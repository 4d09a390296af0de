// Operator additions to the public catalog: `<data-dir>/catalog.json`, read at startup and after
// an admin reset. Each entry becomes a public image in every served region (or those listed),
// owned by `amazon`, `aws-marketplace` or any account id, backed by the built-in base disk of
// its architecture or by an existing snapshot's data (shared by reference, never copied), and
// optionally named by public SSM parameters under /aws/service/. Example:
//
//   { "images": [ { "name": "corp-base-2026.11.0-x86_64", "owner": "amazon",
//       "architecture": "x86_64", "snapshotId": "snap-0123456789abcdef0",
//       "regions": ["us-east-1", "eu-west-1"],
//       "ssmParameters": ["/aws/service/corp/base/latest/x86_64"] } ] }
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AMAZON, MARKETPLACE, defaultDeprecation, type CatalogImage, type CatalogOwner } from './catalog-spec.js';

export const CATALOG_FILE = 'catalog.json';

export class CatalogFileError extends Error {}

const FIELDS = new Set([
  'key',
  'name',
  'owner',
  'description',
  'architecture',
  'snapshotId',
  'regions',
  'creationDate',
  'deprecationTime',
  'rootDeviceName',
  'volumeType',
  'volumeSize',
  'bootMode',
  'enaSupport',
  'imdsSupport',
  'tpmSupport',
  'platformDetails',
  'usageOperation',
  'productCodes',
  'ssmParameters',
]);

type Json = Record<string, unknown>;

function ownerOf(value: unknown, where: string): CatalogOwner {
  if (value === 'amazon') return AMAZON;
  if (value === 'aws-marketplace') return MARKETPLACE;
  if (typeof value === 'string' && /^\d{12}$/.test(value)) return { accountId: value };
  throw new CatalogFileError(`${where}: owner must be "amazon", "aws-marketplace" or a 12-digit account id`);
}

function str(e: Json, field: string, where: string, fallback?: string): string {
  const v = e[field] ?? fallback;
  if (typeof v !== 'string' || v === '') throw new CatalogFileError(`${where}: ${field} must be a non-empty string`);
  return v;
}

function optional<T>(e: Json, field: string, where: string, check: (v: unknown) => v is T, what: string): T | undefined {
  const v = e[field];
  if (v === undefined) return undefined;
  if (!check(v)) throw new CatalogFileError(`${where}: ${field} must be ${what}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isSize = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 16384;
const isTime = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));

/** One operator entry as a catalog image (`anchor` dates entries that give no creationDate). */
export function entryToImage(e: Json, index: number, anchor: Date): CatalogImage {
  const where = `${CATALOG_FILE} images[${index}]`;
  for (const k of Object.keys(e)) if (!FIELDS.has(k)) throw new CatalogFileError(`${where}: unknown field ${k}`);
  const name = str(e, 'name', where);
  if (!/^[A-Za-z0-9 ()[\]./\-'@_]{3,128}$/.test(name)) throw new CatalogFileError(`${where}: name must be 3-128 characters of letters, digits and ( ) [ ] . / - ' @ _`);
  const owner = ownerOf(e.owner, where);
  const architecture = str(e, 'architecture', where, 'x86_64');
  if (!['x86_64', 'arm64'].includes(architecture)) throw new CatalogFileError(`${where}: architecture must be x86_64 or arm64`);
  const snapshotId = optional(e, 'snapshotId', where, (v): v is string => typeof v === 'string' && /^snap-[0-9a-f]{8,17}$/.test(v), 'a snapshot id (snap-...)');
  const creationDate = new Date(optional(e, 'creationDate', where, isTime, 'an ISO time') ?? anchor).toISOString();
  const deprecation = e.deprecationTime === null ? null : optional(e, 'deprecationTime', where, isTime, 'an ISO time or null');
  const volumeType = optional(e, 'volumeType', where, (v): v is 'gp2' | 'gp3' => v === 'gp2' || v === 'gp3', '"gp2" or "gp3"') ?? 'gp3';
  const parameters = optional(e, 'ssmParameters', where, isStrings, 'a list of names') ?? [];
  for (const p of parameters) {
    if (!/^\/aws\/service\/[A-Za-z0-9_.\-/]+$/.test(p) || p.endsWith('/') || p.includes('//')) {
      throw new CatalogFileError(`${where}: public parameter ${p} must be a path under /aws/service/`);
    }
  }
  const productCodes = optional(e, 'productCodes', where, isStrings, 'a list of product codes') ?? [];
  return {
    key: `file/${optional(e, 'key', where, isString, 'a string') ?? name}`,
    owner,
    name,
    description: optional(e, 'description', where, isString, 'a string') ?? name,
    architecture,
    creationDate,
    deprecationTime: deprecation === undefined ? defaultDeprecation(creationDate) : deprecation === null ? null : new Date(deprecation).toISOString(),
    bootMode: optional(e, 'bootMode', where, (v): v is string => v === 'legacy-bios' || v === 'uefi' || v === 'uefi-preferred', 'legacy-bios, uefi or uefi-preferred') ?? (architecture === 'arm64' ? 'uefi' : 'uefi-preferred'),
    enaSupport: optional(e, 'enaSupport', where, isBool, 'a boolean') ?? true,
    sriovNetSupport: 'simple',
    imdsSupport: optional(e, 'imdsSupport', where, (v): v is string => v === 'v2.0', '"v2.0"') ?? null,
    tpmSupport: optional(e, 'tpmSupport', where, (v): v is string => v === 'v2.0', '"v2.0"') ?? null,
    platformDetails: optional(e, 'platformDetails', where, isString, 'a string') ?? 'Linux/UNIX',
    usageOperation: optional(e, 'usageOperation', where, isString, 'a string') ?? 'RunInstances',
    rootDeviceName: optional(e, 'rootDeviceName', where, (v): v is string => typeof v === 'string' && /^\/dev\/[a-z0-9]+$/.test(v), 'a device name like /dev/xvda') ?? '/dev/xvda',
    volumeType,
    volumeSizeGiB: optional(e, 'volumeSize', where, isSize, 'a size in GiB (1-16384)') ?? 8,
    ephemeralDevices: [],
    productCodes,
    freeTierEligible: false,
    imageLocation: `${owner.alias ?? owner.accountId}/${name}`,
    disk: snapshotId ? { snapshotId } : { builtin: architecture },
    regions: optional(e, 'regions', where, isStrings, 'a list of region names'),
    parameters: parameters.map((p) => ({ name: p, dataType: 'aws:ec2:image' as const })),
  };
}

/** The operator's entries (none when the file does not exist). Throws CatalogFileError. */
export function readCatalogFile(dataDir: string, anchor: Date): { images: CatalogImage[]; text: string } {
  const path = join(dataDir, CATALOG_FILE);
  if (!existsSync(path)) return { images: [], text: '' };
  const text = readFileSync(path, 'utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new CatalogFileError(`${CATALOG_FILE} is not valid JSON: ${(e as Error).message}`);
  }
  const images = (doc as { images?: unknown })?.images;
  if (!Array.isArray(images)) throw new CatalogFileError(`${CATALOG_FILE} must be an object with an "images" list`);
  return { images: images.map((e, i) => entryToImage(e as Json, i, anchor)), text };
}
