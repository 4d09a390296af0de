// The action targets the alarm service brings itself: EC2 actions (arn:aws:automate:region:ec2:
// stop|terminate|reboot|recover) on the instance named by the alarm's InstanceId dimension,
// through the instance lifecycle the composition root passes in; and SNS topics, which Imago
// does not have: the action is recorded in the alarm's history as not delivered.
import type { Scope } from '../../../store/scope.js';
import type { AlarmActions } from './alarm-actions.js';

export type Ec2AlarmAction = 'stop' | 'terminate' | 'reboot' | 'recover';
export type InstanceActions = (scope: Scope, instanceId: string, action: Ec2AlarmAction) => Promise<void>;

export function registerBuiltInTargets(actions: AlarmActions, instanceActions: InstanceActions | undefined): void {
  actions.register('arn:aws:sns:', {
    async invoke(_scope, actionArn) {
      return `Action not delivered: this server has no Amazon SNS; the notification to ${actionArn} was not sent`;
    },
  });
  actions.register('arn:aws:automate:', {
    async invoke(scope, actionArn, alarm) {
      const action = actionArn.slice(actionArn.lastIndexOf(':') + 1) as Ec2AlarmAction;
      const instanceId = alarm.dimensions?.find((d) => d.name === 'InstanceId')?.value;
      if (!instanceId) throw new Error('the alarm has no InstanceId dimension');
      if (!instanceActions) throw new Error('EC2 actions are not available in this server');
      await instanceActions(scope, instanceId, action);
      return `Successfully executed action ${actionArn}`;
    },
  });
}
