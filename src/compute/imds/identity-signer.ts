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
// One RSA-2048 key and a self-signed certificate, made by `generateKeys` and given by the caller
// (identity-keys.ts keeps them in the database, one pair for every node, reused ever after, so
// signatures stay verifiable across restarts). Publish `certificatePem` to users.
import { generateKeyPair, createPrivateKey, createPublicKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { base64Lines, pem } from './der.js';
import { signedData } from './pkcs7-signed-data.js';
import { selfSignedCertificate } from './self-signed-certificate.js';

/** The signing key (RSA, PKCS#8 PEM) and its self-signed certificate (PEM). */
export interface IdentityKeys {
  key: string;
  certificate: string;
}

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

  /** A signer over `keys`; refuses a certificate that does not vouch for the key. */
  static from(keys: IdentityKeys): IdentitySigner {
    const privateKey = createPrivateKey(keys.key);
    const certificate = new X509Certificate(keys.certificate);
    // Never sign with a key the published certificate does not vouch for.
    if (!certificate.checkPrivateKey(privateKey)) throw new Error('the identity certificate does not belong to the identity key');
    return new IdentitySigner(privateKey, certificate.raw);
  }

  /** A new RSA-2048 key and its certificate. */
  static async generateKeys(now: () => number = Date.now): Promise<IdentityKeys> {
    const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 2048 });
    const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    return { key, certificate: IdentitySigner.certify(key, now) };
  }

  /** A new self-signed certificate for a key (PEM), valid from a day ago for 100 years. */
  static certify(keyPem: string, now: () => number = Date.now): string {
    const privateKey = createPrivateKey(keyPem);
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
    return pem('CERTIFICATE', der);
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
