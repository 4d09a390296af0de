// A lifecycle action: what an instance waits for in Pending:Wait or Terminating:Wait. It holds
// one entry per lifecycle hook of the transition, each with its token, its heartbeat deadline
// (now + HeartbeatTimeout, moved on by RecordLifecycleActionHeartbeat) and its global deadline
// (min(100 × HeartbeatTimeout, 48 h) from the start, which heartbeats never move). A hook whose
// deadline passes takes its DefaultResult. The action is over when every hook has a result or
// one has ABANDON (AWS stops at the first ABANDON); its outcome is ABANDON if any hook
// abandoned, else CONTINUE. Pure functions over the stored JSON: the clock is a parameter.
import { randomUUID } from 'node:crypto';
import type { LifecycleHookRow } from '../../store/repos/autoscaling-groups.js';

export const LAUNCHING_TRANSITION = 'autoscaling:EC2_INSTANCE_LAUNCHING';
export const TERMINATING_TRANSITION = 'autoscaling:EC2_INSTANCE_TERMINATING';
export type HookResult = 'CONTINUE' | 'ABANDON';

export interface HookSpec {
  name: string;
  heartbeatTimeout: number;
  defaultResult: string;
}

/** A stored hook as a lifecycle action waits on it. */
export const hookSpec = (h: LifecycleHookRow): HookSpec => ({ name: h.hook_name, heartbeatTimeout: h.heartbeat_timeout, defaultResult: h.default_result });

export interface HookWait {
  hook: string;
  token: string;
  heartbeatTimeout: number;
  defaultResult: HookResult;
  /** epoch ms: the heartbeat timeout */
  deadline: number;
  /** epoch ms: the global timeout */
  globalDeadline: number;
  result?: HookResult;
  /** why the result came: 'completed' (CompleteLifecycleAction) or 'timeout' */
  reason?: 'completed' | 'timeout';
}

export interface LifecycleAction {
  transition: string;
  hooks: HookWait[];
}

/** GlobalTimeout: 100 × HeartbeatTimeout, at most 48 hours (seconds). */
export const globalTimeout = (heartbeatTimeout: number) => Math.min(100 * heartbeatTimeout, 172800);

export function beginAction(transition: string, hooks: readonly HookSpec[], now: number): LifecycleAction {
  return {
    transition,
    hooks: hooks.map((h) => ({
      hook: h.name,
      token: randomUUID(),
      heartbeatTimeout: h.heartbeatTimeout,
      defaultResult: h.defaultResult === 'CONTINUE' ? 'CONTINUE' : 'ABANDON',
      deadline: now + h.heartbeatTimeout * 1000,
      globalDeadline: now + globalTimeout(h.heartbeatTimeout) * 1000,
    })),
  };
}

export const parseAction = (json: string | null | undefined): LifecycleAction | undefined => (json ? (JSON.parse(json) as LifecycleAction) : undefined);

/** Applies DefaultResult to every hook whose heartbeat or global timeout has passed; true when one did. */
export function expire(action: LifecycleAction, now: number): boolean {
  let changed = false;
  for (const h of action.hooks) {
    if (!h.result && (now >= h.deadline || now >= h.globalDeadline)) {
      h.result = h.defaultResult;
      h.reason = 'timeout';
      changed = true;
    }
  }
  return changed;
}

/** The action's outcome once decided (ABANDON wins at once), else undefined. */
export function outcome(action: LifecycleAction): { result: HookResult; by: HookWait } | undefined {
  const abandoned = action.hooks.find((h) => h.result === 'ABANDON');
  if (abandoned) return { result: 'ABANDON', by: abandoned };
  if (action.hooks.every((h) => h.result)) return { result: 'CONTINUE', by: action.hooks[action.hooks.length - 1] };
  return undefined;
}

/** The earliest deadline of the hooks still waiting (epoch ms), if any. */
export function nextDeadline(action: LifecycleAction): number | undefined {
  const open = action.hooks.filter((h) => !h.result).map((h) => Math.min(h.deadline, h.globalDeadline));
  return open.length ? Math.min(...open) : undefined;
}

/** The waiting hook a CompleteLifecycleAction / heartbeat names: by hook name, and the token when given. */
export function findWait(action: LifecycleAction, hookName: string, token?: string): HookWait | undefined {
  return action.hooks.find((h) => h.hook === hookName && !h.result && (token === undefined || h.token === token));
}

export function complete(wait: HookWait, result: HookResult): void {
  wait.result = result;
  wait.reason = 'completed';
}

/** RecordLifecycleActionHeartbeat: the heartbeat timeout starts again (never past the global timeout). */
export function heartbeat(wait: HookWait, now: number): void {
  wait.deadline = Math.min(now + wait.heartbeatTimeout * 1000, wait.globalDeadline);
}

/** AWS's status message for an abandoned launch ("Instance failed to complete user's Lifecycle Action: …"). */
export function abandonMessage(by: HookWait): string {
  const why = by.reason === 'timeout' ? 'Heartbeat Timeout' : 'Lifecycle Action Completed with ABANDON Result';
  return `Instance failed to complete user's Lifecycle Action: Lifecycle Action with token ${by.token} was abandoned: ${why}`;
}
