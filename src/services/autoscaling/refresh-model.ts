// An instance refresh as stored: its preferences (with AWS's defaults), its plan (which
// instances remain to be replaced, checkpoints, rollback), and its DescribeInstanceRefreshes form.
import type { DesiredConfiguration, InstanceRefresh, InstanceRefreshStatusEnum, RefreshPreferences } from '../../api/autoscaling/types.js';
import type { RefreshRow } from '../../store/repos/instance-refreshes.js';
import type { LaunchSource } from './group-model.js';

export const ACTIVE: readonly InstanceRefreshStatusEnum[] = ['Pending', 'InProgress', 'Baking', 'Cancelling', 'RollbackInProgress'];
export const isActive = (r: RefreshRow) => ACTIVE.includes(r.status as InstanceRefreshStatusEnum);

/** Preferences with defaults filled (what the refresh runs with and Describe shows). */
export interface Prefs extends RefreshPreferences {
  MinHealthyPercentage: number;
  MaxHealthyPercentage: number;
  InstanceWarmup: number;
  SkipMatching: boolean;
  AutoRollback: boolean;
  ScaleInProtectedInstances: NonNullable<RefreshPreferences['ScaleInProtectedInstances']>;
  StandbyInstances: NonNullable<RefreshPreferences['StandbyInstances']>;
}

export interface RefreshPlan {
  phase: 'forward' | 'rollback';
  /** instances to update when the refresh (or its rollback) started */
  total: number;
  /** instances still to take out of service */
  toReplace: string[];
  /** the group's launch source when the refresh started (what a rollback returns to) */
  previous: LaunchSource;
  /** the desired configuration, checked and resolved (absent: the group's own source) */
  target?: LaunchSource;
  checkpointIndex: number;
  pausedUntil?: string;
  bakeUntil?: string;
  /** since when protected or standby instances hold the refresh (it fails after an hour) */
  waitingSince?: string;
  /** consecutive launch failures during this refresh */
  failures: number;
  percentage: number;
  instancesToUpdate: number;
  rollback?: { reason: string; startTime: string; percentage: number; instancesToUpdate: number };
}

/** Launch failures in a row after which a refresh fails (AWS gives up on repeated launch failures). */
export const FAIL_AFTER_LAUNCH_FAILURES = 3;
/** How long protected or standby instances may hold a refresh with the Wait preference. */
export const WAIT_LIMIT_MS = 3600_000;

/** The tag launches of a refresh carry (rollback launches are told apart). */
export const launchTag = (r: RefreshRow, plan: RefreshPlan) => (plan.phase === 'rollback' ? `${r.refresh_id}#rollback` : r.refresh_id);

export const parsePlan = (r: RefreshRow) => JSON.parse(r.plan) as RefreshPlan;
export const parsePrefs = (r: RefreshRow) => JSON.parse(r.preferences) as Prefs;

export function refreshOut(r: RefreshRow): InstanceRefresh {
  const plan = parsePlan(r);
  const live = { PercentageComplete: plan.percentage, InstancesToUpdate: plan.instancesToUpdate };
  return {
    InstanceRefreshId: r.refresh_id,
    AutoScalingGroupName: r.group_name,
    Status: r.status as InstanceRefreshStatusEnum,
    StatusReason: r.status_reason ?? undefined,
    StartTime: new Date(r.start_time),
    EndTime: r.end_time ? new Date(r.end_time) : undefined,
    PercentageComplete: plan.percentage,
    InstancesToUpdate: plan.instancesToUpdate,
    ProgressDetails: { LivePoolProgress: live },
    Preferences: parsePrefs(r),
    DesiredConfiguration: r.desired_configuration ? (JSON.parse(r.desired_configuration) as DesiredConfiguration) : undefined,
    RollbackDetails: plan.rollback
      ? {
          RollbackReason: plan.rollback.reason,
          RollbackStartTime: new Date(plan.rollback.startTime),
          PercentageCompleteOnRollback: plan.rollback.percentage,
          InstancesToUpdateOnRollback: plan.rollback.instancesToUpdate,
          ProgressDetailsOnRollback: { LivePoolProgress: { PercentageComplete: plan.rollback.percentage, InstancesToUpdate: plan.rollback.instancesToUpdate } },
        }
      : undefined,
    Strategy: r.strategy as InstanceRefresh['Strategy'],
  };
}
