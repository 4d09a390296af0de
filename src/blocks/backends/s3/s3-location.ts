// Where an S3 chunk store lives: `s3://bucket/prefix`, and the names of its objects under the
// prefix. Pack and tombstone names are unique without coordination (creation time, then 64
// random bits), so several writers can share one prefix and no object is ever overwritten.
import { randomBytes } from 'node:crypto';

export interface S3Location {
  bucket: string;
  /** '' or ending in '/' */
  prefix: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Parses `s3://bucket` or `s3://bucket/some/prefix`; throws TypeError for anything else. */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(url);
  if (!m) throw new TypeError(`not an s3:// URL: ${url}`);
  const bucket = m[1];
  if (!BUCKET.test(bucket) || bucket.includes('..')) throw new TypeError(`invalid bucket name ${JSON.stringify(bucket)} in ${url}`);
  const path = (m[2] ?? '').replace(/\/+$/, '');
  if (path.split('/').some((part) => part === '.' || part === '..') || path.startsWith('/')) throw new TypeError(`invalid prefix in ${url}`);
  return { bucket, prefix: path ? `${path}/` : '' };
}

export function s3Url(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.prefix}`;
}

export const PACKS = 'packs/';
export const TOMBSTONES = 'tombstones/';

/** A fresh, unique object name: 12 hex digits of ms since epoch, '-', 16 random hex digits. */
export function uniqueName(now = Date.now()): string {
  return `${now.toString(16).padStart(12, '0')}-${randomBytes(8).toString('hex')}`;
}

export const isUniqueName = (name: string): boolean => /^[0-9a-f]{12}-[0-9a-f]{16}$/.test(name);
