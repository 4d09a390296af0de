// Who a signed request comes from, once its access key is resolved (gateway/auth.ts), and what
// policy evaluation needs to know of it (src/iam/policy/). The credentials file's profiles are
// account roots; IAM users' access keys and STS session credentials live in the database.
//
//   root          arn:aws:iam::<account>:root                         userId = account id
//   user          arn:aws:iam::<account>:user/<path><name>            userId = AIDA…
//   assumed-role  arn:aws:sts::<account>:assumed-role/<role>/<session> userId = AROA…:<session>
//                 (its role: arn:aws:iam::<account>:role/<path><name>)

export type PrincipalKind = 'root' | 'user' | 'assumed-role';

export interface CallerIdentity {
  kind: PrincipalKind;
  accountId: string;
  /** what GetCallerIdentity answers as Arn, and aws:PrincipalArn (for a role session: the session's ARN) */
  arn: string;
  /** GetCallerIdentity's UserId, aws:userid */
  userId: string;
  /** the access key the request was signed with */
  accessKeyId: string;
  /** an assumed role: the role's own ARN (aws:PrincipalArn is the role ARN for role sessions in IAM conditions) */
  roleArn?: string;
  /** IAM user name (aws:username) */
  userName?: string;
  /** aws:PrincipalTag/… (a user's or role's tags; a role session's session tags win) */
  tags?: Record<string, string>;
  /** STS: the session's SourceIdentity (aws:SourceIdentity) */
  sourceIdentity?: string;
  /** may call Imago's operator endpoints (a credentials-file profile with imago_admin = true) */
  admin?: boolean;
  /** temporary credentials (STS AssumeRole, GetSessionToken): what the session token carries */
  session?: SessionFacts;
}

/** What a session token carries beyond the principal (src/iam/session-tokens.ts). */
export interface SessionFacts {
  /** epoch ms */
  expiresAt: number;
  /** AssumeRole's inline session policy */
  policy?: string;
  /** AssumeRole's PolicyArns (managed session policies) */
  policyArns?: string[];
  /** session tag keys that pass on to a chained AssumeRole */
  transitiveTagKeys?: string[];
}

/** A policy as evaluation sees it: where it comes from (for matchedStatements) and its JSON text. */
export interface NamedPolicy {
  /** a managed policy's ARN, or `<principal ARN>:inline/<name>`-style id for an inline one */
  id: string;
  document: string;
}

/** The policies that apply to a principal's requests (empty for root: roots are not limited by identity policies). */
export interface PrincipalPolicies {
  /** identity-based: attached managed (default versions) and inline, the user's and its groups', or the role's */
  identity: NamedPolicy[];
  /** the permissions boundary of the user or role, if any */
  boundary?: NamedPolicy;
  /** an assumed role's session policies (AssumeRole's Policy and PolicyArns), if any were given */
  session?: NamedPolicy[];
}
