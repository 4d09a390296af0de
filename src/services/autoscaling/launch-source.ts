// The launch source of a group or of an instance refresh's desired configuration: exactly one
// of LaunchTemplate, MixedInstancesPolicy, LaunchConfigurationName (InstanceId is not served),
// checked the way AWS does at Create/Update time — the template must exist and be "fully
// formed" (an AMI the account can launch), the launch configuration must exist.
import type { LaunchTemplateSpecification, MixedInstancesPolicy } from '../../api/autoscaling/types.js';
import type { Scope } from '../../store/scope.js';
import type { LaunchTemplateService, ResolvedLaunchTemplate } from '../ec2/launch-templates/launch-template-service.js';
import { SSM_PREFIX, type ImageLookup } from '../ec2/launch-templates/template-data.js';
import { validationError } from './asg-errors.js';
import { sourceTemplate, type LaunchSource } from './group-model.js';
import { launchConfigNotFound } from './launch-configs.js';

/** Where launch configurations are found (the store's Auto Scaling configuration repo). */
export interface LaunchConfigLookup {
  launchConfigs(scope: Scope, names: readonly string[]): Promise<unknown[]>;
}

export interface SourceInput {
  LaunchTemplate?: LaunchTemplateSpecification;
  MixedInstancesPolicy?: MixedInstancesPolicy;
  LaunchConfigurationName?: string;
  InstanceId?: string;
}

const EITHER = 'Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.';

export const hasSource = (i: SourceInput) => [i.LaunchTemplate, i.MixedInstancesPolicy, i.LaunchConfigurationName, i.InstanceId].some((v) => v !== undefined);

/** Resolves and checks a launch source; fills the template's id, name and `$Default` version. */
export async function checkSource(caller: Scope, templates: LaunchTemplateService, images: ImageLookup, input: SourceInput, launchConfigs?: LaunchConfigLookup): Promise<LaunchSource> {
  const given = [input.LaunchTemplate, input.MixedInstancesPolicy, input.LaunchConfigurationName, input.InstanceId].filter((v) => v !== undefined);
  if (given.length !== 1) throw validationError(EITHER);
  if (input.LaunchConfigurationName !== undefined) {
    const name = input.LaunchConfigurationName;
    if (!launchConfigs || !(await launchConfigs.launchConfigs(caller, [name])).length) throw launchConfigNotFound(name);
    return { launchConfiguration: name };
  }
  if (input.InstanceId !== undefined) throw validationError('Creating a group from an instance (InstanceId) is not supported: use a launch template.');
  if (input.LaunchTemplate) {
    return { launchTemplate: await checkTemplate(caller, templates, images, input.LaunchTemplate) };
  }
  const mixed = structuredClone(input.MixedInstancesPolicy!);
  const lt = mixed.LaunchTemplate?.LaunchTemplateSpecification;
  if (!lt) throw validationError('A MixedInstancesPolicy must specify a LaunchTemplate with a LaunchTemplateSpecification.');
  mixed.LaunchTemplate!.LaunchTemplateSpecification = await checkTemplate(caller, templates, images, lt, sourceTemplate({ mixed }).imageId);
  for (const o of mixed.LaunchTemplate!.Overrides ?? []) {
    if (o.LaunchTemplateSpecification) o.LaunchTemplateSpecification = await checkTemplate(caller, templates, images, o.LaunchTemplateSpecification, o.ImageId);
  }
  mixed.InstancesDistribution = {
    OnDemandAllocationStrategy: 'prioritized',
    OnDemandBaseCapacity: 0,
    OnDemandPercentageAboveBaseCapacity: 100,
    SpotAllocationStrategy: 'lowest-price',
    SpotInstancePools: 2,
    ...mixed.InstancesDistribution,
  };
  return { mixed };
}

async function checkTemplate(caller: Scope, templates: LaunchTemplateService, images: ImageLookup, spec: LaunchTemplateSpecification, imageOverride?: string): Promise<LaunchTemplateSpecification> {
  if (!spec.LaunchTemplateId === !spec.LaunchTemplateName) throw validationError('Valid requests must contain either launchTemplateId or LaunchTemplateName');
  const version = spec.Version ?? '$Default';
  let resolved: ResolvedLaunchTemplate;
  try {
    resolved = await templates.resolve(caller, { ...spec, Version: version });
    await checkLaunchable(caller, images, imageOverride ?? resolved.data.ImageId);
  } catch (e) {
    if ((e as { code?: string }).code === 'ValidationError') throw e;
    throw validationError(`You must use a valid fully-formed launch template. ${(e as Error).message}`);
  }
  return { LaunchTemplateId: resolved.templateId, LaunchTemplateName: resolved.templateName, Version: version };
}

async function checkLaunchable(caller: Scope, images: ImageLookup, imageId: string | undefined): Promise<void> {
  if (!imageId) throw validationError('You must use a valid fully-formed launch template. The launch template must specify an ImageId.');
  if (imageId.startsWith(SSM_PREFIX)) return; // resolved at launch
  await images.getVisible(caller, imageId);
}

/** Whether an instance launched from `instanceLt` runs the version `target` resolves to. */
export function sameVersion(instanceLt: LaunchTemplateSpecification | undefined, target: ResolvedLaunchTemplate | undefined): boolean {
  return Boolean(instanceLt && target && instanceLt.LaunchTemplateId === target.templateId && instanceLt.Version === String(target.version));
}
