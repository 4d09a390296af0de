// Stored parameter versions and public catalog parameters as SSM's output shapes.
import type { Parameter, ParameterHistory, ParameterMetadata } from '../../api/ssm/types.js';
import type { ParameterVersionRow } from '../../store/repos/ssm-parameters.js';
import type { Scope } from '../../store/scope.js';
import type { PublicParameter, PublicParameterVersion } from '../ec2/catalog/public-parameters.js';
import { parameterArn, type Selector } from './parameter-names.js';
import type { Policy } from './parameter-policies.js';

type ParameterType = NonNullable<Parameter['Type']>;

export function parameterOut(scope: Scope, row: ParameterVersionRow, value: string, selector?: Selector): Parameter {
  return {
    Name: row.name,
    Type: row.type as ParameterType,
    Value: value,
    Version: row.version,
    Selector: selector ? `:${selector.text}` : undefined,
    LastModifiedDate: new Date(row.last_modified),
    ARN: parameterArn(scope.region, scope.accountId, row.name),
    DataType: row.data_type,
  };
}

export function publicParameterOut(region: string, p: PublicParameter, v: PublicParameterVersion, selector?: Selector): Parameter {
  return {
    Name: p.name,
    Type: 'String',
    Value: v.value,
    Version: v.version,
    Selector: selector ? `:${selector.text}` : undefined,
    LastModifiedDate: new Date(v.lastModified),
    ARN: parameterArn(region, '', p.name),
    DataType: p.dataType,
  };
}

function policiesOut(text: string | null): ParameterMetadata['Policies'] {
  if (!text) return undefined;
  return (JSON.parse(text) as Policy[]).map((p) => ({
    PolicyText: JSON.stringify(p),
    PolicyType: p.Type,
    PolicyStatus: p.Type === 'Expiration' && Date.parse(p.Attributes.Timestamp) <= Date.now() ? 'Finished' : 'Pending',
  }));
}

export function metadataOut(scope: Scope, row: ParameterVersionRow): ParameterMetadata {
  return {
    Name: row.name,
    ARN: parameterArn(scope.region, scope.accountId, row.name),
    Type: row.type as ParameterType,
    KeyId: row.key_id ?? undefined,
    LastModifiedDate: new Date(row.last_modified),
    LastModifiedUser: row.last_modified_user,
    Description: row.description ?? undefined,
    AllowedPattern: row.allowed_pattern ?? undefined,
    Version: row.version,
    Tier: row.tier as ParameterMetadata['Tier'],
    Policies: policiesOut(row.policies),
    DataType: row.data_type,
  };
}

export function historyOut(row: ParameterVersionRow, value: string, labels: string[]): ParameterHistory {
  return {
    Name: row.name,
    Type: row.type as ParameterType,
    KeyId: row.key_id ?? undefined,
    LastModifiedDate: new Date(row.last_modified),
    LastModifiedUser: row.last_modified_user,
    Description: row.description ?? undefined,
    Value: value,
    AllowedPattern: row.allowed_pattern ?? undefined,
    Version: row.version,
    Labels: labels,
    Tier: row.tier as ParameterHistory['Tier'],
    Policies: policiesOut(row.policies),
    DataType: row.data_type,
  };
}

export function publicHistoryOut(p: PublicParameter, v: PublicParameterVersion): ParameterHistory {
  return {
    Name: p.name,
    Type: 'String',
    LastModifiedDate: new Date(v.lastModified),
    LastModifiedUser: 'arn:aws:iam::aws:root',
    Value: v.value,
    Version: v.version,
    Labels: [],
    Tier: 'Standard',
    Policies: [],
    DataType: p.dataType,
  };
}
