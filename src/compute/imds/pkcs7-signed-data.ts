// PKCS#7 signed-data (RFC 2315; CMS version 1, RFC 5652) with the content embedded, one RSA
// signer over SHA-256 with signed attributes (contentType, messageDigest), and the signer's
// certificate included: the shape of EC2's `rsa2048` identity signature. AWS leaves its
// certificate out (users pass it with -certfile); including it costs ~1 KiB and lets
// `openssl smime -verify -CAfile cert.pem` work without -certfile too.
import { createHash, sign, type KeyObject } from 'node:crypto';
import { explicit, implicit, integer, nullValue, octetString, oid, sequence, setOf } from './der.js';
import { OID } from './oids.js';
import { issuerAndSerial } from './self-signed-certificate.js';

export function signedData(content: Buffer, certificate: Buffer, privateKey: KeyObject): Buffer {
  const { issuer, serial } = issuerAndSerial(certificate);
  // RFC 5754: SHA-256's parameters are absent.
  const digestAlgorithm = sequence(oid(OID.sha256));
  const attributes = setOf(
    attribute(OID.contentType, oid(OID.pkcs7Data)),
    attribute(OID.messageDigest, octetString(createHash('sha256').update(content).digest())),
  );
  // The signature covers the attributes encoded as a SET OF (RFC 5652 5.4), not as the [0] below.
  const signerInfo = sequence(
    integer(1),
    sequence(issuer, serial),
    digestAlgorithm,
    implicit(0, attributes),
    sequence(oid(OID.rsaEncryption), nullValue()),
    octetString(sign('sha256', attributes, privateKey)),
  );
  const signed = sequence(
    integer(1),
    setOf(digestAlgorithm),
    sequence(oid(OID.pkcs7Data), explicit(0, octetString(content))),
    implicit(0, setOf(certificate)),
    setOf(signerInfo),
  );
  return sequence(oid(OID.pkcs7SignedData), explicit(0, signed));
}

function attribute(type: string, value: Buffer): Buffer {
  return sequence(oid(type), setOf(value));
}
