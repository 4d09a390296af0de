// The three protocols CloudWatch is spoken in, each answered in kind (protocol/multi-protocol.ts):
// awsJson1.0 with awsQueryCompatible errors (@aws-sdk/client-cloudwatch), Smithy RPC v2 CBOR
// (botocore ≥ 1.42: the aws CLI v1 on PATH here), awsQuery (Debian's awscli 2.9).
import type { ServiceModel } from '../../protocol/model.js';
import type { RawRequest } from '../../protocol/protocol.js';
import { CborProtocol } from '../../protocol/cbor-protocol.js';
import { JsonProtocol } from '../../protocol/json-protocol.js';
import { MultiProtocol } from '../../protocol/multi-protocol.js';
import { QueryProtocol } from '../../protocol/query-protocol.js';

const isForm = (req: RawRequest) => !req.headers['x-amz-target'] && ((req.headers['content-type'] ?? '').includes('x-www-form-urlencoded') || req.query.some(([k]) => k === 'Action'));

export function cloudWatchProtocol(model: ServiceModel): MultiProtocol {
  const json = new JsonProtocol(model, { version: '1.0', queryCompatible: true });
  return new MultiProtocol(json, [
    { matches: CborProtocol.matches, adapter: new CborProtocol(model, { version: '1.0', queryCompatible: true }) },
    { matches: isForm, adapter: new QueryProtocol(model, 'query') },
  ]);
}
