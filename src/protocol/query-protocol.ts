// The EC2 query protocol and awsQuery (Auto Scaling) as one adapter with a variant switch:
// form-encoded `Action=…&Version=…` requests in, XML out.
import type { ServiceModel } from './model.js';
import type { ProtocolAdapter, RawRequest, RawResponse } from './protocol.js';
import { QueryParser, ec2WireName, queryWireName, type QueryVariant } from './query-parser.js';
import { XmlSerializer } from './xml-serializer.js';
import { ServiceError } from './service-error.js';
import { ValidationFailure, shownValue, validateInput, type Violation } from './validate.js';
import { formParams } from './form.js';
import { RequestLimits } from './request-limits.js';

const XML_HEADERS = { 'content-type': 'text/xml;charset=UTF-8' };

export class QueryProtocol implements ProtocolAdapter {
  private readonly parser: QueryParser;
  private readonly serializer: XmlSerializer;
  private readonly known: Set<string>;
  private readonly limits: RequestLimits;

  constructor(
    private readonly model: ServiceModel,
    private readonly variant: QueryVariant,
  ) {
    this.parser = new QueryParser(model, variant);
    this.serializer = new XmlSerializer(model, variant);
    this.known = new Set(model.allOperations);
    this.limits = new RequestLimits(model);
  }

  private params(req: RawRequest): [string, string][] {
    // GET puts the parameters in the query string; POST in the form body (EC2 accepts both);
    // a body is parsed once (formParams keeps its parameters): operationOf and decode both need them
    return req.body.length > 0 ? formParams(req.body) : req.query;
  }

  operationOf(req: RawRequest): string {
    let action: string | undefined;
    let version: string | undefined;
    for (const [k, v] of this.params(req)) {
      // the first of each, as a search would find
      if (k === 'Action') action ??= v;
      else if (k === 'Version') version ??= v;
    }
    if (!action) throw new ServiceError('MissingAction', 'The request must contain the parameter Action.', 400);
    if (!version) throw new ServiceError('MissingParameter', 'The request must contain the parameter Version', 400);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(version) || version > this.model.apiVersion)
      throw new ServiceError('NoSuchVersion', `The requested version (${version}) of service ${this.serviceLabel()} does not exist`, 400);
    if (!this.known.has(action)) throw new ServiceError('InvalidAction', `The action ${action} is not valid for this web service.`, 400);
    return action;
  }

  decode(operation: string, req: RawRequest): Record<string, unknown> {
    const shape = this.model.operations[operation]?.input;
    try {
      const input = this.parser.parse(shape, this.params(req));
      if (shape) validateInput(this.model, shape, input, this.variant === 'ec2' ? ec2WireName : queryWireName);
      if (this.variant === 'ec2') this.limits.check(operation, input);
      return input;
    } catch (e) {
      if (e instanceof ValidationFailure) throw this.violationError(e.violation);
      throw e;
    }
  }

  encode(operation: string, output: unknown, requestId: string): RawResponse {
    return {
      status: 200,
      headers: { ...XML_HEADERS, 'x-amzn-requestid': requestId },
      body: this.serializer.response(operation, output, requestId),
    };
  }

  encodeError(err: ServiceError, requestId: string): RawResponse {
    return {
      status: err.httpStatus,
      headers: { ...XML_HEADERS, 'x-amzn-requestid': requestId, ...(err.headers ?? {}) },
      body: this.serializer.error(err, requestId),
    };
  }

  violationError(v: Violation): ServiceError {
    // AWS's words for a parameter it does not know, in both query protocols
    if (v.kind === 'unknown') return new ServiceError('UnknownParameter', `The parameter ${v.wirePath} is not recognized`);
    if (this.variant === 'ec2') {
      if (v.kind === 'missing') return new ServiceError('MissingParameter', `The request must contain the parameter ${v.wirePath}`);
      if (v.kind === 'characters') return new ServiceError('InvalidParameterValue', `Invalid value for parameter ${v.wirePath}: control characters and unpaired surrogates are not allowed`);
      const shown = shownValue(v.value);
      if (v.kind === 'enum') return new ServiceError('InvalidParameterValue', `Invalid value '${shown}' for ${v.wirePath}. Valid values: ${v.expected}`);
      return new ServiceError('InvalidParameterValue', `Invalid value '${shown}' for parameter ${v.wirePath}: expected ${v.expected}`);
    }
    return new ServiceError('ValidationError', smithyValidationMessage(v));
  }

  private serviceLabel(): string {
    return this.variant === 'ec2' ? 'AmazonEC2' : this.model.service;
  }
}

/** A bound as Coral words it: `length <= 50` is `length less than or equal to 50`. */
function coralBound(expected: string): string {
  return expected.replace('<=', 'less than or equal to').replace('>=', 'greater than or equal to');
}

/** The message AWS's Coral-based services use for model violations. */
export function smithyValidationMessage(v: Violation): string {
  // text that is not allowed is not repeated either
  const value = v.value === undefined || v.kind === 'characters' ? 'null' : `'${shownValue(v.value)}'`;
  if (v.kind === 'unknown') return `1 validation error detected: '${v.memberPath}' is not a member of the input`;
  const constraint =
    v.kind === 'missing'
      ? 'Member must not be null'
      : v.kind === 'enum'
        ? `Member must satisfy enum value set: [${v.expected}]`
        : v.kind === 'type'
          ? `Member must be of type ${v.expected}`
          : v.kind === 'pattern'
            ? `Member must satisfy regular expression pattern: ${v.expected}`
            : v.kind === 'characters'
              ? 'Member must not contain control characters or unpaired surrogates'
            : `Member must have ${v.kind === 'length' ? '' : 'value '}${coralBound(v.expected ?? '')}`;
  return `1 validation error detected: Value ${value} at '${v.memberPath}' failed to satisfy constraint: ${constraint}`;
}
