// AWS SDK v3 clients pointed at a test server. No retries: a test sees exactly one answer.
import { EC2Client } from '@aws-sdk/client-ec2';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { KMSClient } from '@aws-sdk/client-kms';
import { EBSClient } from '@aws-sdk/client-ebs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { TestAccount } from './server.js';

export interface ClientOptions {
  region?: string;
  account?: Pick<TestAccount, 'accessKeyId' | 'secretAccessKey'> & { sessionToken?: string };
  /** milliseconds to shift the signing clock (for skew tests) */
  systemClockOffset?: number;
}

const DEV_KEYS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'dev-secret' };

function config(endpoint: string, o: ClientOptions) {
  return {
    endpoint,
    region: o.region ?? 'us-east-1',
    credentials: o.account ? { accessKeyId: o.account.accessKeyId, secretAccessKey: o.account.secretAccessKey, sessionToken: o.account.sessionToken } : DEV_KEYS,
    maxAttempts: 1,
    ...(o.systemClockOffset !== undefined ? { systemClockOffset: o.systemClockOffset } : {}),
  };
}

export const ec2 = (endpoint: string, o: ClientOptions = {}) => new EC2Client(config(endpoint, o));
export const autoscaling = (endpoint: string, o: ClientOptions = {}) => new AutoScalingClient(config(endpoint, o));
export const kms = (endpoint: string, o: ClientOptions = {}) => new KMSClient(config(endpoint, o));
export const ebs = (endpoint: string, o: ClientOptions = {}) => new EBSClient(config(endpoint, o));
export const ssm = (endpoint: string, o: ClientOptions = {}) => new SSMClient(config(endpoint, o));
export const iam = (endpoint: string, o: ClientOptions = {}) => new IAMClient(config(endpoint, o));
export const sts = (endpoint: string, o: ClientOptions = {}) => new STSClient(config(endpoint, o));
export const cloudtrail = (endpoint: string, o: ClientOptions = {}) => new CloudTrailClient(config(endpoint, o));
export const cloudwatch = (endpoint: string, o: ClientOptions = {}) => new CloudWatchClient(config(endpoint, o));

/** Awaits a promise expected to fail with an AWS error; returns name, status, message. */
export async function awsError(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string; error: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message, error: e as Record<string, unknown> };
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** Asserts that a call fails with AWS error `name` and HTTP `status` (default 400); returns the message. */
export async function expectAwsError(p: Promise<unknown>, name: string, message?: RegExp, status = 400): Promise<string> {
  const e = await awsError(p);
  if (e.name !== name) throw new Error(`expected ${name}, got ${e.name}: ${e.message}`);
  if (e.status !== status) throw new Error(`${name}: expected HTTP ${status}, got ${e.status}`);
  if (message && !message.test(e.message)) throw new Error(`${name}: message ${JSON.stringify(e.message)} does not match ${message}`);
  return e.message;
}
