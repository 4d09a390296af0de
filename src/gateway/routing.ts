// Which service a request is for, before (or without) a signature. The credential scope is
// authoritative when present; these hints pick the envelope for unsigned or broken requests.
import type { Protocol } from '../protocol/model.js';

export const BODY_LIMITS: Record<Protocol, number> = {
  ec2: 2 * 1024 * 1024, // 10,000 launch-permission ids fit with room to spare
  query: 1024 * 1024,
  json: 1024 * 1024,
  'rest-json': 512 * 1024 + 64 * 1024, // one 512 KiB EBS block plus headroom
};

export const MAX_BODY = Math.max(...Object.values(BODY_LIMITS));

export function guessService(path: string, headers: Record<string, string | string[] | undefined>, body?: Buffer): string {
  const target = String(headers['x-amz-target'] ?? '');
  if (target.startsWith('TrentService.')) return 'kms';
  if (target.startsWith('AmazonSSM.')) return 'ssm';
  if (target.includes('CloudTrail_20131101.')) return 'cloudtrail';
  // CloudWatch: awsJson1.0, Smithy RPCv2 CBOR, or awsQuery Version=2010-08-01
  if (target.startsWith('GraniteServiceVersion20100801.') || path.startsWith('/service/GraniteServiceVersion20100801/')) return 'monitoring';
  if (path === '/snapshots' || path.startsWith('/snapshots/')) return 'ebs';
  if (body && /(^|&)Version=2011-01-01(&|$)/.test(body.toString('latin1'))) return 'autoscaling';
  if (body && /(^|&)Version=2010-08-01(&|$)/.test(body.toString('latin1'))) return 'monitoring';
  return 'ec2';
}
