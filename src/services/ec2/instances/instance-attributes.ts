// Describe/Modify/ResetInstanceAttribute. One attribute per call, in either wire form (the
// structured `InstanceType.Value` members or the legacy `Attribute` + `Value`). The instance type,
// user data, kernel, ramdisk and the ENA/SR-IOV/EBS-optimized switches change only while the
// instance is stopped (IncorrectInstanceState otherwise). `UserData.Value` is a blob: the SDKs
// base64-encode the bytes they are given, so it arrives decoded once and is stored as
// RunInstances stores user data (base64 of the bytes).
import type { InstanceAttribute, ModifyInstanceAttributeRequest, ModifyInstanceMetadataOptionsRequest } from '../../../api/ec2/types.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { InstanceRow } from '../../../store/repos/instances.js';
import type { InstancesTable } from '../../../store/schema.js';
import type { Updateable } from 'kysely';
import { loadServiceModel } from '../../../protocol/model.js';
import { ec2Error, invalidParameterCombination, invalidParameterValue, missingParameter } from '../ec2-errors.js';
import type { SecurityGroupService } from '../networking/security-groups.js';
import { architecturesOf } from './instance-types.js';
import { groupsOf, specOf, type InstanceSpec, type MetadataOptions } from './instance-row.js';
import { blockDevicesOut } from './instance-output.js';

const USER_DATA_LIMIT = 16384;
const STOPPED_ONLY = new Set(['instanceType', 'userData', 'kernel', 'ramdisk', 'enaSupport', 'sriovNetSupport', 'ebsOptimized']);
const instanceTypes = new Set(loadServiceModel('ec2').enums['_InstanceType'] ?? []);

export class InstanceAttributes {
  constructor(
    private readonly store: Store,
    private readonly groups: SecurityGroupService,
    /** told when an instance's security groups change (a running VM re-applies its forwards) */
    private readonly networkChanged: (instanceId: string) => Promise<void> = async () => undefined,
  ) {}

  async describe(caller: Scope, row: InstanceRow, attribute: string): Promise<InstanceAttribute> {
    const spec = specOf(row);
    const out: InstanceAttribute = { InstanceId: row.instance_id };
    const value = (v: string | undefined | null) => (v === undefined || v === null ? {} : { Value: v });
    switch (attribute) {
      case 'instanceType':
        out.InstanceType = { Value: row.instance_type };
        break;
      case 'kernel':
        out.KernelId = value(spec.kernelId);
        break;
      case 'ramdisk':
        out.RamdiskId = value(spec.ramdiskId);
        break;
      case 'userData':
        out.UserData = value(row.user_data);
        break;
      case 'disableApiTermination':
        out.DisableApiTermination = { Value: Boolean(row.disable_api_termination) };
        break;
      case 'disableApiStop':
        out.DisableApiStop = { Value: Boolean(row.disable_api_stop) };
        break;
      case 'instanceInitiatedShutdownBehavior':
        out.InstanceInitiatedShutdownBehavior = { Value: row.shutdown_behavior };
        break;
      case 'rootDeviceName':
        out.RootDeviceName = { Value: row.root_device_name };
        break;
      case 'blockDeviceMapping':
        out.BlockDeviceMappings = row.state === 'terminated' ? [] : blockDevicesOut(await this.store.instances.attachments([row.instance_id]));
        break;
      case 'productCodes':
        out.ProductCodes = spec.productCodes.map((p) => ({ ProductCodeId: p.code, ProductCodeType: p.type as 'marketplace' }));
        break;
      case 'sourceDestCheck':
        out.SourceDestCheck = { Value: spec.sourceDestCheck };
        break;
      case 'groupSet': {
        const names = await this.groups.names(caller, groupsOf(row));
        out.Groups = groupsOf(row).map((GroupId) => ({ GroupId, GroupName: names.get(GroupId) }));
        break;
      }
      case 'ebsOptimized':
        out.EbsOptimized = { Value: spec.ebsOptimized };
        break;
      case 'sriovNetSupport':
        out.SriovNetSupport = value(spec.sriovNetSupport);
        break;
      case 'enaSupport':
        out.EnaSupport = { Value: spec.enaSupport };
        break;
      case 'enclaveOptions':
        out.EnclaveOptions = { Enabled: false };
        break;
      default:
        throw invalidParameterValue(`Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`);
    }
    return out;
  }

  async modify(caller: Scope, row: InstanceRow, req: ModifyInstanceAttributeRequest, checkpoint: () => void): Promise<void> {
    const asked: [string, unknown][] = (
      [
        ['sourceDestCheck', req.SourceDestCheck?.Value],
        ['disableApiStop', req.DisableApiStop?.Value],
        ['disableApiTermination', req.DisableApiTermination?.Value],
        ['instanceType', req.InstanceType?.Value],
        ['kernel', req.Kernel?.Value],
        ['ramdisk', req.Ramdisk?.Value],
        ['userData', req.UserData?.Value],
        ['instanceInitiatedShutdownBehavior', req.InstanceInitiatedShutdownBehavior?.Value],
        ['groupSet', req.Groups?.length ? req.Groups : undefined],
        ['ebsOptimized', req.EbsOptimized?.Value],
        ['sriovNetSupport', req.SriovNetSupport?.Value],
        ['enaSupport', req.EnaSupport?.Value],
        ['blockDeviceMapping', req.BlockDeviceMappings?.length ? req.BlockDeviceMappings : undefined],
        ['enclaveOptions', req.EnclaveOptions?.Enabled],
      ] as [string, unknown][]
    ).filter(([, v]) => v !== undefined);
    if (req.Attribute !== undefined) asked.push([req.Attribute, legacyValue(req.Attribute, req.Value)]);
    if (asked.length === 0) throw missingParameter('attribute');
    if (asked.length > 1) throw invalidParameterCombination(`Fields for multiple attribute types specified: ${asked.map(([n]) => n).join(', ')}`);
    const [name, v] = asked[0];
    if (STOPPED_ONLY.has(name) && row.state !== 'stopped') throw ec2Error('IncorrectInstanceState', `The instance '${row.instance_id}' is not in the 'stopped' state.`);
    const spec = specOf(row);
    const set: Updateable<InstancesTable> = {};
    const specChange: Partial<InstanceSpec> = {};
    switch (name) {
      case 'instanceType': {
        const type = String(v);
        if (!instanceTypes.has(type)) throw invalidParameterValue(`Invalid value '${type}' for InstanceType.`);
        if (!architecturesOf(type).includes(row.architecture)) {
          throw invalidParameterValue(`The instance type '${type}' does not support the architecture '${row.architecture}' of the instance's AMI.`);
        }
        set.instance_type = type;
        break;
      }
      case 'userData': {
        const bytes = Buffer.from(v as Uint8Array);
        if (bytes.length > USER_DATA_LIMIT) throw invalidParameterValue(`User data is limited to ${USER_DATA_LIMIT} bytes`);
        set.user_data = bytes.length ? bytes.toString('base64') : null;
        break;
      }
      case 'disableApiTermination':
        set.disable_api_termination = bool(v) ? 1 : 0;
        break;
      case 'disableApiStop':
        set.disable_api_stop = bool(v) ? 1 : 0;
        break;
      case 'instanceInitiatedShutdownBehavior':
        if (v !== 'stop' && v !== 'terminate') throw invalidParameterValue(`Value (${String(v)}) for parameter instanceInitiatedShutdownBehavior is invalid.`);
        set.shutdown_behavior = v;
        break;
      case 'groupSet': {
        const ids: string[] = [];
        for (const id of v as string[]) ids.push((await this.groups.get(caller, id)).group_id);
        set.security_groups = JSON.stringify([...new Set(ids)]);
        break;
      }
      case 'kernel':
        specChange.kernelId = String(v);
        break;
      case 'ramdisk':
        specChange.ramdiskId = String(v);
        break;
      case 'sourceDestCheck':
        specChange.sourceDestCheck = bool(v);
        break;
      case 'ebsOptimized':
        specChange.ebsOptimized = bool(v);
        break;
      case 'enaSupport':
        specChange.enaSupport = bool(v);
        break;
      case 'sriovNetSupport':
        if (v !== 'simple') throw invalidParameterValue(`Value (${String(v)}) for parameter sriovNetSupport is invalid. The only supported value is simple.`);
        specChange.sriovNetSupport = 'simple';
        break;
      case 'blockDeviceMapping':
        await this.modifyDevices(row, v as NonNullable<ModifyInstanceAttributeRequest['BlockDeviceMappings']>, checkpoint);
        return;
      default:
        throw ec2Error('UnsupportedOperation', `The attribute ${name} cannot be modified.`);
    }
    checkpoint();
    if (Object.keys(specChange).length) set.spec = JSON.stringify({ ...spec, ...specChange });
    await this.store.instances.update(row.instance_id, set);
    if (name === 'groupSet') await this.networkChanged(row.instance_id);
  }

  /**
   * ModifyInstanceMetadataOptions, for a running or stopped instance: the options apply to the
   * metadata service at once (it reads them on every request), reported `pending` as AWS does.
   */
  async modifyMetadataOptions(row: InstanceRow, req: ModifyInstanceMetadataOptionsRequest, checkpoint: () => void): Promise<MetadataOptions> {
    if (row.state !== 'running' && row.state !== 'stopped' && row.state !== 'pending') {
      throw ec2Error('IncorrectInstanceState', `The instance '${row.instance_id}' is not in a state from which its metadata options can be modified (it is ${row.state}).`);
    }
    const hop = req.HttpPutResponseHopLimit;
    if (hop !== undefined && (!Number.isInteger(hop) || hop < 1 || hop > 64)) throw invalidParameterValue(`The HttpPutResponseHopLimit must be between 1 and 64. Value (${hop}) is invalid.`);
    checkpoint();
    const spec = specOf(row);
    const metadata: MetadataOptions = {
      httpTokens: req.HttpTokens ?? spec.metadata.httpTokens,
      hopLimit: hop ?? spec.metadata.hopLimit,
      httpEndpoint: req.HttpEndpoint ?? spec.metadata.httpEndpoint,
      httpProtocolIpv6: req.HttpProtocolIpv6 ?? spec.metadata.httpProtocolIpv6,
      instanceMetadataTags: req.InstanceMetadataTags ?? spec.metadata.instanceMetadataTags,
    };
    await this.store.instances.update(row.instance_id, { spec: JSON.stringify({ ...spec, metadata }) });
    return metadata;
  }

  /** DeleteOnTermination of attached volumes, by device name. */
  private async modifyDevices(row: InstanceRow, list: NonNullable<ModifyInstanceAttributeRequest['BlockDeviceMappings']>, checkpoint: () => void): Promise<void> {
    const attached = await this.store.instances.attachments([row.instance_id]);
    const changes: { volumeId: string; value: boolean }[] = [];
    for (const m of list) {
      const a = attached.find((x) => x.device_name === m.DeviceName);
      if (!a) throw invalidParameterValue(`The device '${m.DeviceName ?? ''}' is not attached to instance '${row.instance_id}'.`);
      if (m.Ebs?.VolumeId !== undefined && m.Ebs.VolumeId !== a.volume_id) throw ec2Error('InvalidVolume.NotFound', `The volume '${m.Ebs.VolumeId}' is not attached to device ${a.device_name}.`);
      if (m.Ebs?.DeleteOnTermination !== undefined) changes.push({ volumeId: a.volume_id, value: m.Ebs.DeleteOnTermination });
    }
    checkpoint();
    for (const c of changes) await this.store.instances.setAttachment([c.volumeId], { delete_on_termination: c.value ? 1 : 0 });
  }

  /** ResetInstanceAttribute: kernel, ramdisk (stopped instances) and sourceDestCheck. */
  async reset(row: InstanceRow, attribute: string, checkpoint: () => void): Promise<void> {
    const spec = specOf(row);
    if (attribute === 'sourceDestCheck') {
      checkpoint();
      await this.store.instances.update(row.instance_id, { spec: JSON.stringify({ ...spec, sourceDestCheck: true }) });
      return;
    }
    if (attribute !== 'kernel' && attribute !== 'ramdisk') {
      throw invalidParameterValue(`Value (${attribute}) for parameter attribute is invalid. Only kernel, ramdisk and sourceDestCheck can be reset.`);
    }
    if (row.state !== 'stopped') throw ec2Error('IncorrectInstanceState', `The instance '${row.instance_id}' is not in the 'stopped' state.`);
    checkpoint();
    const image = await this.store.images.get(row.image_id);
    const original = attribute === 'kernel' ? image?.kernel_id : image?.ramdisk_id;
    await this.store.instances.update(row.instance_id, { spec: JSON.stringify({ ...spec, [attribute === 'kernel' ? 'kernelId' : 'ramdiskId']: original ?? undefined }) });
  }
}

const bool = (v: unknown) => v === true || v === 'true';

/** The legacy `Value` string, as the structured form would carry it. */
function legacyValue(attribute: string, value: string | undefined): unknown {
  if (value === undefined) throw missingParameter('value');
  if (attribute === 'userData') return Buffer.from(value, 'utf8');
  if (attribute === 'groupSet') return [value];
  return value;
}
