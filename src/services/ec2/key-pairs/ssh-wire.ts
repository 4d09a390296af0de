// SSH wire encoding (RFC 4251 §5): uint32 and length-prefixed strings, for key blobs and files.
export function sshUint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

export function sshString(value: string | Buffer): Buffer {
  const data = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([sshUint32(data.length), data]);
}

/** An unsigned big-endian integer as an SSH mpint (a leading zero keeps it positive). */
export function sshMpint(unsigned: Buffer): Buffer {
  let raw = unsigned;
  while (raw.length > 1 && raw[0] === 0) raw = raw.subarray(1);
  return sshString(raw[0] & 0x80 ? Buffer.concat([Buffer.from([0]), raw]) : raw);
}
