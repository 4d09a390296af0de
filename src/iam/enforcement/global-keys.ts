// The global condition keys every request carries (the principal's own aws:* keys are derived by
// the policy engine from the identity). Imago is reached over plain HTTP on loopback or behind a
// proxy: aws:SecureTransport says what this hop was.
import type { ContextValue } from '../policy/index.js';
import type { AuthorizationCall } from './enforcer.js';

export function globalKeys(call: AuthorizationCall): Record<string, ContextValue> {
  const keys: Record<string, ContextValue> = {
    'aws:CurrentTime': call.now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'aws:EpochTime': String(Math.floor(call.now.getTime() / 1000)),
    'aws:RequestedRegion': call.region,
    'aws:SecureTransport': 'false',
    'aws:ViaAWSService': 'false',
  };
  if (call.sourceIp) keys['aws:SourceIp'] = call.sourceIp.replace(/^::ffff:/, '');
  return keys;
}
