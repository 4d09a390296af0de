// AWS managed policies (arn:aws:iam::aws:policy/<name>): present in every account, read-only,
// with AWS's documents, kept as data in aws-managed-policies/<name>.json (their default version
// only). ReadOnlyAccess is a subset of AWS's (see its $comment).
import { readdirSync, readFileSync } from 'node:fs';

export interface AwsManagedPolicy {
  name: string;
  arn: string;
  id: string;
  path: string;
  defaultVersionId: string;
  createDate: string;
  updateDate: string;
  description: string;
  /** the default version's document, as JSON text */
  document: string;
}

interface PolicyFile {
  PolicyName: string;
  PolicyId: string;
  Path: string;
  DefaultVersionId: string;
  CreateDate: string;
  UpdateDate: string;
  Description: string;
  Document: unknown;
}

const DIR = new URL('./aws-managed-policies/', import.meta.url);

export const AWS_MANAGED_POLICIES: ReadonlyMap<string, AwsManagedPolicy> = new Map(
  readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const p = JSON.parse(readFileSync(new URL(f, DIR), 'utf8')) as PolicyFile;
      const arn = `arn:aws:iam::aws:policy${p.Path}${p.PolicyName}`;
      const policy: AwsManagedPolicy = {
        name: p.PolicyName,
        arn,
        id: p.PolicyId,
        path: p.Path,
        defaultVersionId: p.DefaultVersionId,
        createDate: p.CreateDate,
        updateDate: p.UpdateDate,
        description: p.Description,
        document: JSON.stringify(p.Document, null, 2),
      };
      return [arn, policy] as const;
    }),
);
