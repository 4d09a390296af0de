// The instance state machine over durable jobs (see instance-row.ts for the diagram). API calls
// move instances into a transitional state at once and schedule a job; after `settleMs` the job
// asks the driver and completes the transition, so transitions survive restarts. Jobs touch only
// instances still in the state they expect, which makes them idempotent.
//
//   instance.launch     pending -> running; gives each volume its key first (the caller's KMS
//                       access decides: a refusal ends the launch in shutting-down ->
//                       terminated with Client.InternalError, as AWS does)
//   instance.start      pending -> running (a volume key now unusable: back to stopped)
//   instance.stop       stopping -> stopped, once the driver says the VM is down (the guest
//                       gets its shutdown time; the job asks again until then)
//   instance.terminate  shutting-down -> terminated (likewise); DeleteOnTermination volumes
//                       are deleted, the others detached
//
// Under a driver with a public network, an instance takes the lowest free address of the pool
// as it starts running and gives it back when it stops or terminates. A guest that powers
// itself off is stopped or terminated as its InstanceInitiatedShutdownBehavior says.
//   instance.reboot     the driver's reboot; the state stays running
//   instance.purge      terminated instances disappear after `terminatedVisibleMs`
//
// With several nodes (deps.node), an instance that starts is placed on the node that accepted
// the call (its capacity was checked there) and keeps it in node_id until it stops or
// terminates; each job is pinned to the node of its instances, so the VM's hooks run there.
import { addTo } from '../../../group-by.js';
import type { BlockStorage } from '../../../blocks/block-storage.js';
import type { InstanceDriver } from '../../../compute/instance-driver.js';
import { DriverLaunchError } from '../../../compute/instance-driver.js';
import { JobRunner } from '../../../jobs/job-runner.js';
import type { JobRow } from '../../../store/repos/jobs.js';
import type { InstancesTable, VolumesTable } from '../../../store/schema.js';
import type { Updateable } from 'kysely';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { InstanceRow } from '../../../store/repos/instances.js';
import type { VolumeRow } from '../../../store/repos/volumes.js';
import type { LineageKeys } from '../encryption/lineage-keys.js';
import { ec2Error } from '../ec2-errors.js';
import { GIB } from '../snapshots/snapshot-service.js';
import type { VolumeService } from '../volumes/volume-service.js';
import type { PublicAddressPool } from '../networking/public-addresses.js';
import { driverInstance } from './driver-instance.js';
import { assertCapacity } from './capacity.js';
import { assertInstanceId, instanceNotFound, specOf, type InstanceStateName } from './instance-row.js';

export interface LifecycleDeps {
  store: Store;
  jobs: JobRunner;
  keys: LineageKeys;
  blocks: BlockStorage;
  volumes: VolumeService;
  driver: InstanceDriver;
  /** where running instances' public addresses come from (drivers with a public network) */
  addresses: PublicAddressPool;
  settleMs: number;
  /** how long terminated instances stay visible (AWS: "usually less than one hour") */
  terminatedVisibleMs: number;
  /**
   * This node, when its driver runs VMs here: instances it starts are placed on it (node_id) and
   * their jobs pinned to it; stops, terminations and reboots go to the node an instance is on.
   * Undefined: nothing node-bound runs instances (any node does any job).
   */
  node?: string;
}

export interface StateChange {
  instanceId: string;
  previous: InstanceStateName;
  current: InstanceStateName;
}

interface Job {
  instanceIds: string[];
  /** StopInstances with Force: the guest gets no shutdown time */
  force?: boolean;
}

const CLIENT_ERROR = { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' };
const USER_SHUTDOWN = { state_reason_code: 'Client.UserInitiatedShutdown', state_reason_message: 'Client.UserInitiatedShutdown: User initiated shutdown' };
const GUEST_SHUTDOWN = { state_reason_code: 'Client.InstanceInitiatedShutdown', state_reason_message: 'Client.InstanceInitiatedShutdown: Instance initiated shutdown' };
/** How soon a stop or terminate asks the driver again whether the VM is down. */
const SHUTDOWN_POLL_MS = 1_000;

type Refusal = { code: string; message: string };

/** AWS's StateTransitionReason for user actions: `User initiated (2024-05-01 12:00:00 GMT)`. */
const userInitiated = (at: Date) => `User initiated (${at.toISOString().slice(0, 19).replace('T', ' ')} GMT)`;

const notInState = (id: string, verb: string) => ec2Error('IncorrectInstanceState', `The instance '${id}' is not in a state from which it can be ${verb}.`);

export class InstanceLifecycle {
  /** public addresses are taken one at a time (the unique index must never see two takers) */
  private addressTurn: Promise<unknown> = Promise.resolve();
  /** the batch handlers running or waiting, per job kind (`inTurn`) */
  private readonly turns = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: LifecycleDeps) {
    const { jobs } = deps;
    deps.driver.listen({ guestShutdown: (id) => void this.guestShutdown(id).catch(() => undefined) });
    jobs.register('instance.launch', (p, job) => this.inTurn('instance.launch', () => this.finishLaunch(p as Job, job)));
    jobs.register('instance.start', (p, job) => this.inTurn('instance.start', () => this.finishStart(p as Job, job)));
    jobs.register('instance.stop', (p, job) => this.inTurn('instance.stop', () => this.finishStop(p as Job, job)));
    jobs.register('instance.terminate', (p, job) => this.inTurn('instance.terminate', () => this.finishTerminate(p as Job, job)));
    jobs.register('instance.reboot', (p) => this.finishReboot(p as Job));
    jobs.register('instance.purge', () => this.purge());
  }

  /**
   * Runs the batch handlers of one kind one after another in this process: the runner claims
   * several due jobs of a kind at once and runs them together, and the first handler's batch
   * completes them all (the others then find their job done) instead of each repeating it.
   */
  private inTurn<T>(kind: string, run: () => Promise<T>): Promise<T> {
    const turn = (this.turns.get(kind) ?? Promise.resolve()).then(run);
    const settled = turn.catch(() => undefined);
    this.turns.set(kind, settled);
    void settled.then(() => this.turns.get(kind) === settled && this.turns.delete(kind));
    return turn;
  }

  /** The caller's live (or recently terminated) instances; every id must be well-formed and exist. */
  async owned(caller: Scope, instanceIds: readonly string[]): Promise<InstanceRow[]> {
    const ids = [...new Set(instanceIds)];
    ids.forEach(assertInstanceId);
    const rows = await this.deps.store.instances.list(caller, { ids, terminatedAfter: this.visibleSince() });
    const found = new Map(rows.map((r) => [r.instance_id, r]));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) throw instanceNotFound(missing);
    return ids.map((id) => found.get(id)!);
  }

  visibleSince(): string {
    return new Date(Date.now() - this.deps.terminatedVisibleMs).toISOString();
  }

  /**
   * Moves instances and schedules the jobs that complete the move (one per node they are on), in
   * one commit. `place`: the instances start here (StartInstances), so their job is this node's.
   */
  private async move(kind: string, rows: InstanceRow[], from: InstanceStateName[], set: Updateable<InstancesTable>, delayMs = this.deps.settleMs, extra: Omit<Job, 'instanceIds'> = {}, place = false): Promise<string[]> {
    if (rows.length === 0) return [];
    const byNode = new Map<string | null, string[]>();
    for (const r of rows) addTo(byNode, place ? (this.deps.node ?? null) : this.nodeOf(r), r.instance_id);
    const newJobs = [...byNode].map(([node, instanceIds]) => JobRunner.row(kind, { instanceIds, ...extra } satisfies Job, delayMs, node));
    const [moved] = await this.deps.store.instances.commit({ transitions: [{ ids: rows.map((r) => r.instance_id), from, set: place && this.deps.node ? { ...set, node_id: this.deps.node } : set }], newJobs });
    this.deps.jobs.notify(delayMs);
    return moved;
  }

  /** The node whose jobs an instance's are (none when nothing node-bound runs it). */
  private nodeOf(row: InstanceRow): string | null {
    return this.deps.node ? row.node_id : null;
  }

  /** Jobs that follow one of this node's jobs stay on this node. */
  private here(): string | null {
    return this.deps.node ?? null;
  }

  private changes(rows: InstanceRow[], moved: string[], to: InstanceStateName): StateChange[] {
    const set = new Set(moved);
    return rows.map((r) => ({ instanceId: r.instance_id, previous: r.state as InstanceStateName, current: set.has(r.instance_id) ? to : (r.state as InstanceStateName) }));
  }

  // ---- API calls -------------------------------------------------------------------------

  async start(caller: Scope, ids: readonly string[], checkpoint: () => void): Promise<StateChange[]> {
    const rows = await this.owned(caller, ids);
    for (const r of rows) if (!['stopped', 'pending', 'running'].includes(r.state)) throw notInState(r.instance_id, 'started');
    const starting = rows.filter((r) => r.state === 'stopped');
    await assertCapacity(this.deps.store, this.deps.driver, starting.map((r) => ({ instanceType: r.instance_type, zone: r.availability_zone })), this.deps.node);
    checkpoint();
    const now = new Date().toISOString();
    const moved = await this.move(
      'instance.start',
      starting,
      ['stopped'],
      { state: 'pending', state_changed_at: now, transition_reason: '', state_reason_code: null, state_reason_message: null },
      this.deps.settleMs,
      {},
      true,
    );
    return this.changes(rows, moved, 'pending');
  }

  async stop(caller: Scope, ids: readonly string[], force: boolean, checkpoint: () => void): Promise<StateChange[]> {
    const rows = await this.owned(caller, ids);
    for (const r of rows) {
      if (!['running', 'stopping', 'stopped'].includes(r.state)) throw notInState(r.instance_id, 'stopped');
      if (r.disable_api_stop && r.state === 'running') {
        throw ec2Error('OperationNotPermitted', `The instance '${r.instance_id}' may not be stopped. Modify its 'disableApiStop' instance attribute and try again.`);
      }
    }
    checkpoint();
    const now = new Date();
    // a forced stop finishes at once, also for an instance already stopping
    const stopping = rows.filter((r) => r.state === 'running' || (force && r.state === 'stopping'));
    const moved = (
      await this.move('instance.stop', stopping, ['running', 'stopping'], { state: 'stopping', state_changed_at: now.toISOString(), transition_reason: userInitiated(now), ...USER_SHUTDOWN }, force ? 0 : this.deps.settleMs, force ? { force } : {})
    ).filter((id) => rows.find((r) => r.instance_id === id)?.state === 'running');
    return this.changes(rows, moved, 'stopping');
  }

  /** Terminate: idempotent; one protected or unknown instance fails the whole request. */
  async terminate(caller: Scope, ids: readonly string[], checkpoint: () => void): Promise<StateChange[]> {
    const rows = await this.owned(caller, ids);
    for (const r of rows) {
      if (r.disable_api_termination && r.state !== 'terminated' && r.state !== 'shutting-down') {
        throw ec2Error('OperationNotPermitted', `The instance '${r.instance_id}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.`);
      }
    }
    checkpoint();
    const now = new Date();
    const live: InstanceStateName[] = ['pending', 'running', 'stopping', 'stopped'];
    const moved = await this.move('instance.terminate', rows.filter((r) => live.includes(r.state as InstanceStateName)), live, {
      state: 'shutting-down',
      state_changed_at: now.toISOString(),
      transition_reason: userInitiated(now),
      ...USER_SHUTDOWN,
    });
    return this.changes(rows, moved, 'shutting-down');
  }

  /** Reboot: running instances only; terminated ones are ignored, as AWS does. */
  async reboot(caller: Scope, ids: readonly string[], checkpoint: () => void): Promise<void> {
    const rows = await this.owned(caller, ids);
    for (const r of rows) if (!['running', 'terminated'].includes(r.state)) throw notInState(r.instance_id, 'rebooted');
    checkpoint();
    const byNode = new Map<string | null, string[]>();
    for (const r of rows) if (r.state === 'running') addTo(byNode, this.nodeOf(r), r.instance_id);
    for (const [node, instanceIds] of byNode) await this.deps.jobs.schedule('instance.reboot', { instanceIds } satisfies Job, 0, node);
  }

  // ---- jobs ----------------------------------------------------------------------------
  //
  // A job handler takes its own job and every other due job of its kind, and completes them in
  // one transaction that also deletes their rows: at a steady rate of launches the background
  // work costs one commit per batch, not several per launch.

  private async batch(kind: string, job: JobRow, state: InstanceStateName): Promise<{ jobIds: string[]; rows: InstanceRow[]; forced: Set<string> }> {
    // the runner leased this job to its owner; the batch takes the kind's other due jobs too
    const jobs = job.lease_owner ? await this.deps.store.jobs.claimKind(job.lease_owner, new Date(), this.deps.jobs.leaseMs, kind, this.deps.jobs.placementNow()) : [];
    // renewed while this batch runs (many VMs to start may outlast a lease)
    this.deps.jobs.adopt(job, jobs.map((j) => j.job_id));
    // another handler of this kind already completed this job with its batch; the jobs this
    // claim took are ours now all the same (leased to this owner, unknown to the runner): they
    // are completed here, not left until their lease runs out
    if (jobs.length === 0) return { jobIds: [], rows: [], forced: new Set() };
    const payloads = jobs.map((j) => JSON.parse(j.payload) as Job);
    const ids = [...new Set(payloads.flatMap((p) => p.instanceIds))];
    const rows = (await this.deps.store.instances.getMany(ids)).filter((r) => r.state === state);
    return { jobIds: jobs.map((j) => j.job_id), rows, forced: new Set(payloads.filter((p) => p.force).flatMap((p) => p.instanceIds)) };
  }

  /** The instance as its driver sees it. */
  driverOf(row: InstanceRow) {
    return driverInstance({ store: this.deps.store, volumes: this.deps.volumes }, row);
  }

  /** Runs a driver hook on each instance; the instances whose launch the driver refuses, with why. */
  private async hook(rows: InstanceRow[], run: (r: InstanceRow) => Promise<void>): Promise<Map<string, Refusal>> {
    const refused = new Map<string, Refusal>();
    for (const r of rows) {
      try {
        await run(r);
      } catch (e) {
        if (!(e instanceof DriverLaunchError)) throw e;
        refused.set(r.instance_id, { code: e.code, message: e.message });
      }
    }
    return refused;
  }

  /**
   * Gives each row that should have one a public address (drivers with a public network, and
   * the launch asked for one), stored before the VM starts so a retry finds the same one.
   */
  private async takeAddresses(rows: InstanceRow[]): Promise<InstanceRow[]> {
    const { store, driver, addresses } = this.deps;
    rows = await this.keepElasticIps(rows);
    if (!driver.publicNetwork) return rows;
    const turn = this.addressTurn.then(async () => {
      const used = await store.instances.publicIps();
      return Promise.all(
        rows.map(async (r) => {
          if (r.public_ip || specOf(r).associatePublicIp === false) return r;
          const ip = addresses.pick(used);
          if (!ip) return r; // the pool is exhausted: it runs without one
          used.add(ip);
          await store.instances.update(r.instance_id, { public_ip: ip });
          return { ...r, public_ip: ip };
        }),
      );
    });
    this.addressTurn = turn.catch(() => undefined);
    return turn;
  }

  /** An instance with an Elastic IP holds that address (running or stopped, whatever the driver). */
  private async keepElasticIps(rows: InstanceRow[]): Promise<InstanceRow[]> {
    const eips = await this.deps.store.vpc.elasticIpsOf(rows.map((r) => r.instance_id));
    if (eips.size === 0) return rows;
    return Promise.all(
      rows.map(async (r) => {
        const ip = eips.get(r.instance_id);
        if (!ip || r.public_ip === ip) return r;
        await this.deps.store.instances.update(r.instance_id, { public_ip: ip });
        return { ...r, public_ip: ip };
      }),
    );
  }

  private terminateJob(instanceIds: string[]): JobRow[] {
    return instanceIds.length ? [JobRunner.row('instance.terminate', { instanceIds } satisfies Job, this.deps.settleMs, this.here())] : [];
  }

  private async finishLaunch(_payload: Job, job: JobRow): Promise<'done'> {
    const { store, driver } = this.deps;
    const batch = await this.batch('instance.launch', job, 'pending');
    if (batch.jobIds.length === 0) return 'done';
    const { jobIds } = batch;
    const attachments = await store.instances.attachments(batch.rows.map((r) => r.instance_id));
    const { updates, failed } = await this.keyVolumes(await store.instances.volumes(attachments.map((a) => a.volume_id)));
    const refused = new Map<string, Refusal>(attachments.filter((a) => failed.has(a.volume_id)).map((a) => [a.instance_id, CLIENT_ERROR]));
    // the volumes must be usable (in-use, keyed) before a VM opens them (with a driver that
    // opens none, in the one commit below)
    const volumesFirst = driver.opensVolumes !== false;
    if (updates.length && volumesFirst) await store.instances.commit({ volumes: updates });
    const rows = await this.takeAddresses(batch.rows.filter((r) => !refused.has(r.instance_id)));
    for (const [id, why] of await this.hook(rows, (r) => driver.start(this.driverOf(r)))) refused.set(id, why);
    const started = batch.rows.filter((r) => !refused.has(r.instance_id)).map((r) => r.instance_id);
    const now = new Date().toISOString();
    const startedSet = new Set(started);
    const reasons = groupRefusals(refused);
    await store.instances.commit({
      volumes: volumesFirst ? undefined : updates,
      attached: attachments.filter((a) => startedSet.has(a.instance_id)).map((a) => a.volume_id),
      transitions: [
        { ids: started, from: ['pending'], set: { state: 'running', state_changed_at: now, running_since: now } },
        ...reasons.map(({ ids, why }) => ({ ids, from: ['pending'] as InstanceStateName[], set: { state: 'shutting-down', state_changed_at: now, public_ip: null, state_reason_code: why.code, state_reason_message: why.message } })),
      ],
      doneJobs: jobIds,
      newJobs: this.terminateJob([...refused.keys()]),
    });
    if (refused.size) this.deps.jobs.notify(this.deps.settleMs);
    return 'done';
  }

  /**
   * The keys of launched volumes still `creating`, as updates making them `in-use`. Volumes that
   * share a source and a target key share one wrapping (and, when plaintext data must be
   * encrypted, one rewritten map): O(1) key work per launch, not per instance. The caller (the
   * volume's account) must be able to use both keys; volumes whose key it cannot use are `failed`.
   */
  private async keyVolumes(volumes: VolumeRow[]): Promise<{ updates: { ids: string[]; set: Updateable<VolumesTable> }[]; failed: Set<string> }> {
    const { store, keys, blocks } = this.deps;
    const groups = new Map<string, VolumeRow[]>();
    for (const v of volumes) {
      if (v.state !== 'creating') continue;
      const k = v.encrypted ? `${v.account_id}|${v.region}|${v.snapshot_id}|${v.base_map_id}|${v.kms_key_arn}|${v.size_gib}` : 'plain';
      addTo(groups, k, v);
    }
    const updates: { ids: string[]; set: Updateable<VolumesTable> }[] = [];
    const failed = new Set<string>();
    for (const [k, group] of groups) {
      const ids = group.map((v) => v.volume_id);
      if (k === 'plain') {
        updates.push({ ids, set: { state: 'in-use' } });
        continue;
      }
      const v = group[0];
      const caller = { accountId: v.account_id, region: v.region };
      try {
        const snapshot = v.snapshot_id ? await store.snapshots.get(v.snapshot_id) : undefined;
        const target = v.kms_key_arn!;
        let baseMapId = v.base_map_id;
        let opened;
        if (snapshot?.data_key_id) {
          const owned = snapshot.account_id === caller.accountId && snapshot.region === caller.region;
          // the snapshot's lineage key, wrapped for the caller under the target key
          opened = owned && snapshot.kms_key_arn === target ? await keys.open(caller, snapshot.data_key_id) : await keys.rewrap(caller, snapshot.data_key_id, target);
        } else {
          opened = await keys.create(caller, target);
          // plaintext data must not live on under an encrypted volume: encrypt a copy once
          if (baseMapId) baseMapId = await blocks.rewriteMap(baseMapId, undefined, opened.lineage, v.size_gib * GIB);
        }
        updates.push({ ids, set: { state: 'in-use', data_key_id: opened.dataKeyId, kms_key_arn: opened.kmsKeyArn, base_map_id: baseMapId } });
      } catch {
        // KMS refused (disabled, pending deletion, not shared, unknown key)
        for (const id of ids) failed.add(id);
      }
    }
    return { updates, failed };
  }

  private async finishStart(_payload: Job, job: JobRow): Promise<'done'> {
    const { store, keys, driver } = this.deps;
    const batch = await this.batch('instance.start', job, 'pending');
    if (batch.jobIds.length === 0) return 'done';
    const attachments = await store.instances.attachments(batch.rows.map((r) => r.instance_id));
    const volumes = new Map((await store.instances.volumes(attachments.map((a) => a.volume_id))).map((v) => [v.volume_id, v]));
    const refused = new Map<string, Refusal>();
    for (const a of attachments) {
      const v = volumes.get(a.volume_id);
      if (!v?.data_key_id || refused.has(a.instance_id)) continue;
      // a key disabled since the launch stops the start (AWS: pending -> stopped)
      const usable = await keys.open({ accountId: v.account_id, region: v.region }, v.data_key_id).then(
        () => true,
        () => false,
      );
      if (!usable) refused.set(a.instance_id, CLIENT_ERROR);
    }
    const rows = await this.takeAddresses(batch.rows.filter((r) => !refused.has(r.instance_id)));
    for (const [id, why] of await this.hook(rows, (r) => driver.start(this.driverOf(r)))) refused.set(id, why);
    const now = new Date().toISOString();
    await store.instances.commit({
      transitions: [
        { ids: batch.rows.filter((r) => !refused.has(r.instance_id)).map((r) => r.instance_id), from: ['pending'], set: { state: 'running', state_changed_at: now, running_since: now } },
        ...groupRefusals(refused).map(({ ids, why }) => ({ ids, from: ['pending'] as InstanceStateName[], set: { state: 'stopped', state_changed_at: now, public_ip: null, node_id: null, state_reason_code: why.code, state_reason_message: why.message } })),
      ],
      doneJobs: batch.jobIds,
    });
    return 'done';
  }

  /** Asks the driver to bring each VM down; the ones not down yet get a job to ask again. */
  private async bringDown(rows: InstanceRow[], kind: string, down: (r: InstanceRow) => Promise<boolean>): Promise<{ done: InstanceRow[]; again: JobRow[] }> {
    const done: InstanceRow[] = [];
    const later: string[] = [];
    await Promise.all(rows.map(async (r) => ((await down(r)) ? done.push(r) : later.push(r.instance_id))));
    if (later.length) this.deps.jobs.notify(SHUTDOWN_POLL_MS);
    return { done, again: later.length ? [JobRunner.row(kind, { instanceIds: later } satisfies Job, SHUTDOWN_POLL_MS, this.here())] : [] };
  }

  private async finishStop(_payload: Job, job: JobRow): Promise<'done'> {
    const { jobIds, rows, forced } = await this.batch('instance.stop', job, 'stopping');
    if (jobIds.length === 0) return 'done';
    const { done, again } = await this.bringDown(rows, 'instance.stop', (r) => this.deps.driver.stop(this.driverOf(r), { force: forced.has(r.instance_id) }));
    const now = new Date().toISOString();
    await this.deps.store.instances.commit({
      transitions: [{ ids: done.map((r) => r.instance_id), from: ['stopping'], set: { state: 'stopped', state_changed_at: now, running_since: null, public_ip: null, node_id: null } }],
      doneJobs: jobIds,
      newJobs: again,
    });
    await this.keepElasticIps(done.map((r) => ({ ...r, public_ip: null })));
    return 'done';
  }

  private async finishTerminate(_payload: Job, job: JobRow): Promise<'done'> {
    const { jobIds, rows } = await this.batch('instance.terminate', job, 'shutting-down');
    if (jobIds.length === 0) return 'done';
    const { done, again } = await this.bringDown(rows, 'instance.terminate', (r) => this.deps.driver.terminate(this.driverOf(r)));
    const ids = done.map((r) => r.instance_id);
    const now = new Date().toISOString();
    await this.deps.store.instances.commit({
      release: ids,
      transitions: [{ ids, from: ['shutting-down'], set: { state: 'terminated', state_changed_at: now, terminated_at: now, running_since: null, public_ip: null, node_id: null } }],
      doneJobs: jobIds,
      newJobs: [...again, ...(ids.length ? [JobRunner.row('instance.purge', {}, this.deps.terminatedVisibleMs)] : [])],
    });
    await this.deps.store.vpc.dropElasticIpAssociations(ids);
    if (ids.length) this.deps.jobs.notify(this.deps.terminatedVisibleMs);
    return 'done';
  }

  /**
   * The guest powered itself off: as InstanceInitiatedShutdownBehavior says, the instance stops
   * (running -> stopping -> stopped) or terminates (-> shutting-down -> terminated).
   */
  async guestShutdown(instanceId: string): Promise<void> {
    const row = await this.deps.store.instances.get(instanceId);
    if (row?.state !== 'running') return;
    const now = new Date();
    const terminate = row.shutdown_behavior === 'terminate';
    const set = { state: terminate ? 'shutting-down' : 'stopping', state_changed_at: now.toISOString(), transition_reason: `Client.InstanceInitiatedShutdown (${now.toISOString().slice(0, 19).replace('T', ' ')} GMT)`, ...GUEST_SHUTDOWN };
    await this.move(terminate ? 'instance.terminate' : 'instance.stop', [row], ['running'], set, 0);
  }

  /**
   * After a restart: the VMs of instances that were running come back (the server stopped
   * them, or died and took them along). One at a time, so boots do not fight for the CPU; a VM
   * that cannot start leaves its instance running with failed status checks, as after a host
   * failure on EC2.
   */
  async resumeRunning(): Promise<void> {
    const { store, driver } = this.deps;
    if (driver.name === 'none') return;
    for (const row of await this.takeAddresses(await store.instances.allRunning(this.deps.node))) {
      await driver.start(this.driverOf(row)).catch(() => undefined);
    }
  }

  private async finishReboot(payload: Job): Promise<'done'> {
    for (const r of (await this.deps.store.instances.getMany(payload.instanceIds)).filter((x) => x.state === 'running')) {
      await this.deps.driver.reboot(this.driverOf(r));
      const spec = specOf(r);
      await this.deps.store.instances.update(r.instance_id, { spec: JSON.stringify({ ...spec, reboots: (spec.reboots ?? 0) + 1 }) });
    }
    return 'done';
  }

  private async purge(): Promise<'done'> {
    const now = Date.now();
    const gone = await this.deps.store.instances.purge(new Date(now - this.deps.terminatedVisibleMs).toISOString(), new Date(now - 24 * 3600_000).toISOString());
    // what the driver kept of them (console output) goes with them
    if (gone.length) await this.deps.driver.forget(gone);
    return 'done';
  }
}

/** Refused instances grouped by reason: one transition per distinct state reason. */
function groupRefusals(refused: Map<string, Refusal>): { ids: string[]; why: Refusal }[] {
  const groups = new Map<string, { ids: string[]; why: Refusal }>();
  for (const [id, why] of refused) {
    const key = `${why.code}\n${why.message}`;
    if (!groups.has(key)) groups.set(key, { ids: [], why });
    groups.get(key)!.ids.push(id);
  }
  return [...groups.values()];
}
