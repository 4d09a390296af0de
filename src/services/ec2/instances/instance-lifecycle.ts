// The instance state machine over durable jobs (see instance-row.ts for the diagram). API calls
// move instances into a transitional state at once and schedule a job; after `settleMs` the job
// asks the driver and completes the transition, so transitions survive restarts. Jobs touch only
// instances still in the state they expect, which makes them idempotent.
//
//   instance.launch     pending -> running; gives each volume its key first (the caller's KMS
//                       access decides: a refusal ends the launch in shutting-down ->
//                       terminated with Client.InternalError, as AWS does)
//   instance.start      pending -> running (a volume key now unusable: back to stopped)
//   instance.stop       stopping -> stopped
//   instance.terminate  shutting-down -> terminated; DeleteOnTermination volumes are deleted,
//                       the others detached
//   instance.reboot     the driver's reboot; the state stays running
//   instance.purge      terminated instances disappear after `terminatedVisibleMs`
import type { BlockStorage } from '../../../blocks/block-storage.js';
import type { InstanceDriver } from '../../../compute/instance-driver.js';
import { DriverLaunchError } from '../../../compute/instance-driver.js';
import type { JobRunner } from '../../../jobs/job-runner.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { InstanceRow } from '../../../store/repos/instances.js';
import type { VolumeRow } from '../../../store/repos/volumes.js';
import type { LineageKeys } from '../encryption/lineage-keys.js';
import { ec2Error } from '../ec2-errors.js';
import { GIB } from '../snapshots/snapshot-service.js';
import type { VolumeService } from '../volumes/volume-service.js';
import { driverInstance } from './driver-instance.js';
import { assertInstanceId, instanceNotFound, specOf, type InstanceStateName } from './instance-row.js';

export interface LifecycleDeps {
  store: Store;
  jobs: JobRunner;
  keys: LineageKeys;
  blocks: BlockStorage;
  volumes: VolumeService;
  driver: InstanceDriver;
  settleMs: number;
  /** how long terminated instances stay visible (AWS: "usually less than one hour") */
  terminatedVisibleMs: number;
}

export interface StateChange {
  instanceId: string;
  previous: InstanceStateName;
  current: InstanceStateName;
}

interface Job {
  instanceIds: string[];
  caller: Scope;
}

const CLIENT_ERROR = { code: 'Client.InternalError', message: 'Client.InternalError: Client error on launch' };
const USER_SHUTDOWN = { state_reason_code: 'Client.UserInitiatedShutdown', state_reason_message: 'Client.UserInitiatedShutdown: User initiated shutdown' };

/** AWS's StateTransitionReason for user actions: `User initiated (2024-05-01 12:00:00 GMT)`. */
const userInitiated = (at: Date) => `User initiated (${at.toISOString().slice(0, 19).replace('T', ' ')} GMT)`;

const notInState = (id: string, verb: string) => ec2Error('IncorrectInstanceState', `The instance '${id}' is not in a state from which it can be ${verb}.`);

export class InstanceLifecycle {
  constructor(private readonly deps: LifecycleDeps) {
    const { jobs } = deps;
    jobs.register('instance.launch', (p) => this.finishLaunch(p as Job));
    jobs.register('instance.start', (p) => this.finishStart(p as Job));
    jobs.register('instance.stop', (p) => this.finishStop(p as Job));
    jobs.register('instance.terminate', (p) => this.finishTerminate(p as Job));
    jobs.register('instance.reboot', (p) => this.finishReboot(p as Job));
    jobs.register('instance.purge', () => this.purge());
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

  private async schedule(kind: string, caller: Scope, instanceIds: string[], delayMs = this.deps.settleMs): Promise<void> {
    if (instanceIds.length) await this.deps.jobs.schedule(kind, { instanceIds, caller } satisfies Job, delayMs);
  }

  private changes(rows: InstanceRow[], moved: string[], to: InstanceStateName): StateChange[] {
    const set = new Set(moved);
    return rows.map((r) => ({ instanceId: r.instance_id, previous: r.state as InstanceStateName, current: set.has(r.instance_id) ? to : (r.state as InstanceStateName) }));
  }

  // ---- API calls -------------------------------------------------------------------------

  async start(caller: Scope, ids: readonly string[], checkpoint: () => void): Promise<StateChange[]> {
    const rows = await this.owned(caller, ids);
    for (const r of rows) if (!['stopped', 'pending', 'running'].includes(r.state)) throw notInState(r.instance_id, 'started');
    checkpoint();
    const now = new Date().toISOString();
    const moved = await this.deps.store.instances.transition(
      rows.filter((r) => r.state === 'stopped').map((r) => r.instance_id),
      ['stopped'],
      { state: 'pending', state_changed_at: now, transition_reason: '', state_reason_code: null, state_reason_message: null },
    );
    await this.schedule('instance.start', caller, moved);
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
    const moved = await this.deps.store.instances.transition(
      rows.filter((r) => r.state === 'running').map((r) => r.instance_id),
      ['running'],
      { state: 'stopping', state_changed_at: now.toISOString(), transition_reason: userInitiated(now), ...USER_SHUTDOWN },
    );
    // a forced stop of an instance already stopping finishes it now
    const forced = force ? rows.filter((r) => r.state === 'stopping').map((r) => r.instance_id) : [];
    await this.schedule('instance.stop', caller, [...moved, ...forced], force ? 0 : this.deps.settleMs);
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
    const moved = await this.deps.store.instances.transition(
      rows.filter((r) => ['pending', 'running', 'stopping', 'stopped'].includes(r.state)).map((r) => r.instance_id),
      ['pending', 'running', 'stopping', 'stopped'],
      { state: 'shutting-down', state_changed_at: now.toISOString(), transition_reason: userInitiated(now), ...USER_SHUTDOWN },
    );
    await this.schedule('instance.terminate', caller, moved);
    return this.changes(rows, moved, 'shutting-down');
  }

  /** Reboot: running instances only; terminated ones are ignored, as AWS does. */
  async reboot(caller: Scope, ids: readonly string[], checkpoint: () => void): Promise<void> {
    const rows = await this.owned(caller, ids);
    for (const r of rows) if (!['running', 'terminated'].includes(r.state)) throw notInState(r.instance_id, 'rebooted');
    checkpoint();
    await this.schedule('instance.reboot', caller, rows.filter((r) => r.state === 'running').map((r) => r.instance_id), 0);
  }

  // ---- jobs ----------------------------------------------------------------------------

  private async rowsIn(job: Job, state: InstanceStateName): Promise<InstanceRow[]> {
    const rows = await this.deps.store.instances.list(job.caller, { ids: job.instanceIds, states: [state], terminatedAfter: this.visibleSince() });
    return rows;
  }

  private async run(rows: InstanceRow[], hook: (r: InstanceRow) => Promise<void>): Promise<void> {
    for (const r of rows) await hook(r);
  }

  private driverOf(row: InstanceRow) {
    return driverInstance({ store: this.deps.store, volumes: this.deps.volumes }, row);
  }

  private async finishLaunch(job: Job): Promise<'done'> {
    const { store, driver } = this.deps;
    const rows = await this.rowsIn(job, 'pending');
    if (rows.length === 0) return 'done';
    const attachments = await store.instances.attachments(rows.map((r) => r.instance_id));
    const failed = await this.keyVolumes(job.caller, attachments.map((a) => a.volume_id));
    const failedInstances = new Set(attachments.filter((a) => failed.has(a.volume_id)).map((a) => a.instance_id));
    const ok = rows.filter((r) => !failedInstances.has(r.instance_id));
    for (const r of ok) {
      try {
        await driver.start(this.driverOf(r));
      } catch (e) {
        if (!(e instanceof DriverLaunchError)) throw e;
        failedInstances.add(r.instance_id);
      }
    }
    const started = ok.filter((r) => !failedInstances.has(r.instance_id)).map((r) => r.instance_id);
    const now = new Date().toISOString();
    await store.instances.setAttachment(
      attachments.filter((a) => started.includes(a.instance_id)).map((a) => a.volume_id),
      { status: 'attached' },
    );
    await store.instances.transition(started, ['pending'], { state: 'running', state_changed_at: now, running_since: now });
    const down = await store.instances.transition([...failedInstances], ['pending'], {
      state: 'shutting-down',
      state_changed_at: now,
      state_reason_code: CLIENT_ERROR.code,
      state_reason_message: CLIENT_ERROR.message,
    });
    await this.schedule('instance.terminate', job.caller, down);
    return 'done';
  }

  /**
   * Gives the launch's `creating` volumes their keys and makes them `in-use`. Volumes sharing a
   * source and a target key share one wrapping (and, when plaintext data must be encrypted,
   * one rewritten map): O(1) key work per launch, not per instance. Returns the volumes whose
   * key the caller cannot use.
   */
  private async keyVolumes(caller: Scope, volumeIds: string[]): Promise<Set<string>> {
    const { store, keys, blocks } = this.deps;
    const volumes = (await Promise.all(volumeIds.map((id) => store.volumes.get(id)))).filter((v): v is VolumeRow => v?.state === 'creating');
    const groups = new Map<string, VolumeRow[]>();
    for (const v of volumes) {
      const k = v.encrypted ? `${v.snapshot_id}|${v.base_map_id}|${v.kms_key_arn}|${v.size_gib}` : 'plain';
      groups.set(k, [...(groups.get(k) ?? []), v]);
    }
    const failed = new Set<string>();
    for (const [k, group] of groups) {
      const ids = group.map((v) => v.volume_id);
      if (k === 'plain') {
        await store.instances.updateVolumes(ids, { state: 'in-use' });
        continue;
      }
      const v = group[0];
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
        await store.instances.updateVolumes(ids, { state: 'in-use', data_key_id: opened.dataKeyId, kms_key_arn: opened.kmsKeyArn, base_map_id: baseMapId });
      } catch {
        // KMS refused (disabled, pending deletion, not shared, unknown key)
        for (const id of ids) failed.add(id);
      }
    }
    return failed;
  }

  private async finishStart(job: Job): Promise<'done'> {
    const { store, keys, driver } = this.deps;
    for (const r of await this.rowsIn(job, 'pending')) {
      const attachments = await store.instances.attachments([r.instance_id]);
      let usable = true;
      for (const a of attachments) {
        const v = await store.volumes.get(a.volume_id);
        if (!v?.data_key_id) continue;
        usable = await keys.open(job.caller, v.data_key_id).then(
          () => true,
          () => false,
        );
        if (!usable) break;
      }
      const now = new Date().toISOString();
      if (usable) {
        try {
          await driver.start(this.driverOf(r));
        } catch (e) {
          if (!(e instanceof DriverLaunchError)) throw e;
          usable = false;
        }
      }
      if (usable) await store.instances.transition([r.instance_id], ['pending'], { state: 'running', state_changed_at: now, running_since: now });
      else {
        await store.instances.transition([r.instance_id], ['pending'], {
          state: 'stopped',
          state_changed_at: now,
          state_reason_code: CLIENT_ERROR.code,
          state_reason_message: CLIENT_ERROR.message,
        });
      }
    }
    return 'done';
  }

  private async finishStop(job: Job): Promise<'done'> {
    const rows = await this.rowsIn(job, 'stopping');
    await this.run(rows, (r) => this.deps.driver.stop(this.driverOf(r), { force: false }));
    const now = new Date().toISOString();
    await this.deps.store.instances.transition(
      rows.map((r) => r.instance_id),
      ['stopping'],
      { state: 'stopped', state_changed_at: now, running_since: null },
    );
    return 'done';
  }

  private async finishTerminate(job: Job): Promise<'done'> {
    const { store, driver } = this.deps;
    const rows = await this.rowsIn(job, 'shutting-down');
    if (rows.length === 0) return 'done';
    await this.run(rows, (r) => driver.terminate(this.driverOf(r)));
    const ids = rows.map((r) => r.instance_id);
    await store.instances.releaseVolumes(ids);
    const now = new Date().toISOString();
    await store.instances.transition(ids, ['shutting-down'], { state: 'terminated', state_changed_at: now, terminated_at: now, running_since: null });
    await this.deps.jobs.schedule('instance.purge', {}, this.deps.terminatedVisibleMs);
    return 'done';
  }

  private async finishReboot(job: Job): Promise<'done'> {
    for (const r of await this.rowsIn(job, 'running')) {
      await this.deps.driver.reboot(this.driverOf(r));
      const spec = specOf(r);
      await this.deps.store.instances.update(r.instance_id, { spec: JSON.stringify({ ...spec, reboots: (spec.reboots ?? 0) + 1 }) });
    }
    return 'done';
  }

  private async purge(): Promise<'done'> {
    const now = Date.now();
    await this.deps.store.instances.purge(new Date(now - this.deps.terminatedVisibleMs).toISOString(), new Date(now - 24 * 3600_000).toISOString());
    return 'done';
  }
}
