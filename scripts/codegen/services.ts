// The services Imago speaks and where their models come from. Versions are pinned in
// package.json (devDependencies); `npm run codegen` is reproducible from them.
import type { Protocol } from '../../src/protocol/model.js';

export interface ServiceSource {
  /** our id, the folder under src/api/ */
  id: string;
  /** the SigV4 signing name (credential scope service) */
  signingName: string;
  sdkPackage: string;
  protocol: Protocol;
  apiVersion: string;
  xmlNamespace?: string;
  targetPrefix?: string;
}

export const SERVICES: ServiceSource[] = [
  {
    id: 'ec2',
    signingName: 'ec2',
    sdkPackage: '@aws-sdk/client-ec2',
    protocol: 'ec2',
    apiVersion: '2016-11-15',
    // AWS sends the namespace with a trailing slash (the model's lacks it).
    xmlNamespace: 'http://ec2.amazonaws.com/doc/2016-11-15/',
  },
  {
    id: 'autoscaling',
    signingName: 'autoscaling',
    sdkPackage: '@aws-sdk/client-auto-scaling',
    protocol: 'query',
    apiVersion: '2011-01-01',
    xmlNamespace: 'http://autoscaling.amazonaws.com/doc/2011-01-01/',
  },
  {
    id: 'kms',
    signingName: 'kms',
    sdkPackage: '@aws-sdk/client-kms',
    protocol: 'json',
    apiVersion: '2014-11-01',
    targetPrefix: 'TrentService',
  },
  {
    id: 'ebs',
    signingName: 'ebs',
    sdkPackage: '@aws-sdk/client-ebs',
    protocol: 'rest-json',
    apiVersion: '2019-11-02',
  },
  {
    id: 'ssm',
    signingName: 'ssm',
    sdkPackage: '@aws-sdk/client-ssm',
    protocol: 'json',
    apiVersion: '2014-11-06',
    targetPrefix: 'AmazonSSM',
  },
  {
    id: 'iam',
    signingName: 'iam',
    sdkPackage: '@aws-sdk/client-iam',
    protocol: 'query',
    apiVersion: '2010-05-08',
    xmlNamespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
  },
  {
    id: 'sts',
    signingName: 'sts',
    sdkPackage: '@aws-sdk/client-sts',
    protocol: 'query',
    apiVersion: '2011-06-15',
    xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
  },
  {
    id: 'cloudtrail',
    signingName: 'cloudtrail',
    sdkPackage: '@aws-sdk/client-cloudtrail',
    protocol: 'json',
    apiVersion: '2013-11-01',
    // SDK v3 sends CloudTrail_20131101.<Op>; older SDKs the fully qualified com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Op>
    targetPrefix: 'CloudTrail_20131101',
  },
  {
    id: 'cloudwatch',
    signingName: 'monitoring',
    sdkPackage: '@aws-sdk/client-cloudwatch',
    // the JS SDK sends awsJson1.0 (awsQueryCompatible); the aws CLI also speaks Smithy RPCv2 CBOR
    // or awsQuery: src/services/cloudwatch/ serves all three (src/protocol/multi-protocol.ts)
    protocol: 'json',
    apiVersion: '2010-08-01',
    xmlNamespace: 'http://monitoring.amazonaws.com/doc/2010-08-01/',
    targetPrefix: 'GraniteServiceVersion20100801',
  },
];
