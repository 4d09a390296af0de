// Signs instance identity documents as EC2 does (Instance identity documents, EC2 User Guide):
//
//   signature  base64 of an RSA signature over SHA-256 of the document's bytes
//              (verify: openssl dgst -sha256 -verify key -signature signature document)
//   rsa2048    PKCS#7 signed-data, RSA over SHA-256, the document embedded, base64
//              (verify: openssl smime -verify -in rsa2048 -inform PEM -certfile certificate -noverify)
//   pkcs7      AWS signs this one with DSA over SHA-1 under a separate DSA certificate. We sign
//              it as rsa2048 (same key, RSA over SHA-256): one published certificate verifies all
//              three, the documented pkcs7 command works unchanged, and no SHA-1 signature is made
//              (OpenSSL 3 and current policies refuse SHA-1 signatures at higher security levels).
//
// One RSA-2048 key and a self-signed certificate per data directory, created on first use under
// the directory the caller names (key mode 0600) and reused ever after, so signatures stay
// verifiable across restarts. Publish `certificatePem` to users (the server's admin routes).
import { generateKeyPair, createPrivateKey, createPublicKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { base64Lines, pem } from './der.js';
import { signedData } from './pkcs7-signed-data.js';
import { selfSignedCertificate } from './self-signed-certificate.js';

export const KEY_FILE = 'identity-key.pem';
export const CERTIFICATE_FILE = 'identity-certificate.pem';

const YEAR_MS = 365.25 * 24 * 3600_000;

/** The bodies of dynamic/instance-identity/{signature,pkcs7,rsa2048}: base64 in 64-column lines, no PEM armour (as EC2 serves them). */
export interface IdentitySignatures {
  signature: string;
  pkcs7: string;
  rsa2048: string;
}

export class IdentitySigner {
  private constructor(
    private readonly privateKey: KeyObject,
    /** the certificate, DER */
    readonly certificate: Buffer,
  ) {}

  /** Loads the key and certificate kept in `dir`, creating them the first time. */
  static async open(dir: string, now: () => number = Date.now): Promise<IdentitySigner> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const keyPath = join(dir, KEY_FILE);
    let keyPem = await readIfExists(keyPath);
    if (keyPem === undefined) {
      const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
      keyPem = await createOnce(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
    }
    const privateKey = createPrivateKey(keyPem);
    const certPath = join(dir, CERTIFICATE_FILE);
    let certPem = await readIfExists(certPath);
    if (certPem === undefined) {
      const notBefore = new Date(now() - 24 * 3600_000); // guests' clocks may lag
      const der = selfSignedCertificate({
        publicKey: createPublicKey(privateKey),
        privateKey,
        commonName: 'Imago instance identity',
        organization: 'Imago',
        serial: randomBytes(16),
        notBefore,
        notAfter: new Date(notBefore.getTime() + 100 * YEAR_MS),
      });
      certPem = await createOnce(certPath, pem('CERTIFICATE', der), 0o644);
    }
    const certificate = new X509Certificate(certPem);
    // Never sign with a key the published certificate does not vouch for (files edited by hand).
    if (!certificate.checkPrivateKey(privateKey)) throw new Error(`${certPath} does not belong to the key in ${keyPath}`);
    return new IdentitySigner(privateKey, certificate.raw);
  }

  get certificatePem(): string {
    return pem('CERTIFICATE', this.certificate);
  }

  /** The signatures of a document exactly as served (its bytes, UTF-8). */
  sign(document: string): IdentitySignatures {
    const bytes = Buffer.from(document, 'utf8');
    const pkcs7 = base64Lines(signedData(bytes, this.certificate, this.privateKey));
    return { signature: base64Lines(sign('sha256', bytes, this.privateKey)), pkcs7, rsa2048: pkcs7 };
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * Writes `content` to `path` unless it exists, atomically (a temp file linked into place, which
 * fails rather than replaces), and returns what `path` holds afterwards: two servers starting on
 * one data directory end up with the same key.
 */
async function createOnce(path: string, content: string, mode: number): Promise<string> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const file = await open(tmp, 'wx', mode);
  try {
    await file.writeFile(content);
    await file.sync(); // a key lost to a crash would orphan every signature made with it
  } finally {
    await file.close();
  }
  try {
    await link(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  return readFile(path, 'utf8');
}
