// Launch configurations (Create/Describe/DeleteLaunchConfiguration): the older, immutable
// launch source. One is stored as DescribeLaunchConfigurations answers it, with AWS's defaults
// filled (detailed monitoring on, empty strings and lists where AWS shows them); a group that
// names one launches with RunInstances of its parameters (launch-config-run.ts). A launch
// configuration a group uses cannot be deleted; the account holds at most 200 per region.
import { randomUUID } from 'node:crypto';
import type { CreateLaunchConfigurationType, LaunchConfiguration } from '../../api/autoscaling/types.js';
import type { ResponseLaunchTemplateData } from '../../api/ec2/types.js';
import { ServiceError } from '../../protocol/service-error.js';
import type { Scope } from '../../store/scope.js';
import type { LaunchConfigRow } from '../../store/repos/autoscaling-config.js';
import type { AsgContext } from './asg-context.js';
import { memberConstraint, resourceInUse, validationError } from './asg-errors.js';
import { page, type PageInput } from './paging.js';

export const MAX_LAUNCH_CONFIGURATIONS = 200;

/** A launch configuration as stored (its Describe form without name, ARN and time). */
export type LaunchConfigData = Omit<LaunchConfiguration, 'LaunchConfigurationName' | 'LaunchConfigurationARN' | 'CreatedTime'>;

/** An instance's launch parameters (GetLaunchTemplateData), what InstanceId copies from. */
export type InstanceLookup = (caller: Scope, instanceId: string) => Promise<ResponseLaunchTemplateData>;

/** What creating from an instance copies: everything but block devices and the public address (AWS's rule). */
type InstanceTemplate = Omit<LaunchConfigData, 'BlockDeviceMappings' | 'AssociatePublicIpAddress' | 'ImageId' | 'InstanceType'> & { ImageId: string; InstanceType: string };

function fromInstance(d: ResponseLaunchTemplateData): InstanceTemplate {
  const groups = d.NetworkInterfaces?.[0]?.Groups ?? d.SecurityGroupIds ?? [];
  const meta = d.MetadataOptions;
  return {
    ImageId: d.ImageId ?? '',
    InstanceType: d.InstanceType ?? '',
    KeyName: d.KeyName,
    SecurityGroups: groups,
    UserData: d.UserData,
    KernelId: d.KernelId,
    RamdiskId: d.RamDiskId,
    InstanceMonitoring: { Enabled: d.Monitoring?.Enabled ?? false },
    IamInstanceProfile: d.IamInstanceProfile?.Arn ?? d.IamInstanceProfile?.Name,
    EbsOptimized: d.EbsOptimized,
    PlacementTenancy: d.Placement?.Tenancy,
    MetadataOptions: meta ? { HttpTokens: meta.HttpTokens, HttpPutResponseHopLimit: meta.HttpPutResponseHopLimit, HttpEndpoint: meta.HttpEndpoint } : undefined,
  };
}

export const launchConfigArn = (r: Pick<LaunchConfigRow, 'account_id' | 'region' | 'config_id' | 'name'>) =>
  `arn:aws:autoscaling:${r.region}:${r.account_id}:launchConfiguration:${r.config_id}:launchConfigurationName/${r.name}`;

export const launchConfigNotFound = (name: string) => validationError(`Launch configuration name not found - Launch configuration ${name} not found`);

export function launchConfigOut(r: LaunchConfigRow): LaunchConfiguration {
  const data = JSON.parse(r.data) as LaunchConfigData;
  return { LaunchConfigurationName: r.name, LaunchConfigurationARN: launchConfigArn(r), ...data, CreatedTime: new Date(r.created_at) };
}

export class LaunchConfigs {
  constructor(
    private readonly ctx: AsgContext,
    private readonly instances?: InstanceLookup,
  ) {}

  async create(caller: Scope, input: CreateLaunchConfigurationType): Promise<void> {
    const name = input.LaunchConfigurationName;
    if (!name || name.length > 255) throw memberConstraint('launchConfigurationName', name, 'Member must have length less than or equal to 255');
    let base: InstanceTemplate | undefined;
    if (input.InstanceId !== undefined) {
      if (!this.instances) throw validationError('Creating a launch configuration from an instance (InstanceId) is not available here.');
      try {
        base = fromInstance(await this.instances(caller, input.InstanceId));
      } catch (e) {
        if (!(e instanceof ServiceError)) throw e;
        throw validationError(`Invalid instance id: ${input.InstanceId}. ${e.message}`);
      }
    } else if (!input.ImageId || !input.InstanceType) {
      throw validationError('Valid requests must contain either the InstanceID parameter or both the ImageId and InstanceType parameters.');
    }
    const imageId = input.ImageId ?? base!.ImageId;
    try {
      await this.ctx.images.getVisible(caller, imageId);
    } catch (e) {
      if (!(e instanceof ServiceError)) throw e;
      throw validationError(`AMI ${imageId} is invalid: ${e.message}`);
    }
    if (input.KeyName && !(await this.ctx.store.keyPairs.byName(caller, input.KeyName))) throw validationError(`The key pair '${input.KeyName}' does not exist`);
    const ud = input.UserData;
    if (ud !== undefined && ud.length > 21_847) throw validationError('User data is limited to 16384 bytes.');
    const data: LaunchConfigData = {
      ImageId: imageId,
      InstanceType: input.InstanceType ?? base!.InstanceType,
      KeyName: input.KeyName ?? base?.KeyName ?? '',
      SecurityGroups: input.SecurityGroups ?? base?.SecurityGroups ?? [],
      ClassicLinkVPCSecurityGroups: input.ClassicLinkVPCSecurityGroups ?? [],
      ...(input.ClassicLinkVPCId ? { ClassicLinkVPCId: input.ClassicLinkVPCId } : {}),
      UserData: ud ?? base?.UserData ?? '',
      KernelId: input.KernelId ?? base?.KernelId ?? '',
      RamdiskId: input.RamdiskId ?? base?.RamdiskId ?? '',
      BlockDeviceMappings: input.BlockDeviceMappings ?? [],
      InstanceMonitoring: input.InstanceMonitoring ?? base?.InstanceMonitoring ?? { Enabled: true },
      ...(input.SpotPrice ? { SpotPrice: input.SpotPrice } : {}),
      ...(input.IamInstanceProfile ?? base?.IamInstanceProfile ? { IamInstanceProfile: input.IamInstanceProfile ?? base?.IamInstanceProfile } : {}),
      EbsOptimized: input.EbsOptimized ?? base?.EbsOptimized ?? false,
      ...(input.AssociatePublicIpAddress !== undefined ? { AssociatePublicIpAddress: input.AssociatePublicIpAddress } : {}),
      ...(input.PlacementTenancy ?? base?.PlacementTenancy ? { PlacementTenancy: input.PlacementTenancy ?? base?.PlacementTenancy } : {}),
      ...(input.MetadataOptions ?? base?.MetadataOptions ? { MetadataOptions: input.MetadataOptions ?? base?.MetadataOptions } : {}),
    };
    if (data.PlacementTenancy && !['default', 'dedicated'].includes(data.PlacementTenancy)) throw validationError(`Invalid PlacementTenancy: ${data.PlacementTenancy}. Valid values are default and dedicated.`);
    for (const b of data.BlockDeviceMappings ?? []) {
      if (!b.DeviceName) throw validationError('A block device mapping must name its DeviceName.');
    }
    const repo = this.ctx.store.autoscalingConfig;
    await this.ctx.lock.run(`${caller.accountId}/${caller.region}/launch-configurations`, async () => {
      if ((await repo.launchConfigs(caller, [name])).length) {
        throw new ServiceError('AlreadyExists', `Launch Configuration by this name already exists - A launch configuration already exists with the name ${name}`, 400);
      }
      if ((await repo.countLaunchConfigs(caller)) >= MAX_LAUNCH_CONFIGURATIONS) {
        throw new ServiceError('LimitExceeded', `Max number of launch configurations reached: ${MAX_LAUNCH_CONFIGURATIONS}.`, 400);
      }
      await repo.insertLaunchConfig({ account_id: caller.accountId, region: caller.region, name, config_id: randomUUID(), created_at: new Date().toISOString(), data: JSON.stringify(data) });
    });
  }

  async describe(caller: Scope, names: readonly string[] | undefined, input: PageInput): Promise<{ configurations: LaunchConfiguration[]; nextToken?: string }> {
    const rows = await this.ctx.store.autoscalingConfig.launchConfigs(caller, names?.length ? names : undefined);
    rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const { items, nextToken } = page(rows, (r) => r.name, input, { binding: [caller.accountId, caller.region, 'launch-configurations', names], max: 100, defaultSize: 50 });
    return { configurations: items.map(launchConfigOut), nextToken };
  }

  /** The caller's launch configuration by name, else AWS's "not found". */
  async get(caller: Scope, name: string): Promise<LaunchConfiguration> {
    const [row] = await this.ctx.store.autoscalingConfig.launchConfigs(caller, [name]);
    if (!row) throw launchConfigNotFound(name);
    return launchConfigOut(row);
  }

  async delete(caller: Scope, name: string): Promise<void> {
    await this.get(caller, name);
    const repo = this.ctx.store.autoscalingConfig;
    const [user] = await repo.groupsUsing(caller, name);
    if (user) throw resourceInUse(`Cannot delete launch configuration ${name} because it is attached to AutoScalingGroup ${user}`);
    await repo.deleteLaunchConfig(caller, name);
  }

  count(caller: Scope): Promise<number> {
    return this.ctx.store.autoscalingConfig.countLaunchConfigs(caller);
  }
}
