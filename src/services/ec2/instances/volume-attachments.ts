// AttachVolume and DetachVolume: a volume of the caller's, `available`, in the instance's zone,
// on a free device name, to a running or stopped instance; `attaching` then `attached` (and
// `detaching` then gone) after settleMs, through durable jobs. The volume is `in-use` while
// attached. A running instance's root volume cannot be detached. On a running VM the volume is
// hot-plugged when it becomes attached and unplugged (the guest asked to let go) before it is
// detached.
import type { VolumeAttachment } from '../../../api/ec2/types.js';
import type { JobRunner } from '../../../jobs/job-runner.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { AttachmentRow } from '../../../store/repos/instances.js';
import { ec2Error, invalidParameterValue } from '../ec2-errors.js';
import type { VolumeAttachmentInfo, VolumeService } from '../volumes/volume-service.js';
import type { InstanceLifecycle } from './instance-lifecycle.js';
import type { InstanceDriver } from '../../../compute/instance-driver.js';

const DEVICE = /^(\/dev\/(sd[a-z]|xvd[a-z]{1,2}|sd[a-z][1-9]|xvd[a-z][1-9])|xvd[a-z]{1,2})$/;

export function attachmentOut(a: AttachmentRow): VolumeAttachment {
  return { VolumeId: a.volume_id, InstanceId: a.instance_id, Device: a.device_name, State: a.status as 'attached', AttachTime: new Date(a.attach_time), DeleteOnTermination: Boolean(a.delete_on_termination) };
}

export class VolumeAttachments {
  constructor(
    private readonly deps: { store: Store; jobs: JobRunner; volumes: VolumeService; lifecycle: InstanceLifecycle; driver: InstanceDriver; settleMs: number },
  ) {
    const { store, jobs, volumes, lifecycle, driver } = deps;
    const runningInstance = async (a: AttachmentRow) => {
      const instance = await store.instances.get(a.instance_id);
      return instance?.state === 'running' ? lifecycle.driverOf(instance) : undefined;
    };
    jobs.register('attachment.attach', async (p) => {
      const { volumeIds } = p as { volumeIds: string[] };
      const rows = (await store.instances.attachmentsOfVolumes(volumeIds)).filter((a) => a.status === 'attaching');
      for (const a of rows) {
        const instance = await runningInstance(a);
        const volume = instance && (await instance.volumes()).find((v) => v.volumeId === a.volume_id);
        if (instance && volume) await driver.volumeAttached(instance, volume);
      }
      await store.instances.setAttachment(rows.map((a) => a.volume_id), { status: 'attached' });
      return 'done';
    });
    jobs.register('attachment.detach', async (p) => {
      const { volumeIds } = p as { volumeIds: string[] };
      for (const a of await store.instances.attachmentsOfVolumes(volumeIds)) {
        if (a.status !== 'detaching') continue;
        const instance = await runningInstance(a);
        if (instance) await driver.volumeDetached(instance, a.volume_id);
        await store.instances.detach(a.volume_id);
      }
      return 'done';
    });
    // DescribeVolumes shows instances' attachments
    volumes.registerAttachments(async (_caller, ids) => {
      const out = new Map<string, VolumeAttachmentInfo[]>();
      for (const a of await store.instances.attachmentsOfVolumes(ids)) {
        out.set(a.volume_id, [{ instanceId: a.instance_id, device: a.device_name, state: a.status as VolumeAttachmentInfo['state'], attachTime: a.attach_time, deleteOnTermination: Boolean(a.delete_on_termination) }]);
      }
      return out;
    });
  }

  async attach(caller: Scope, req: { volumeId: string; instanceId: string; device: string }, checkpoint: () => void): Promise<AttachmentRow> {
    const { store, volumes, lifecycle } = this.deps;
    const volume = await volumes.getOwned(caller, req.volumeId);
    const [instance] = await lifecycle.owned(caller, [req.instanceId]);
    if (!DEVICE.test(req.device)) throw invalidParameterValue(`Value (${req.device}) for parameter device is invalid. ${req.device} is not a valid EBS device name.`);
    if (instance.state !== 'running' && instance.state !== 'stopped') {
      throw ec2Error('IncorrectInstanceState', `The instance '${instance.instance_id}' is not in a state from which a volume can be attached (it is ${instance.state}).`);
    }
    if (volume.state === 'in-use') throw ec2Error('VolumeInUse', `${volume.volume_id} is already attached to an instance`);
    if (volume.state !== 'available') throw ec2Error('IncorrectState', `The volume '${volume.volume_id}' is not 'available'.`);
    if (volume.availability_zone !== instance.availability_zone) {
      throw ec2Error('InvalidVolume.ZoneMismatch', `The volume '${volume.volume_id}' is not in the same availability zone as instance '${instance.instance_id}'`);
    }
    const attached = await store.instances.attachments([instance.instance_id]);
    if (attached.some((a) => a.device_name === req.device) || instance.root_device_name === req.device) {
      throw invalidParameterValue(`Invalid value '${req.device}' for unixDevice. Attachment point ${req.device} is already in use`);
    }
    checkpoint();
    const row: AttachmentRow = {
      volume_id: volume.volume_id,
      instance_id: instance.instance_id,
      account_id: caller.accountId,
      region: caller.region,
      device_name: req.device,
      status: 'attaching',
      attach_time: new Date().toISOString(),
      delete_on_termination: 0,
    };
    await store.instances.attach(row);
    await this.deps.jobs.schedule('attachment.attach', { volumeIds: [row.volume_id] }, this.deps.settleMs);
    return row;
  }

  async detach(caller: Scope, req: { volumeId: string; instanceId?: string; device?: string }, checkpoint: () => void): Promise<AttachmentRow> {
    const { store, volumes, lifecycle } = this.deps;
    const volume = await volumes.getOwned(caller, req.volumeId);
    if (req.instanceId !== undefined) await lifecycle.owned(caller, [req.instanceId]);
    const [a] = await store.instances.attachmentsOfVolumes([volume.volume_id]);
    if (!a) throw ec2Error('IncorrectState', `Volume '${volume.volume_id}' is in the '${volume.state}' state.`);
    if ((req.instanceId !== undefined && a.instance_id !== req.instanceId) || (req.device !== undefined && a.device_name !== req.device)) {
      throw ec2Error('InvalidAttachment.NotFound', `The volume ${volume.volume_id} is not attached to ${req.instanceId ?? a.instance_id} at ${req.device ?? a.device_name}`);
    }
    const [instance] = await lifecycle.owned(caller, [a.instance_id]);
    if (a.device_name === instance.root_device_name && instance.state !== 'stopped') {
      throw ec2Error('IncorrectState', `Unable to detach root volume '${volume.volume_id}' from instance '${instance.instance_id}'`);
    }
    checkpoint();
    if (a.status !== 'detaching') {
      await store.instances.setAttachment([a.volume_id], { status: 'detaching' });
      await this.deps.jobs.schedule('attachment.detach', { volumeIds: [a.volume_id] }, this.deps.settleMs);
    }
    return { ...a, status: 'detaching' };
  }
}
