// Where an alarm's actions go: targets registered by ARN prefix in the composition root
// (server.ts), e.g. Auto Scaling registers 'arn:aws:autoscaling:' and runs the scaling policy
// the ARN names; the alarm service itself registers 'arn:aws:automate:' (EC2 stop, terminate,
// reboot, recover) and 'arn:aws:sns:' (kept, not delivered: Imago has no SNS). The evaluator
// invokes the targets of the new state's action list when an alarm changes state and its
// actions are enabled (a durable job written with the change); targets that repeat (Auto
// Scaling's) again once a minute while the alarm stays in that state — AWS's "once each minute
// when the alarm remains in a new state" — with `repeat: true` and the latest evaluation.
import type { Scope } from '../../../store/scope.js';
import type { AlarmState } from './alarm-model.js';

export interface AlarmActionEvent {
  name: string;
  arn: string;
  state: AlarmState;
  previousState: AlarmState;
  reason: string;
  reasonData?: string;
  /** when the state was entered */
  stateUpdatedAt: Date;
  /** true when the alarm did not change state: a repeated invocation (Auto Scaling actions only) */
  repeat: boolean;
  /** a single-metric alarm's dimensions (EC2 actions act on its InstanceId) */
  dimensions?: { name: string; value: string }[];
}

export interface AlarmActionTarget {
  /** Runs the action; a thrown error is recorded as a failed Action history item. The string returned, if any, is the history summary. */
  invoke(scope: Scope, actionArn: string, alarm: AlarmActionEvent): Promise<string | void>;
  /** whether the action runs again once a minute while the alarm stays in the state (Auto Scaling) */
  repeatWhileInState?: boolean;
}

export class AlarmActions {
  private readonly targets: { prefix: string; target: AlarmActionTarget }[] = [];

  /** Registers the target for action ARNs starting with `arnPrefix` (e.g. 'arn:aws:autoscaling:'). */
  register(arnPrefix: string, target: AlarmActionTarget): void {
    this.targets.push({ prefix: arnPrefix, target });
    this.targets.sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** The target for an action ARN (the longest matching prefix), if any. */
  targetFor(actionArn: string): AlarmActionTarget | undefined {
    return this.targets.find((t) => actionArn.startsWith(t.prefix))?.target;
  }
}
