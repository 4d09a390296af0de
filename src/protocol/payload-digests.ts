// The SHA-256 of a request body as SigV4 verification computed it (a signed payload, not
// UNSIGNED-PAYLOAD), for a later stage that needs the same digest of the same bytes: a
// PutSnapshotBlock's checksum, and an unencrypted chunk's id, are that digest, so a block whose
// payload the client signed (the AWS SDKs hash a buffer body) is hashed once, not twice — 0.3 ms
// of a 512 KiB block (issue 15). The digest is the server's own, of the bytes received.
//
// Only a body that owns all of its ArrayBuffer is remembered, keyed by that ArrayBuffer: nothing
// writes to a request's body while it is handled, and a block buffer moved to a codec worker
// comes back as another ArrayBuffer object (blocks/block-buffers.ts), so an entry never outlives
// the bytes it describes; entries go with their buffers (a WeakMap).
const digests = new WeakMap<ArrayBufferLike, string>();

function owned(body: Uint8Array): boolean {
  return body.byteLength > 0 && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
}

/** Remembers `sha256Hex` as the digest of `body` (ignored for a view into a larger buffer). */
export function rememberPayloadSha256(body: Uint8Array, sha256Hex: string): void {
  if (owned(body)) digests.set(body.buffer, sha256Hex);
}

/** The SHA-256 (hex) of `body` if the request path computed it already. */
export function payloadSha256(body: Uint8Array): string | undefined {
  return owned(body) ? digests.get(body.buffer) : undefined;
}
