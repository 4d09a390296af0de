// Does the server honour If-None-Match: * on PutObject? AWS S3 (since 2024), Ceph RGW and
// MinIO do; Swift's s3api answers 501 and some servers ignore the header and overwrite. Asked
// once when a store opens, with a probe object that is deleted afterwards. Without support the
// store writes unconditionally: its object names are unique (time + 64 random bits), so
// immutability then rests on the names alone.
import type { ObjectStore } from './s3-objects.js';
import { uniqueName } from './s3-location.js';

export async function probeConditionalPut(objects: ObjectStore): Promise<boolean> {
  const key = `probe/${uniqueName()}`;
  try {
    await objects.put(key, Buffer.from('first'), { ifAbsent: true });
    return (await objects.put(key, Buffer.from('second'), { ifAbsent: true })) === 'exists';
  } catch (e) {
    const status = (e as { status?: number }).status;
    if (status === 501 || status === 400) return false; // NotImplemented / not understood
    throw e;
  } finally {
    await objects.deleteMany([key]).catch(() => undefined);
  }
}
