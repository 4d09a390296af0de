// Builds the raw bytes of one SigV4-signed request (signed with the SDK's own signer), to be
// replayed by the load generator: the server verifies the signature on every request.
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from '../../test/helpers/sha256.js';
import { BENCH_KEY } from './peers.js';

export async function signedRawRequest(
  port: number,
  service: string,
  region: string,
  body: string,
  headers: Record<string, string> = {},
  credentials: { accessKeyId: string; secretAccessKey: string } = BENCH_KEY,
): Promise<Buffer> {
  const host = `127.0.0.1:${port}`;
  const request = new HttpRequest({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    path: '/',
    headers: { host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers },
    body,
  });
  const signer = new SignatureV4({ service, region, credentials, sha256: Sha256 });
  const signed = await signer.sign(request);
  const lines = [`POST / HTTP/1.1`];
  for (const [k, v] of Object.entries(signed.headers)) lines.push(`${k}: ${v}`);
  lines.push(`content-length: ${Buffer.byteLength(body)}`, 'connection: keep-alive', '', '');
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), Buffer.from(body)]);
}
