// Scaling activities: every launch and termination is one, with AWS's Description and Cause
// texts ("Launching a new EC2 instance: i-…", "At <time> an instance was started in response to
// a difference between desired and actual capacity, …"). A failed launch is a Failed activity
// whose status message is the EC2 error text.
import { randomUUID } from 'node:crypto';
import type { Activity, ScalingActivityStatusCodeEnum } from '../../api/autoscaling/types.js';
import type { ActivityRow, AutoscalingActivitiesRepo } from '../../store/repos/autoscaling-activities.js';
import type { GroupRow } from '../../store/repos/autoscaling-groups.js';
import { groupArn } from './group-model.js';

/** `At 2024-05-01T12:00:00Z` (AWS's causes use second precision). */
export const at = (d = new Date()) => `At ${d.toISOString().replace(/\.\d{3}Z$/, 'Z')}`;

export const causes = {
  created: (from: number, to: number) => `${at()} a user request created an AutoScalingGroup changing the desired capacity from ${from} to ${to}.`,
  updated: (min: number, max: number, desired: number, from: number) =>
    `${at()} a user request update of AutoScalingGroup constraints to min: ${min}, max: ${max}, desired: ${desired} changing the desired capacity from ${from} to ${desired}.`,
  setDesired: (from: number, to: number) => `${at()} a user request explicitly set group desired capacity changing the desired capacity from ${from} to ${to}.`,
  policy: (name: string, from: number, to: number) => `${at()} a user request executed policy ${name} changing the desired capacity from ${from} to ${to}.`,
  started: (from: number, to: number) => `${at()} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from ${from} to ${to}.`,
  shrunk: (from: number, to: number) => `${at()} an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from ${from} to ${to}.`,
  userTerminate: (instanceId: string, from: number, to?: number) =>
    to === undefined
      ? `${at()} instance ${instanceId} was taken out of service in response to a user request.`
      : `${at()} instance ${instanceId} was taken out of service in response to a user request, shrinking the capacity from ${from} to ${to}.`,
  ec2Health: () => `${at()} an instance was taken out of service in response to an EC2 health check indicating it has been terminated or stopped.`,
  ec2StatusChecks: () => `${at()} an instance was taken out of service in response to an EC2 instance status checks failure.`,
  userHealth: () => `${at()} an instance was taken out of service in response to a user health-check.`,
  refresh: (instanceId: string) => `${at()} an instance was taken out of service in response to an instance refresh.  ${at()} instance ${instanceId} was selected for termination.`,
  standby: (instanceId: string) => `${at()} instance ${instanceId} was moved to standby in response to a user request.`,
  exitStandby: (instanceId: string) => `${at()} instance ${instanceId} was moved out of standby in response to a user request.`,
};

/** Joins the cause of a capacity change with the cause of the activity it led to (AWS puts two spaces between). */
export const withPrefix = (prefix: string | null | undefined, cause: string) => (prefix ? `${prefix}  ${cause}` : cause);

export const details = (zone: string, subnetId?: string) => JSON.stringify(subnetId ? { 'Subnet ID': subnetId, 'Availability Zone': zone } : { 'Availability Zone': zone });

let counter = 0;
/** Orders activities started in the same millisecond; monotonic across restarts. */
const nextSeq = () => Date.now() * 1000 + (counter++ % 1000);

export class ActivityLog {
  constructor(private readonly repo: AutoscalingActivitiesRepo) {}

  async start(group: GroupRow, a: { description: string; cause: string; details: string; statusCode?: ScalingActivityStatusCodeEnum; statusMessage?: string; progress?: number }): Promise<ActivityRow> {
    const done = a.statusCode === 'Successful' || a.statusCode === 'Failed' || a.statusCode === 'Cancelled';
    const now = new Date().toISOString();
    const row: ActivityRow = {
      activity_id: randomUUID(),
      account_id: group.account_id,
      region: group.region,
      group_name: group.group_name,
      group_id: group.group_id,
      seq: nextSeq(),
      description: a.description,
      cause: a.cause,
      start_time: now,
      end_time: done ? now : null,
      status_code: a.statusCode ?? 'InProgress',
      status_message: a.statusMessage ?? null,
      progress: a.progress ?? (done ? 100 : 0),
      details: a.details,
    };
    await this.repo.insert(row);
    return row;
  }

  async finish(activityId: string, statusCode: ScalingActivityStatusCodeEnum, message?: string): Promise<void> {
    await this.repo.update(activityId, { status_code: statusCode, status_message: message ?? null, progress: 100, end_time: new Date().toISOString() });
  }

  /** A launch that EC2 refused: Failed at once, with the EC2 message (AWS's wording around it). */
  async failedLaunch(group: GroupRow, cause: string, detail: string, ec2Message: string): Promise<ActivityRow> {
    const reason = `${ec2Message.replace(/\.?$/, '.')} Launching EC2 instance failed.`;
    // one insert: a Failed activity is never seen without its status message
    return this.start(group, { description: `Launching a new EC2 instance.  Status Reason: ${reason}`, cause, details: detail, statusCode: 'Failed', statusMessage: reason });
  }
}

export function activityOut(a: ActivityRow, deleted = false): Activity {
  return {
    ActivityId: a.activity_id,
    AutoScalingGroupName: a.group_name,
    Description: a.description,
    Cause: a.cause,
    StartTime: new Date(a.start_time),
    EndTime: a.end_time ? new Date(a.end_time) : undefined,
    StatusCode: a.status_code as ScalingActivityStatusCodeEnum,
    StatusMessage: a.status_message ?? undefined,
    Progress: a.progress,
    Details: a.details,
    AutoScalingGroupARN: groupArn({ account_id: a.account_id, region: a.region, group_id: a.group_id, group_name: a.group_name }),
    AutoScalingGroupState: deleted ? 'Deleted' : undefined,
  };
}
