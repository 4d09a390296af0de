// DryRun: a request with DryRun=true runs every check a real call would (parameters,
// existence, permissions) and then answers DryRunOperation (412) instead of acting.
// Handlers that change state call `dryRunCheckpoint(ctx)` between their checks and their
// first write; for read-only handlers the wrapper below answers after the handler ran.
import type { RequestContext } from '../../protocol/dispatch.js';
import { dryRunOperation } from './ec2-errors.js';

export function dryRunCheckpoint(ctx: RequestContext): void {
  if (ctx.dryRun) throw dryRunOperation();
}

export async function aroundDryRun(ctx: RequestContext, _input: Record<string, unknown>, next: () => Promise<unknown>): Promise<unknown> {
  const output = await next();
  if (ctx.dryRun) throw dryRunOperation();
  return output;
}
