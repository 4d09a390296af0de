// EC2 launch template operations: thin mappings onto LaunchTemplateService.
import type { Operations } from '../../../api/ec2/types.js';
import type { HandlerMap, RequestContext } from '../../../protocol/dispatch.js';
import { dryRunCheckpoint } from '../dry-run.js';
import type { LaunchTemplateService } from './launch-template-service.js';
import { describeVersions } from './launch-template-query.js';
import { deleteVersions } from './delete-versions.js';
import type { InstanceService } from '../instances/instance-service.js';

export function launchTemplateHandlers(templates: LaunchTemplateService, instances: InstanceService): HandlerMap<Operations> {
  const checkpoint = (ctx: RequestContext) => () => dryRunCheckpoint(ctx);
  const warning = (errors: { Code?: string; Message?: string }[]) => (errors.length ? { Errors: errors } : undefined);

  return {
    async CreateLaunchTemplate(ctx, input) {
      const { template, warnings } = await templates.create(ctx, input, checkpoint(ctx));
      return { LaunchTemplate: template, Warning: warning(warnings) };
    },

    async CreateLaunchTemplateVersion(ctx, input) {
      const { version, warnings } = await templates.createVersion(ctx, input, checkpoint(ctx));
      return { LaunchTemplateVersion: version, Warning: warning(warnings) };
    },

    async DescribeLaunchTemplates(ctx, input) {
      const { templates: list, nextToken } = await templates.describe(ctx, input);
      return { LaunchTemplates: list, NextToken: nextToken };
    },

    async DescribeLaunchTemplateVersions(ctx, input) {
      const { versions, nextToken } = await describeVersions(templates, ctx, input);
      return { LaunchTemplateVersions: versions, NextToken: nextToken };
    },

    async ModifyLaunchTemplate(ctx, input) {
      return { LaunchTemplate: await templates.setDefault(ctx, input, input.DefaultVersion, checkpoint(ctx)) };
    },

    async DeleteLaunchTemplate(ctx, input) {
      return { LaunchTemplate: await templates.delete(ctx, input, checkpoint(ctx)) };
    },

    async GetLaunchTemplateData(ctx, input) {
      return { LaunchTemplateData: await templates.dataOf(instances, ctx, input.InstanceId) };
    },

    async DeleteLaunchTemplateVersions(ctx, input) {
      const { deleted, failed } = await deleteVersions(templates, ctx, input, checkpoint(ctx));
      return { SuccessfullyDeletedLaunchTemplateVersions: deleted, UnsuccessfullyDeletedLaunchTemplateVersions: failed };
    },
  };
}
