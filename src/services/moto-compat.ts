// `--compat moto`: what suites written for moto's server mode rely on, as a wrapper around the
// services' handlers (the services themselves do not know the mode).
//
//  - Pending states settle at once: after every call that may change state, the jobs due now
//    (and those falling due within SETTLE_HORIZON_MS, e.g. a settle job's short retry) run before
//    the answer is sent. The answer itself keeps AWS's transitional state (RunInstances says
//    `pending`), as moto's does; the next call sees `running`, `completed`, `available`.
//  - moto's example image ids answer in every region: outside MOTO_HOME_REGION the stored images
//    have other ids (ec2/catalog/moto-catalog.ts), so the input's moto ids become stored ids and
//    the output's (and error messages') stored ids become moto's ids again.
//
// The account every key maps to and `POST /moto-api/reset` are the gateway's (gateway/auth.ts,
// gateway/admin.ts); moto's images are seeded by the catalog.
import type { Handler, ServiceDefinition } from '../protocol/dispatch.js';
import { ServiceError, isServiceError } from '../protocol/service-error.js';
import { motoImageAliases } from './ec2/catalog/moto-catalog.js';

/** jobs due this soon after a call are waited for (longer ones, e.g. periodic reconciliation, are not) */
const SETTLE_HORIZON_MS = 50;
/** rounds of "run what is due" per call at most (a chain of jobs each scheduling the next) */
const SETTLE_ROUNDS = 20;

export interface MotoCompatDeps {
  /** runs every due job now (JobRunner.drain) */
  drain(): Promise<void>;
  /** when the next job falls due (ISO time), if any */
  nextDue(): Promise<string | undefined>;
}

interface Aliases {
  toStored: Map<string, string>;
  toMoto: Map<string, string>;
}

const READ_ONLY = /^(Describe|Get|List)/;
const STORED_ID = /ami-0[0-9a-f]{16}/g;

export class MotoCompat {
  private readonly aliases = new Map<string, Aliases>();

  constructor(private readonly deps: MotoCompatDeps) {}

  /** The service with every handler wrapped. */
  wrap(def: ServiceDefinition): ServiceDefinition {
    const handlers: Record<string, Handler | undefined> = {};
    for (const [operation, handler] of Object.entries(def.handlers)) handlers[operation] = handler && this.handler(handler);
    return { ...def, handlers };
  }

  /** Runs what is due now, and what falls due within the horizon, a bounded number of rounds. */
  async settle(): Promise<void> {
    for (let round = 0; round < SETTLE_ROUNDS; round++) {
      await this.deps.drain();
      const next = await this.deps.nextDue();
      if (next === undefined) return;
      const wait = Date.parse(next) - Date.now();
      if (wait > SETTLE_HORIZON_MS) return;
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private handler(inner: Handler): Handler {
    return async (ctx, input) => {
      const { toStored, toMoto } = this.aliasesOf(ctx.region);
      const toMotoIds = (s: string) => (s.includes('ami-0') ? s.replace(STORED_ID, (id) => toMoto.get(id) ?? id) : s);
      try {
        const out = await inner(ctx, toStored.size ? mapStrings(input, (s) => toStored.get(s) ?? s) : input);
        if (!READ_ONLY.test(ctx.operation) && !ctx.dryRun) await this.settle();
        return toMoto.size ? mapStrings(out, toMotoIds) : out;
      } catch (e) {
        if (!toMoto.size || !isServiceError(e)) throw e;
        const message = toMotoIds(e.message);
        throw message === e.message ? e : new ServiceError(e.code, message, e.httpStatus, { fields: e.fields, headers: e.headers, fault: e.fault });
      }
    };
  }

  private aliasesOf(region: string): Aliases {
    let a = this.aliases.get(region);
    if (!a) {
      const toStored = motoImageAliases(region);
      a = { toStored, toMoto: new Map([...toStored].map(([moto, stored]) => [stored, moto])) };
      this.aliases.set(region, a);
    }
    return a;
  }
}

/** A copy of plain objects and arrays with every string mapped; anything else (dates, bytes, streams) as it is. */
export function mapStrings<T>(value: T, f: (s: string) => string): T {
  if (typeof value === 'string') return f(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f)) as T;
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    // defineProperty: a `__proto__` member stays a member
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: mapStrings(v, f), enumerable: true, writable: true, configurable: true });
    return out as T;
  }
  return value;
}
