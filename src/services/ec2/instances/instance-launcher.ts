// RunInstances' writes: a checked LaunchPlan becomes instances, one copy-on-write volume per EBS
// device per instance (sharing the image snapshot's block map: no data is copied, so a launch
// costs the same metadata per instance however big the image), attachments, tags and the
// `instance.launch` job (and instance profile associations) — all in one transaction. Addresses come from the subnet's free ones;
// MaxCount beyond them launches as many as fit (at least MinCount, else nothing); so does
// MaxCount beyond the driver's memory budget (capacity.ts).
//
// ClientToken: the first launch with a token in an account and region is the answer to every
// retry with the same parameters (same reservation, same instances); other parameters are
// IdempotentParameterMismatch, and a token whose instances are all terminated is
// IdempotentInstanceTerminated. A DryRun never consumes a token.
import { addTo } from '../../../group-by.js';
import { randomBytes } from 'node:crypto';
import type { RunInstancesRequest } from '../../../api/ec2/types.js';
import { JobRunner } from '../../../jobs/job-runner.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import { InterfaceTaken, type AttachmentRow, type InstanceRow, type NewInstanceRow } from '../../../store/repos/instances.js';
import type { VolumeRow } from '../../../store/repos/volumes.js';
import { ec2Error } from '../ec2-errors.js';
import { newId } from '../resource-ids.js';
import { intToIp } from '../networking/ipv4.js';
import { usableRange, type SubnetInfo } from '../networking/default-network.js';
import { isServiceError } from '../../../protocol/service-error.js';
import { isUniqueViolation } from '../../../store/dialects/dialect.js';
import type { OutputContext } from './instance-output.js';
import { launchRequestHash, planLaunch, type LaunchPlan, type LaunchPlanDeps } from './launch-plan.js';
import { specOf } from './instance-row.js';
import { fittingCount, insufficientCapacity } from './capacity.js';
import type { InstanceDriver } from '../../../compute/instance-driver.js';
import { launchAssociations } from '../instance-profiles/profile-associations.js';
import { interfaceInUse } from '../networking/network-interfaces.js';
import { assignAddresses, interfaceRows, otherSubnets, type InterfaceAddresses } from './launch-interfaces.js';

export interface RunOptions {
  /** the DryRun checkpoint: runs after every check, before the first write */
  checkpoint?: () => void;
  /** `aws:` tags to set on the instances (e.g. aws:autoscaling:groupName) */
  systemTags?: { key: string; value: string }[];
  /** who launched on the caller's behalf (an Auto Scaling group's service), if not the caller */
  requesterId?: string;
}

export interface Launched {
  reservationId: string;
  ownerId: string;
  requesterId?: string;
  instances: InstanceRow[];
  /** attachments, group names and tags of a fresh launch (else read from the store) */
  context?: OutputContext;
}

export interface LaunchJob {
  instanceIds: string[];
}

const mac = () => `0e:${randomBytes(5).toString('hex').match(/../g)!.join(':')}`;

// one launch per token at a time in this process, so concurrent retries launch once
const inFlight = new Map<string, Promise<unknown>>();

export class InstanceLauncher {
  constructor(
    /** node: where the launched instances are placed (their launch job runs there); see the lifecycle */
    private readonly deps: LaunchPlanDeps & { store: Store; jobs: JobRunner; driver: InstanceDriver; settleMs: number; node?: string },
  ) {}

  async run(caller: Scope, req: RunInstancesRequest, opts: RunOptions = {}): Promise<Launched> {
    const token = req.ClientToken;
    if (!token) return this.launch(caller, req, opts);
    if (token.length > 64) throw ec2Error('InvalidParameterValue', 'The ClientToken must be at most 64 ASCII characters long.');
    const key = `${caller.accountId}/${caller.region}/${token}`;
    while (inFlight.has(key)) await inFlight.get(key)!.catch(() => undefined);
    const replay = async (previous: InstanceRow[]) => {
      if (specOf(previous[0]).requestHash !== launchRequestHash(req)) {
        throw ec2Error('IdempotentParameterMismatch', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).');
      }
      if (previous.every((i) => i.state === 'terminated')) {
        throw ec2Error('IdempotentInstanceTerminated', `The client token ${token} is associated with instances that are terminated.`);
      }
      opts.checkpoint?.();
      return { reservationId: previous[0].reservation_id, ownerId: caller.accountId, instances: previous };
    };
    const run = (async () => {
      const previous = await this.deps.store.instances.byClientToken(caller, token);
      if (previous.length) return replay(previous);
      try {
        return await this.launch(caller, req, opts);
      } catch (e) {
        // another node launched with this token meanwhile: its reservation is the answer
        if (!isUniqueViolation(e, 'instances')) throw e;
        return replay(await this.deps.store.instances.byClientToken(caller, token));
      }
    })();
    inFlight.set(key, run);
    try {
      return await run;
    } finally {
      if (inFlight.get(key) === run) inFlight.delete(key);
    }
  }

  private async launch(caller: Scope, req: RunInstancesRequest, opts: RunOptions): Promise<Launched> {
    const plan = await planLaunch(this.deps, caller, req, opts.systemTags);
    if (req.ClientToken) plan.spec.requestHash = launchRequestHash(req);
    if (opts.requesterId) plan.spec.requesterId = opts.requesterId;
    const fit = await fittingCount(this.deps.store, this.deps.driver, plan.instanceType, plan.maxCount, this.deps.node);
    if (fit < plan.minCount) throw insufficientCapacity(plan.instanceType, plan.subnets[0].zone.name);
    plan.maxCount = fit;
    opts.checkpoint?.();
    const reservationId = newId('r');
    const now = new Date().toISOString();
    const { store, jobs, settleMs } = this.deps;
    for (const [i, subnet] of plan.subnets.entries()) {
      // a launch with interfaces of its own: their addresses, picked with the instances'
      let nics: InterfaceAddresses[] = [];
      let created: string[] | undefined;
      const interfaces = plan.interfaces;
      try {
        const { instances, attachments } = await store.instances.launch({
          subnetId: subnet.subnetId,
          otherSubnets: interfaces && otherSubnets(interfaces, subnet),
          instances: (used, usedIn) => {
            if (interfaces) nics = assignAddresses(interfaces, subnet, usedIn, plan.minCount, plan.maxCount);
            return this.instanceRows(plan, subnet, reservationId, now, req.ClientToken ?? null, interfaces ? nics.map((a) => a[0][0]) : this.addresses(plan, subnet, used));
          },
          interfaces:
            interfaces &&
            ((rows) => {
              const out = interfaceRows(caller, interfaces, subnet, rows, nics, now, mac);
              created = out.rows.map((r) => r.eni_id);
              return out;
            }),
          volumes: (rows) => this.volumeRows(plan, subnet, rows, now),
          tags: (rows, volumes) => this.tagRows(plan, rows, volumes, created),
          job: (rows) => JobRunner.row('instance.launch', { instanceIds: rows.map((r) => r.instance_id) } satisfies LaunchJob, settleMs, this.deps.node ?? null),
          image: { imageId: plan.launch.image.image_id, lastLaunchedTime: now },
          profileAssociations: plan.spec.iamInstanceProfile && ((rows) => launchAssociations(plan.caller, plan.spec.iamInstanceProfile!, rows, now)),
        });
        jobs.notify(settleMs);
        const rows = instances.map((r) => ({ ...r, seq: 0 }) as InstanceRow);
        // with interfaces of its own, the answer reads them back
        return { reservationId, ownerId: caller.accountId, requesterId: opts.requesterId, instances: rows, context: interfaces ? undefined : this.context(plan, attachments) };
      } catch (e) {
        if (e instanceof InterfaceTaken) throw interfaceInUse(e.eniId);
        // a zone AWS was free to choose is full: the next one
        if (!(isServiceError(e) && e.code === 'InsufficientFreeAddressesInSubnet' && i < plan.subnets.length - 1)) throw e;
      }
    }
    throw new Error('unreachable: no subnet to launch in');
  }

  /** What the answer to RunInstances shows besides the rows, known without reading them back. */
  private context(plan: LaunchPlan, attachments: AttachmentRow[]): OutputContext {
    const byInstance = new Map<string, AttachmentRow[]>();
    for (const a of attachments) addTo(byInstance, a.instance_id, a);
    const tags = [...(plan.tags.get('instance') ?? []), ...plan.systemTags].map((t) => ({ Key: t.key, Value: t.value })).sort((a, b) => (a.Key < b.Key ? -1 : 1));
    return { attachments: byInstance, groupNames: plan.groups, tags: new Map([...byInstance.keys()].map((id) => [id, tags])) };
  }

  /** The instances' addresses: the subnet's free ones, or the one asked for (called inside the transaction). */
  private addresses(plan: LaunchPlan, subnet: SubnetInfo, used: Set<string>): string[] {
    const range = usableRange(subnet.cidr);
    const ips: string[] = [];
    if (plan.privateIp !== undefined) {
      const ip = intToIp(plan.privateIp);
      if (used.has(ip)) throw ec2Error('InvalidIPAddress.InUse', `Address ${ip} is in use.`);
      ips.push(ip);
    } else {
      for (let n = range.first; n <= range.last && ips.length < plan.maxCount; n++) {
        const ip = intToIp(n);
        if (!used.has(ip)) ips.push(ip);
      }
    }
    if (ips.length < plan.minCount) {
      throw ec2Error('InsufficientFreeAddressesInSubnet', `There are not enough free addresses in subnet '${subnet.subnetId}' to satisfy the requested number of instances.`);
    }
    return ips;
  }

  /** The instance rows, one per address. */
  private instanceRows(plan: LaunchPlan, subnet: SubnetInfo, reservationId: string, now: string, clientToken: string | null, ips: string[]): NewInstanceRow[] {
    const { caller, launch } = plan;
    // an existing interface at device index 0 is the instance's own
    const primary = plan.interfaces?.[0].existing;
    const groups = plan.interfaces ? plan.interfaces[0].groupIds : [...plan.groups.keys()];
    const specText = JSON.stringify({ ...plan.spec, network: { subnetCidr: subnet.cidrBlock, vpcCidr: plan.vpcCidr } });
    return ips.map((ip, i) => ({
      instance_id: newId('i'),
      account_id: caller.accountId,
      region: caller.region,
      reservation_id: reservationId,
      image_id: launch.image.image_id,
      instance_type: plan.instanceType,
      state: 'pending',
      state_reason_code: null,
      state_reason_message: null,
      transition_reason: '',
      availability_zone: subnet.zone.name,
      subnet_id: subnet.subnetId,
      vpc_id: subnet.vpcId,
      private_ip: ip,
      eni_id: primary?.eni_id ?? newId('eni'),
      mac_address: primary?.mac_address ?? mac(),
      key_name: plan.keyName,
      launch_index: i,
      launch_time: now,
      client_token: clientToken,
      architecture: launch.image.architecture,
      root_device_name: launch.image.root_device_name ?? '/dev/xvda',
      user_data: plan.userData,
      disable_api_termination: plan.disableApiTermination ? 1 : 0,
      disable_api_stop: plan.disableApiStop ? 1 : 0,
      shutdown_behavior: plan.shutdownBehavior,
      security_groups: JSON.stringify(groups),
      spec: specText,
      state_changed_at: now,
      running_since: null,
      terminated_at: null,
      public_ip: null,
      node_id: this.deps.node ?? null,
    }));
  }

  /** One volume per EBS device per instance, `creating` until the launch job finishes it. */
  private volumeRows(plan: LaunchPlan, subnet: SubnetInfo, instances: NewInstanceRow[], now: string): { volumes: VolumeRow[]; attachments: AttachmentRow[] } {
    const volumes: VolumeRow[] = [];
    const attachments: AttachmentRow[] = [];
    for (const instance of instances) {
      for (const v of plan.devices.volumes) {
        const volumeId = newId('vol');
        volumes.push({
          volume_id: volumeId,
          account_id: plan.caller.accountId,
          region: plan.caller.region,
          availability_zone: subnet.zone.name,
          size_gib: v.sizeGib,
          volume_type: v.volumeType,
          iops: v.iops,
          throughput: v.throughput,
          state: 'creating',
          encrypted: v.encrypted ? 1 : 0,
          kms_key_arn: v.kmsKeyArn,
          data_key_id: null,
          snapshot_id: v.snapshot?.snapshot_id ?? null,
          // the snapshot's data by reference (the launch job re-keys it when it must)
          base_map_id: v.snapshot?.map_id ?? null,
          multi_attach: 0,
          create_time: now,
          client_token: null,
          modification: null,
          auto_enable_io: 0,
          source_volume_id: null,
          initialization_rate: null,
        });
        attachments.push({
          volume_id: volumeId,
          instance_id: instance.instance_id,
          account_id: plan.caller.accountId,
          region: plan.caller.region,
          device_name: v.deviceName,
          status: 'attaching',
          attach_time: now,
          delete_on_termination: v.deleteOnTermination ? 1 : 0,
        });
      }
    }
    return { volumes, attachments };
  }

  /** Tags asked for at launch: the instances', volumes' and new network interfaces' (`created`, else the instances' own). */
  private tagRows(plan: LaunchPlan, instances: NewInstanceRow[], volumes: VolumeRow[], created?: string[]) {
    const { accountId, region } = plan.caller;
    const rows = (resourceId: string, resourceType: string, tags: { key: string; value: string }[]) =>
      tags.map((t) => ({ account_id: accountId, region, resource_id: resourceId, resource_type: resourceType, key: t.key, value: t.value }));
    const instanceTags = [...(plan.tags.get('instance') ?? []), ...plan.systemTags];
    const volumeTags = plan.tags.get('volume') ?? [];
    const eniTags = plan.tags.get('network-interface') ?? [];
    return [
      ...instances.flatMap((i) => [...rows(i.instance_id, 'instance', instanceTags), ...(created ? [] : rows(i.eni_id, 'network-interface', eniTags))]),
      ...(created ?? []).flatMap((id) => rows(id, 'network-interface', eniTags)),
      ...volumes.flatMap((v) => rows(v.volume_id, 'volume', volumeTags)),
    ];
  }
}
