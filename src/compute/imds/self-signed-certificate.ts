// A self-signed X.509 v3 certificate (RFC 5280) for an RSA key, signed with SHA-256: what the
// identity signer publishes so that users verify instance identity documents the way AWS
// documents it for its own certificates. It is its own CA (basicConstraints CA, keyCertSign)
// and a signer (digitalSignature), so `openssl smime -verify -CAfile` accepts it as both.
import { createHash, sign, type KeyObject } from 'node:crypto';
import { bitString, boolean, children, explicit, integer, nullValue, octetString, oid, sequence, setOf, time, utf8String } from './der.js';
import { OID } from './oids.js';

export interface CertificateSpec {
  publicKey: KeyObject;
  privateKey: KeyObject;
  commonName: string;
  organization: string;
  /** unsigned big-endian, at most 20 bytes (RFC 5280 4.1.2.2) */
  serial: Buffer;
  notBefore: Date;
  notAfter: Date;
}

/** The certificate, DER. */
export function selfSignedCertificate(spec: CertificateSpec): Buffer {
  const name = sequence(
    setOf(sequence(oid(OID.organizationName), utf8String(spec.organization))),
    setOf(sequence(oid(OID.commonName), utf8String(spec.commonName))),
  );
  const spki = spec.publicKey.export({ type: 'spki', format: 'der' });
  // Key identifier method 1 (RFC 5280 4.2.1.2): SHA-1 of the subjectPublicKey bits.
  const keyId = createHash('sha1').update(children(spki)[1].content.subarray(1)).digest();
  const algorithm = sequence(oid(OID.sha256WithRSAEncryption), nullValue());
  const tbs = sequence(
    explicit(0, integer(2)), // v3
    integer(spec.serial),
    algorithm,
    name,
    sequence(time(spec.notBefore), time(spec.notAfter)),
    name,
    spki,
    explicit(
      3,
      sequence(
        extension(OID.basicConstraints, true, sequence(boolean(true))),
        extension(OID.keyUsage, true, bitString(Buffer.from([0x84]), 2)), // digitalSignature (0), keyCertSign (5)
        extension(OID.subjectKeyIdentifier, false, octetString(keyId)),
      ),
    ),
  );
  return sequence(tbs, algorithm, bitString(sign('sha256', tbs, spec.privateKey)));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** A certificate's issuer Name and serial number INTEGER, as encoded (PKCS#7 names its signer by them). */
export function issuerAndSerial(certificate: Buffer): { issuer: Buffer; serial: Buffer } {
  const tbs = children(children(certificate)[0].encoded);
  const at = tbs[0].tag === 0xa0 ? 1 : 0; // the version is optional (v1)
  return { serial: tbs[at].encoded, issuer: tbs[at + 2].encoded };
}
