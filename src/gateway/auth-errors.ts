// Each service reports authentication failures with its own code and status (captured from
// AWS: EC2 says AuthFailure 401 for both unknown keys and bad signatures; the Coral services
// have distinct codes). One table, so the rule lives in one place.
import type { Protocol } from '../protocol/model.js';
import { ServiceError } from '../protocol/service-error.js';
import type { SigV4FailureKind } from '../protocol/sigv4.js';

const INVALID_TOKEN = 'The security token included in the request is invalid.';
const EXPIRED_TOKEN = 'The security token included in the request is expired';
const EC2_AUTH = 'AWS was not able to validate the provided access credentials';

type Row = Record<SigV4FailureKind, [code: string, status: number, message?: string]>;

const TABLE: Record<Protocol, Row> = {
  ec2: {
    missing: ['MissingAuthenticationToken', 401, 'Request is missing Authentication Token'],
    incomplete: ['IncompleteSignature', 400],
    'unknown-key': ['AuthFailure', 401, EC2_AUTH],
    'bad-signature': ['AuthFailure', 401, EC2_AUTH],
    expired: ['RequestExpired', 400, 'Request has expired.'],
    'expired-token': ['RequestExpired', 400, 'Request has expired.'],
    'bad-region': ['AuthFailure', 401],
  },
  query: {
    missing: ['MissingAuthenticationToken', 403, 'Request is missing Authentication Token'],
    incomplete: ['IncompleteSignature', 400],
    'unknown-key': ['InvalidClientTokenId', 403, INVALID_TOKEN],
    'bad-signature': ['SignatureDoesNotMatch', 403],
    expired: ['SignatureDoesNotMatch', 403],
    'expired-token': ['ExpiredToken', 403, EXPIRED_TOKEN],
    'bad-region': ['SignatureDoesNotMatch', 403],
  },
  json: {
    missing: ['MissingAuthenticationTokenException', 400, 'Request is missing Authentication Token'],
    incomplete: ['IncompleteSignatureException', 400],
    'unknown-key': ['UnrecognizedClientException', 400, INVALID_TOKEN],
    'bad-signature': ['InvalidSignatureException', 400],
    expired: ['InvalidSignatureException', 400],
    'expired-token': ['ExpiredTokenException', 400, EXPIRED_TOKEN],
    'bad-region': ['InvalidSignatureException', 400],
  },
  'rest-json': {
    missing: ['MissingAuthenticationTokenException', 403, 'Missing Authentication Token'],
    incomplete: ['IncompleteSignatureException', 403],
    'unknown-key': ['UnrecognizedClientException', 403, INVALID_TOKEN],
    'bad-signature': ['InvalidSignatureException', 403],
    expired: ['InvalidSignatureException', 403],
    'expired-token': ['ExpiredTokenException', 403, EXPIRED_TOKEN],
    'bad-region': ['InvalidSignatureException', 403],
  },
};

export function authError(protocol: Protocol, kind: SigV4FailureKind, detail: string): ServiceError {
  const [code, status, message] = TABLE[protocol][kind];
  return new ServiceError(code, message ?? detail, status);
}
