// A group's launch configuration as a launch's source: looked up when the launch is prepared
// (a group cannot outlive the launch configuration it uses: DeleteLaunchConfiguration refuses),
// shaped like a resolved launch template where the launch path only reads image and type.
import type { Scope } from '../../store/scope.js';
import type { ResolvedLaunchTemplate } from '../ec2/launch-templates/launch-template-service.js';
import type { AsgContext } from './asg-context.js';
import type { LaunchRequest } from './compute-port.js';
import { launchConfigNotFound, type LaunchConfigData } from './launch-configs.js';

export interface ResolvedConfiguration {
  configuration: { name: string; data: LaunchConfigData };
  templateName: string;
  data: { ImageId?: string; InstanceType?: string };
}

export async function resolveConfiguration(ctx: AsgContext, scope: Scope, name: string): Promise<ResolvedConfiguration> {
  const [row] = await ctx.store.autoscalingConfig.launchConfigs(scope, [name]);
  if (!row) throw launchConfigNotFound(name);
  const data = JSON.parse(row.data) as LaunchConfigData;
  return { configuration: { name, data }, templateName: name, data: { ImageId: data.ImageId, InstanceType: data.InstanceType } };
}

/** The LaunchRequest's source: the template version, or the launch configuration. */
export const launchFrom = (r: ResolvedLaunchTemplate | ResolvedConfiguration): Pick<LaunchRequest, 'launchTemplate' | 'launchConfiguration'> =>
  'configuration' in r ? { launchConfiguration: r.configuration } : { launchTemplate: { id: r.templateId, version: r.version } };
