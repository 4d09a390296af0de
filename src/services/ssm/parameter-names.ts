// Parameter names, references and ARNs. A reference is what Get* accept: a name or a parameter
// ARN, optionally followed by a selector (`:3` for a version, `:label` for a label). Names are
// hierarchical (`/a/b/c`, up to 15 levels) or flat (`name`); `/aws/...` is AWS's reserved,
// read-only public namespace, and nothing may start with `aws` or `ssm` otherwise.
import { ServiceError } from '../../protocol/service-error.js';
import { accessDenied, validation } from './ssm-errors.js';

export const MAX_NAME_LENGTH = 1011;
export const MAX_DEPTH = 15;

const PATH_RULES =
  'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/". ' +
  'It can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore). ' +
  'Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.';

export interface Selector {
  /** as given after the colon */
  text: string;
  version?: number;
  label?: string;
}

export interface ParameterRef {
  name: string;
  /** an ARN's single-level name may be flat (`name`) or hierarchical (`/name`): the other reading */
  altName?: string;
  selector?: Selector;
  /** the account named by an ARN reference */
  account?: string;
  /** the region named by an ARN reference */
  region?: string;
}

/** Whether a name is in AWS's public namespace. */
export function isPublicName(name: string): boolean {
  return name.startsWith('/aws/');
}

function parseSelector(text: string | undefined): Selector | undefined {
  if (text === undefined) return undefined;
  return /^\d+$/.test(text) ? { text, version: Number(text) } : { text, label: text };
}

/** Parses `name[:selector]` or `arn:aws:ssm:region:account:parameter/name[:selector]`. */
export function parseReference(ref: string): ParameterRef {
  const arn = /^arn:aws[a-z-]*:ssm:([a-z0-9-]*):(\d{12})?:parameter(\/.*)$/.exec(ref);
  if (arn) {
    const [path, selector] = splitSelector(arn[3]);
    // ARNs drop a hierarchical name's leading slash into "parameter/"; flat names have none
    const deep = path.slice(1).includes('/');
    return { name: deep ? path : path.slice(1), altName: deep ? undefined : path, selector: parseSelector(selector), region: arn[1], account: arn[2] };
  }
  const [name, selector] = splitSelector(ref);
  return { name, selector: parseSelector(selector) };
}

function splitSelector(s: string): [string, string | undefined] {
  const colon = s.indexOf(':');
  return colon < 0 ? [s, undefined] : [s.slice(0, colon), s.slice(colon + 1)];
}

/** A parameter's ARN (`owner` empty for AWS's public parameters). */
export function parameterArn(region: string, owner: string, name: string): string {
  return `arn:aws:ssm:${region}:${owner}:parameter${name.startsWith('/') ? name : `/${name}`}`;
}

/** The name PutParameter (and other writes) accept, trimmed, or the error AWS answers. */
export function checkWritableName(raw: string): string {
  const name = raw.trim();
  if (/\s/.test(name)) throw validation('Parameter name: can\'t contain spaces.');
  if (/^\/aws(\/|$)/i.test(name)) throw accessDenied(`No access to reserved parameter name: ${name}.`);
  if (/^\/?(aws|ssm)/i.test(name)) {
    throw validation(
      name.includes('/')
        ? 'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_'
        : 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).',
    );
  }
  if (!/^[a-zA-Z0-9_.\-/]+$/.test(name) || name.endsWith('/') || name.includes('//')) throw validation(PATH_RULES);
  if (name.includes('/') && !name.startsWith('/')) throw validation('Parameter name must be a fully qualified name.');
  if (name.length > MAX_NAME_LENGTH) throw validation(`Parameter name must be at most ${MAX_NAME_LENGTH} characters long.`);
  if (name.split('/').length - 1 > MAX_DEPTH) {
    throw new ServiceError(
      'HierarchyLevelLimitExceededException',
      `A hierarchy can have a maximum of ${MAX_DEPTH} levels. For more information, see Requirements and constraints for parameter names in the AWS Systems Manager User Guide.`,
      400,
    );
  }
  return name;
}

/** A path as GetParametersByPath accepts it (a leading slash; no trailing one needed). */
export function checkPath(path: string): string {
  if (!path.startsWith('/') || path.includes('//') || !/^[a-zA-Z0-9_.\-/]+$/.test(path)) throw validation(PATH_RULES);
  if (path.split('/').filter(Boolean).length > MAX_DEPTH) {
    throw new ServiceError('HierarchyLevelLimitExceededException', `A hierarchy can have a maximum of ${MAX_DEPTH} levels.`, 400);
  }
  return path;
}

/** Why a label cannot be used (LabelParameterVersion reports these as InvalidLabels), or undefined. */
export function labelProblem(label: string): string | undefined {
  if (/^(aws|ssm)/i.test(label)) return 'reserved prefix';
  if (/^\d/.test(label)) return 'starts with a number';
  if (!/^[a-zA-Z0-9_.-]+$/.test(label)) return 'invalid characters';
  return undefined;
}
