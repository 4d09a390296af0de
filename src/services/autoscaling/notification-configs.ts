// Notification configurations (Put/Describe/DeleteNotificationConfiguration): which SNS topic
// hears which of a group's events. SNS is not served here, so they are stored and listed, not
// sent; the types are checked against AWS's catalog (DescribeAutoScalingNotificationTypes).
import type { NotificationConfiguration } from '../../api/autoscaling/types.js';
import type { Scope } from '../../store/scope.js';
import type { AsgContext } from './asg-context.js';
import { memberConstraint, validationError } from './asg-errors.js';
import type { GroupService } from './group-service.js';
import { page, type PageInput } from './paging.js';

export const NOTIFICATION_TYPES = [
  'autoscaling:EC2_INSTANCE_LAUNCH',
  'autoscaling:EC2_INSTANCE_LAUNCH_ERROR',
  'autoscaling:EC2_INSTANCE_TERMINATE',
  'autoscaling:EC2_INSTANCE_TERMINATE_ERROR',
  'autoscaling:TEST_NOTIFICATION',
];

export class NotificationConfigs {
  constructor(
    private readonly ctx: AsgContext,
    private readonly groups: GroupService,
  ) {}

  async put(caller: Scope, group: string, topicArn: string, types: readonly string[]): Promise<void> {
    if (!/^arn:aws[\w-]*:sns:[\w-]+:\d{12}:[\w-]{1,256}$/.test(topicArn)) throw memberConstraint('topicARN', topicArn, 'Member must be a valid SNS topic ARN');
    if (types.length === 0) throw validationError('At least one notification type must be specified.');
    for (const t of types) {
      if (!NOTIFICATION_TYPES.includes(t)) throw validationError(`Notification type ${t} is not a valid notification type. Valid types are: ${NOTIFICATION_TYPES.join(', ')}.`);
    }
    await this.groups.get(caller, group);
    await this.ctx.store.autoscalingConfig.putNotifications(caller, group, topicArn, types);
  }

  async describe(caller: Scope, groups: readonly string[] | undefined, input: PageInput): Promise<{ configurations: NotificationConfiguration[]; nextToken?: string }> {
    for (const name of groups ?? []) await this.groups.get(caller, name);
    const rows = await this.ctx.store.autoscalingConfig.notifications(caller, groups?.length ? groups : undefined);
    const key = (r: (typeof rows)[number]) => `${r.group_name}\u0000${r.topic_arn}\u0000${r.notification_type}`;
    rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const { items, nextToken } = page(rows, key, input, {
      binding: [caller.accountId, caller.region, 'notifications', groups],
      max: 100,
      defaultSize: 50,
    });
    return { configurations: items.map((r) => ({ AutoScalingGroupName: r.group_name, TopicARN: r.topic_arn, NotificationType: r.notification_type })), nextToken };
  }

  async delete(caller: Scope, group: string, topicArn: string): Promise<void> {
    await this.groups.get(caller, group);
    await this.ctx.store.autoscalingConfig.deleteNotifications(caller, group, topicArn);
  }
}
