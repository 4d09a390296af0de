// EC2's side of authorization (iam/enforcement/): which resources a request names, with the
// condition keys AWS gives them. An existing resource is read from the store — its tags (the
// caller's own, as tags are per account here), owner, publicity, type, size, encryption; a
// resource the request creates is an ARN ending in `*` that carries the request's tags
// (aws:RequestTag/…, aws:TagKeys) and the attributes asked for (ec2:InstanceType, ec2:VolumeSize…).
// A resource that does not exist, or that another account owns and does not share, is evaluated
// on its ARN alone: the handler answers NotFound afterwards, so nothing about it is revealed.
import type { ActionRequirement, ResourceRequirement } from '../../iam/authorization/reference.js';
import { arnOfId, homeOf } from '../../iam/enforcement/arn-of.js';
import type { AuthorizationCall, ResourceFacts, ServiceResources } from '../../iam/enforcement/enforcer.js';
import type { ContextValue } from '../../iam/policy/index.js';
import { requestTags, resourceTags } from '../../iam/enforcement/request-tags.js';
import type { Store } from '../../store/store.js';

/** Input members naming resources of each type (top level; also inside LaunchTemplate). */
const ID_MEMBERS: Record<string, readonly string[]> = {
  image: ['ImageId'],
  instance: ['InstanceId', 'InstanceIds'],
  volume: ['VolumeId', 'VolumeIds'],
  snapshot: ['SnapshotId', 'SnapshotIds', 'ParentSnapshotId', 'FirstSnapshotId', 'SecondSnapshotId'],
  'key-pair': ['KeyName'],
  'launch-template': ['LaunchTemplateId'],
  'security-group': ['GroupId', 'GroupIds', 'SecurityGroupIds'],
  subnet: ['SubnetId', 'SubnetIds'],
  vpc: ['VpcId', 'VpcIds'],
  'network-interface': ['NetworkInterfaceId', 'NetworkInterfaceIds'],
  'elastic-ip': ['AllocationId', 'AllocationIds'],
  'internet-gateway': ['InternetGatewayId', 'InternetGatewayIds'],
  'route-table': ['RouteTableId', 'RouteTableIds'],
  'network-acl': ['NetworkAclId', 'NetworkAclIds'],
  'dhcp-options': ['DhcpOptionsId', 'DhcpOptionsIds'],
  natgateway: ['NatGatewayId', 'NatGatewayIds'],
  'vpc-peering-connection': ['VpcPeeringConnectionId', 'VpcPeeringConnectionIds'],
};

/** CreateTags / DeleteTags name resources by id: the prefix says the type. */
const PREFIX_TYPES: [string, string][] = [
  ['ami-', 'image'],
  ['i-', 'instance'],
  ['vol-', 'volume'],
  ['snap-', 'snapshot'],
  ['sg-', 'security-group'],
  ['subnet-', 'subnet'],
  ['vpc-', 'vpc'],
  ['lt-', 'launch-template'],
  ['key-', 'key-pair'],
  ['eni-', 'network-interface'],
  ['eipalloc-', 'elastic-ip'],
  ['igw-', 'internet-gateway'],
  ['rtb-', 'route-table'],
  ['acl-', 'network-acl'],
  ['dopt-', 'dhcp-options'],
  ['nat-', 'natgateway'],
  ['pcx-', 'vpc-peering-connection'],
];

/** TagSpecifications' ResourceType for a reference resource type, where they differ. */
const SPEC_TYPE: Record<string, string> = { 'elastic-ip': 'elastic-ip', 'launch-template': 'launch-template', natgateway: 'natgateway' };

/** Optional resource types an operation creates every time here (every Imago image is EBS-backed). */
const ALWAYS_CREATES: Record<string, readonly string[]> = { RunInstances: ['volume'] };

type Input = Record<string, unknown>;

export class Ec2Resources implements ServiceResources {
  constructor(private readonly store: Store) {}

  requestKeys(call: AuthorizationCall, action: ActionRequirement): Record<string, ContextValue> {
    const keys: Record<string, ContextValue> = { 'ec2:Region': call.region };
    const input = call.input;
    if (action.action === 'ec2:CreateTags' || action.action === 'ec2:DeleteTags') {
      Object.assign(keys, requestTags(input.Tags));
    }
    const attribute = input.Attribute;
    if (typeof attribute === 'string') keys['ec2:Attribute'] = attribute;
    return keys;
  }

  async resources(call: AuthorizationCall, req: ResourceRequirement, action: ActionRequirement): Promise<ResourceFacts[]> {
    const { input } = call;
    // a resource type this action may create (its keys offer the request's tags, not the resource's)
    const creates = req.conditionKeys.includes('aws:RequestTag/${TagKey}') && !req.conditionKeys.includes('aws:ResourceTag/${TagKey}');
    const ids = action.action === 'ec2:CreateTags' || action.action === 'ec2:DeleteTags' ? idsByPrefix(input.Resources, req.type) : idsOf(input, req.type);
    if (req.type === 'instance' && typeof input.AssociationId === 'string') {
      // Disassociate/ReplaceIamInstanceProfileAssociation name the instance by its association
      const association = await this.store.profileAssociations.get(input.AssociationId);
      if (association) ids.push(association.instance_id);
    }
    if (action.context?.['ec2:CreateAction']) {
      // tag-on-create: ec2:CreateTags on each resource type the TagSpecifications tag
      return this.taggedOnCreate(call, req);
    }
    if (ids.length) return this.existing(call, req, ids);
    if (creates && (req.required || ALWAYS_CREATES[call.operation]?.includes(req.type))) return [this.created(call, req)];
    if (req.required) return [{ arn: arnOfId(req.arnTemplate, homeOf(call), '*') }];
    return [];
  }


  /** A resource the request creates: `…/*`, the tags the request gives it, the attributes asked. */
  private created(call: AuthorizationCall, req: ResourceRequirement): ResourceFacts {
    const { input } = call;
    const type = req.type;
    // EC2 tags what it creates with TagSpecifications; the EBS direct APIs' StartSnapshot with Tags
    const context: Record<string, ContextValue> = requestTags(call.service === 'ebs' ? input.Tags : specTags(input.TagSpecifications, type));
    if (type === 'instance' && typeof input.InstanceType === 'string') context['ec2:InstanceType'] = input.InstanceType;
    if (type === 'volume') {
      if (input.Size !== undefined) context['ec2:VolumeSize'] = String(input.Size);
      if (typeof input.VolumeType === 'string') context['ec2:VolumeType'] = input.VolumeType;
      if (input.Encrypted !== undefined) context['ec2:Encrypted'] = String(input.Encrypted === true);
    }
    if (typeof input.AvailabilityZone === 'string') context['ec2:AvailabilityZone'] = input.AvailabilityZone;
    return { arn: arnOfId(req.arnTemplate, homeOf(call), '*'), context };
  }

  private taggedOnCreate(call: AuthorizationCall, req: ResourceRequirement): ResourceFacts[] {
    const tags = specTags(call.input.TagSpecifications, req.type);
    return tags.length ? [{ arn: arnOfId(req.arnTemplate, homeOf(call), '*'), context: requestTags(tags) }] : [];
  }

  private async existing(call: AuthorizationCall, req: ResourceRequirement, ids: string[]): Promise<ResourceFacts[]> {
    const type = req.type;
    const scope = { accountId: call.identity.accountId, region: call.region };
    const tags = await this.store.tags.forResources(scope, ids);
    const out: ResourceFacts[] = [];
    for (const id of ids) {
      const attributes = await this.attributes(type, id, call.region);
      // a resource of a type we read that is not there (or not in this region) has no keys
      const own = attributes === undefined ? [] : (tags.get(id) ?? []).map((t) => ({ key: t.Key, value: t.Value }));
      out.push({ arn: arnOfId(req.arnTemplate, homeOf(call), id), context: { ...resourceTags(own, 'ec2'), ...attributes } });
    }
    return out;
  }

  /** The type's own condition keys, read from the store; undefined for a resource not in this region. */
  private async attributes(type: string, id: string, region: string): Promise<Record<string, ContextValue> | undefined> {
    const repos = this.store;
    switch (type) {
      case 'image': {
        const image = await repos.images.get(id);
        if (image?.region !== region) return undefined;
        return {
          'ec2:ImageID': id,
          'ec2:Owner': image.owner_alias ?? image.account_id,
          'ec2:Public': String(image.public === 1),
          'ec2:ImageType': image.image_type,
          'ec2:RootDeviceType': image.root_device_type,
        };
      }
      case 'instance': {
        const [instance] = await repos.instances.getMany([id]);
        if (instance?.region !== region) return undefined;
        return { 'ec2:InstanceID': id, 'ec2:InstanceType': instance.instance_type, 'ec2:AvailabilityZone': instance.availability_zone, 'ec2:RootDeviceType': 'ebs' };
      }
      case 'volume': {
        const volume = await repos.volumes.get(id);
        if (volume?.region !== region) return undefined;
        return {
          'ec2:VolumeID': id,
          'ec2:VolumeSize': String(volume.size_gib),
          'ec2:VolumeType': volume.volume_type,
          'ec2:Encrypted': String(volume.encrypted === 1),
          'ec2:AvailabilityZone': volume.availability_zone,
          ...(volume.snapshot_id ? { 'ec2:ParentSnapshot': `snapshot/${volume.snapshot_id}` } : {}),
        };
      }
      case 'snapshot': {
        const snapshot = await repos.snapshots.get(id);
        if (snapshot?.region !== region) return undefined;
        return {
          'ec2:SnapshotID': id,
          'ec2:Owner': snapshot.owner_alias ?? snapshot.account_id,
          'ec2:VolumeSize': String(snapshot.volume_size),
          'ec2:Encrypted': String(snapshot.encrypted === 1),
        };
      }
      default:
        return {};
    }
  }
}

function specTags(specs: unknown, type: string): { Key?: string; Value?: string }[] {
  if (!Array.isArray(specs)) return [];
  const wanted = SPEC_TYPE[type] ?? type;
  return (specs as { ResourceType?: string; Tags?: { Key?: string; Value?: string }[] }[]).filter((s) => s.ResourceType === wanted).flatMap((s) => s.Tags ?? []);
}

function idsOf(input: Input, type: string): string[] {
  const out: string[] = [];
  const take = (v: unknown) => {
    if (typeof v === 'string' && v) out.push(v);
    else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string' && x) out.push(x);
  };
  for (const m of ID_MEMBERS[type] ?? []) take(input[m]);
  if (type === 'launch-template' && input.LaunchTemplate && typeof input.LaunchTemplate === 'object') take((input.LaunchTemplate as Input).LaunchTemplateId);
  return [...new Set(out)];
}

function idsByPrefix(resources: unknown, type: string): string[] {
  if (!Array.isArray(resources)) return [];
  return resources.filter((r): r is string => typeof r === 'string' && PREFIX_TYPES.find(([p]) => r.startsWith(p))?.[1] === type);
}
