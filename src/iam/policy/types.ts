// The IAM policy language as data: what parsePolicy returns once a document has been validated.
// Single strings are normalized to one-element arrays; condition values are kept as strings
// (JSON numbers and booleans become their text, as IAM compares them).

export type PolicyKind = 'identity' | 'resource' | 'trust' | 'boundary' | 'session';

/** "2008-10-17" (also what a document without Version means) treats `${…}` literally. */
export type PolicyVersion = '2012-10-17' | '2008-10-17';

export type Effect = 'Allow' | 'Deny';

/** 1-based line and column of a character in the policy text. */
export interface TextPosition {
  line: number;
  column: number;
}

/** `"*"` or a map of principal type (AWS, Service, Federated, CanonicalUser) to values. */
export type PrincipalBlock = '*' | Record<string, string[]>;

export interface ConditionEntry {
  /** as written, e.g. `ForAnyValue:StringLikeIfExists` */
  operator: string;
  /** the condition key as written (matched case-insensitively) */
  key: string;
  values: string[];
}

export interface Statement {
  sid?: string;
  effect: Effect;
  /** exactly one of action / notAction is set */
  action?: string[];
  notAction?: string[];
  /** at most one of resource / notResource (trust policies have neither) */
  resource?: string[];
  notResource?: string[];
  /** at most one of principal / notPrincipal (only in resource and trust policies) */
  principal?: PrincipalBlock;
  notPrincipal?: PrincipalBlock;
  condition: ConditionEntry[];
  /** where the statement's object starts and ends in the text (for SimulatePrincipalPolicy) */
  start: TextPosition;
  end: TextPosition;
}

export interface Policy {
  version: PolicyVersion;
  /** whether the document spelled Version out (managed policies must) */
  versionGiven: boolean;
  id?: string;
  statements: Statement[];
}
