// The runtime service model: a trimmed, JSON form of the AWS service models, produced by
// `npm run codegen` from the pinned @aws-sdk/client-* schemas (plus model/patches). Every
// parser and serializer in this folder walks these shapes; nothing here knows about AMIs.
import { readFileSync } from 'node:fs';

export type ScalarType = 'string' | 'number' | 'boolean' | 'timestamp' | 'blob' | 'document';

export type Protocol = 'ec2' | 'query' | 'json' | 'rest-json';

export interface MemberRef {
  /** a scalar type name, or the name of a structure/list/map shape */
  target: string;
  required?: true;
  xmlName?: string;
  ec2QueryName?: string;
  flattened?: true;
  xmlAttribute?: true;
  timestampFormat?: 'date-time' | 'http-date' | 'epoch-seconds';
  idempotencyToken?: true;
  sensitive?: true;
  streaming?: true;
  httpLabel?: true;
  httpQuery?: string;
  httpHeader?: string;
  httpPayload?: true;
  httpResponseCode?: true;
  httpQueryParams?: true;
  httpPrefixHeaders?: string;
  /** name of an entry in ServiceModel.enums */
  enum?: string;
  /** constraints added by model/patches (the SDK schemas carry none) */
  min?: number;
  max?: number;
  pattern?: string;
  /**
   * AWS's own answer when a list is longer than `max` (model/patches), instead of the
   * protocol's generic violation; `{count}` and `{max}` in the message are filled in
   */
  maxError?: { code: string; message: string };
  /** a sibling number member that raises `max` to its value (Auto Scaling's MaxRecords) */
  maxFrom?: string;
}

export interface StructureShape {
  type: 'structure';
  members: Record<string, MemberRef>;
  error?: { code: string; httpStatus: number; fault: 'client' | 'server' };
}
export interface ListShape {
  type: 'list';
  member: MemberRef;
}
export interface MapShape {
  type: 'map';
  key: MemberRef;
  value: MemberRef;
}
export type Shape = StructureShape | ListShape | MapShape;

export interface OperationModel {
  input?: string;
  output?: string;
  http?: { method: string; uri: string; code: number };
}

export interface ServiceModel {
  service: string;
  signingName: string;
  protocol: Protocol;
  apiVersion: string;
  xmlNamespace?: string;
  targetPrefix?: string;
  /** operations whose shapes are generated (in scope) */
  operations: Record<string, OperationModel>;
  /** every operation the AWS model knows, in scope or not */
  allOperations: string[];
  shapes: Record<string, Shape>;
  enums: Record<string, string[]>;
}

export const SCALARS: ReadonlySet<string> = new Set<ScalarType>([
  'string',
  'number',
  'boolean',
  'timestamp',
  'blob',
  'document',
]);

export function isScalar(target: string): target is ScalarType {
  return SCALARS.has(target);
}

const cache = new Map<string, ServiceModel>();

/** Loads src/api/<service>/model.json once per process. */
export function loadServiceModel(service: string): ServiceModel {
  let model = cache.get(service);
  if (!model) {
    const url = new URL(`../api/${service}/model.json`, import.meta.url);
    model = JSON.parse(readFileSync(url, 'utf8')) as ServiceModel;
    cache.set(service, model);
  }
  return model;
}
