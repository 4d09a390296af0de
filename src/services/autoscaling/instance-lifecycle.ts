// Launching one instance for a group and taking one out of service, each recorded as a scaling
// activity. Launches go through the launch template (resolved now: `$Latest` follows new
// versions) and the compute port; instances get the group's PropagateAtLaunch tags and
// aws:autoscaling:groupName. A refused launch becomes a Failed activity carrying the EC2 message.
// A launch is recorded (a Launching row with its client token) before it is sent, so one
// interrupted by a crash is replayed, never repeated.
import { randomUUID } from 'node:crypto';
import type { LaunchTemplateSpecification } from '../../api/autoscaling/types.js';
import type { GroupRow } from '../../store/repos/autoscaling-groups.js';
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';
import type { ActivityRow } from '../../store/repos/autoscaling-activities.js';
import { SSM_PREFIX } from '../ec2/launch-templates/template-data.js';
import { launchFrom, resolveConfiguration } from './launch-config-source.js';
import { details } from './activities.js';
import type { AsgContext } from './asg-context.js';
import type { LaunchRequest } from './compute-port.js';
import { DELETING, sourceTemplate, type Group, type LaunchSource } from './group-model.js';
import { beginAction, hookSpec, TERMINATING_TRANSITION } from './lifecycle-action.js';
import { PENDING_WAIT, TERMINATING_WAIT, WARMED_PENDING } from './member-states.js';

export const GROUP_NAME_TAG = 'aws:autoscaling:groupName';

export type LaunchOutcome = { ok: true; instance: GroupInstanceRow } | { ok: false; activity: ActivityRow };

/** A launch as recorded before it is sent (the `launch_template` of a Launching row). */
interface LaunchIntent {
  request: LaunchRequest;
  cause: string;
  templateName: string;
  templateImage?: string;
  templateType?: string;
  /** launched into the warm pool (Warmed:Pending) rather than the group */
  warm?: boolean;
}

/** Launching rows stand for launches sent but not yet answered; they never show in the group. */
export const LAUNCHING = 'Launching';

const refused = (e: unknown): e is { code: string; message?: string } => Boolean((e as { code?: string }).code);

export async function launchInstance(
  ctx: AsgContext,
  group: Group,
  slot: { zone: string; subnetId?: string },
  source: LaunchSource,
  cause: string,
  refreshId: string | null,
  into: 'group' | 'warm-pool' = 'group',
): Promise<LaunchOutcome> {
  const { spec, instanceType, imageId } = sourceTemplate(source);
  let intent: LaunchIntent;
  try {
    if (!spec && !source.launchConfiguration) throw Object.assign(new Error('The group has no launch template.'), { code: 'ValidationError' });
    const resolved = source.launchConfiguration ? await resolveConfiguration(ctx, group.scope, source.launchConfiguration) : await ctx.templates.resolve(group.scope, spec!);
    let image = imageId;
    const templateImage = resolved.data.ImageId;
    if (!image && templateImage?.startsWith(SSM_PREFIX)) image = await ctx.templates.resolveAlias(group.scope, templateImage);
    const tags = (await ctx.groups.tags(group.scope, [group.name])).filter((t) => t.propagate_at_launch === 1).map((t) => ({ Key: t.key, Value: t.value }));
    tags.push({ Key: GROUP_NAME_TAG, Value: group.name });
    intent = {
      request: { ...launchFrom(resolved), zone: slot.zone, subnetId: slot.subnetId, tags, instanceType, imageId: image, clientToken: randomUUID() },
      cause,
      templateName: resolved.templateName,
      templateImage: image ?? templateImage,
      templateType: instanceType ?? resolved.data.InstanceType,
      ...(into === 'warm-pool' ? { warm: true } : {}),
    };
  } catch (e) {
    if (!refused(e)) throw e; // not an EC2 refusal: a bug, let the job runner log and retry
    return { ok: false, activity: await ctx.activities.failedLaunch(group.row, cause, details(slot.zone, slot.subnetId), e.message ?? e.code) };
  }
  // recorded first, so that a crash before the answer is replayed (same client token) rather than repeated
  const placeholder: GroupInstanceRow = {
    instance_id: `launch:${intent.request.clientToken}`,
    account_id: group.row.account_id,
    region: group.row.region,
    group_name: group.name,
    availability_zone: slot.zone,
    subnet_id: slot.subnetId ?? null,
    lifecycle_state: LAUNCHING,
    health_status: 'Healthy',
    protected_from_scale_in: group.settings.NewInstancesProtectedFromScaleIn ? 1 : 0,
    launch_template: JSON.stringify(intent),
    image_id: null,
    instance_type: null,
    launched_at: new Date().toISOString(),
    in_service_at: null,
    refresh_id: refreshId,
    activity_id: null,
    termination_cause: null,
    launch_configuration: null,
    lifecycle_action: null,
  };
  await ctx.instances.insert(placeholder);
  return completeLaunch(ctx, group, placeholder);
}

/** Sends a recorded launch; after a restart its client token makes RunInstances answer the first launch. */
export async function completeLaunch(ctx: AsgContext, group: Group, placeholder: GroupInstanceRow): Promise<LaunchOutcome> {
  const intent = JSON.parse(placeholder.launch_template!) as LaunchIntent;
  const { request } = intent;
  try {
    const launched = await ctx.compute.launch(group.scope, request);
    const activity = await ctx.activities.start(group.row, {
      description: intent.warm ? `Launching a new EC2 instance into warm pool: ${launched.instanceId}` : `Launching a new EC2 instance: ${launched.instanceId}`,
      cause: intent.cause,
      details: details(launched.zone, launched.subnetId ?? request.subnetId),
      statusCode: 'InProgress',
      progress: 30,
    });
    const lt: LaunchTemplateSpecification | undefined = request.launchTemplate && { LaunchTemplateId: request.launchTemplate.id, LaunchTemplateName: intent.templateName, Version: String(request.launchTemplate.version) };
    const row: GroupInstanceRow = {
      ...placeholder,
      instance_id: launched.instanceId,
      availability_zone: launched.zone,
      subnet_id: launched.subnetId ?? request.subnetId ?? null,
      lifecycle_state: intent.warm ? WARMED_PENDING : 'Pending',
      launch_template: lt ? JSON.stringify(lt) : null,
      launch_configuration: request.launchConfiguration?.name ?? null,
      image_id: launched.imageId ?? intent.templateImage ?? null,
      instance_type: launched.instanceType ?? intent.templateType ?? null,
      activity_id: activity.activity_id,
    };
    await ctx.instances.replace(placeholder.instance_id, row);
    return { ok: true, instance: row };
  } catch (e) {
    if (!refused(e)) throw e;
    await ctx.instances.delete(placeholder.instance_id);
    return { ok: false, activity: await ctx.activities.failedLaunch(group.row, intent.cause, details(request.zone, request.subnetId), e.message ?? e.code) };
  }
}

/**
 * Takes an instance out of service: an activity, then Terminating and the EC2 termination, or
 * Terminating:Wait while the group's terminate lifecycle hooks run (not for a group being
 * force-deleted, nor with `skipHooks`: an abandoned launch).
 */
export async function beginTermination(ctx: AsgContext, group: GroupRow, member: GroupInstanceRow, cause: string, opts: { skipHooks?: boolean } = {}): Promise<ActivityRow> {
  const scope = { accountId: group.account_id, region: group.region };
  const hooks = opts.skipHooks || group.status === DELETING ? [] : (await ctx.groups.hooks(scope, group.group_name)).filter((h) => h.transition === TERMINATING_TRANSITION);
  const activity = await ctx.activities.start(group, {
    description: `Terminating EC2 instance: ${member.instance_id}`,
    cause,
    details: details(member.availability_zone, member.subnet_id ?? undefined),
    statusCode: hooks.length ? 'MidLifecycleAction' : 'InProgress',
    progress: 50,
  });
  // a launch still waiting for its hooks ends here
  if (member.lifecycle_state === PENDING_WAIT && member.activity_id) await ctx.activities.finish(member.activity_id, 'Cancelled');
  if (hooks.length) {
    const action = beginAction(TERMINATING_TRANSITION, hooks.map(hookSpec), Date.now());
    await ctx.instances.update(member.instance_id, { lifecycle_state: TERMINATING_WAIT, activity_id: activity.activity_id, lifecycle_action: JSON.stringify(action) });
    Object.assign(member, { lifecycle_state: TERMINATING_WAIT, activity_id: activity.activity_id, lifecycle_action: JSON.stringify(action) });
    return activity;
  }
  await ctx.instances.update(member.instance_id, { lifecycle_state: 'Terminating', activity_id: activity.activity_id, lifecycle_action: null });
  Object.assign(member, { lifecycle_state: 'Terminating', activity_id: activity.activity_id, lifecycle_action: null });
  await requestTermination(ctx, group, member);
  return activity;
}

/** Asks EC2 to terminate (again, after a restart or a refusal: it is idempotent). */
export async function requestTermination(ctx: AsgContext, group: GroupRow, member: GroupInstanceRow): Promise<void> {
  try {
    await ctx.compute.terminate({ accountId: group.account_id, region: group.region }, [member.instance_id]);
  } catch (e) {
    // e.g. termination protection: the activity stays in progress and the next pass retries
    if (member.activity_id) await ctx.activityRepo.update(member.activity_id, { status_message: (e as Error).message });
  }
}
