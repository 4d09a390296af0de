// Fixtures for the instance tests through the SDK: an image to launch, polling for instance and
// volume states, and describing one instance.
import { DescribeInstancesCommand, DescribeVolumesCommand, RunInstancesCommand, type EC2Client, type Instance, type RunInstancesCommandInput, type Volume } from '@aws-sdk/client-ec2';
import { emptySnapshot, registerImage } from './images.js';
import { until } from './until.js';

/** An available x86_64 hvm image over an empty 1 GiB snapshot (RegisterImage). */
export async function launchableImage(ec2: EC2Client, input: Parameters<typeof registerImage>[2] = {}): Promise<string> {
  return registerImage(ec2, await emptySnapshot(ec2), input);
}

export async function runOne(ec2: EC2Client, imageId: string, input: Partial<RunInstancesCommandInput> = {}): Promise<Instance> {
  const r = await ec2.send(new RunInstancesCommand({ ImageId: imageId, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro', ...input }));
  return r.Instances![0];
}

export async function describeInstance(ec2: EC2Client, instanceId: string): Promise<Instance | undefined> {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  return out.Reservations?.[0]?.Instances?.[0];
}

/** Polls until the instance is in `state`; fails at once if it settles somewhere else for good. */
export async function instanceIn(ec2: EC2Client, instanceId: string, state: string): Promise<Instance> {
  return until(`${instanceId} ${state}`, async () => {
    const i = await describeInstance(ec2, instanceId);
    if (i?.State?.Name === 'terminated' && state !== 'terminated') throw new Error(`${instanceId} terminated: ${i.StateReason?.Message}`);
    return i?.State?.Name === state ? i : undefined;
  });
}

/** A volume, or undefined once it is gone. */
export async function volume(ec2: EC2Client, volumeId: string): Promise<Volume | undefined> {
  try {
    return (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes![0];
  } catch (e) {
    if ((e as { name?: string }).name === 'InvalidVolume.NotFound') return undefined;
    throw e;
  }
}

export async function volumeIn(ec2: EC2Client, volumeId: string, state: string): Promise<Volume> {
  return until(`${volumeId} ${state}`, async () => {
    const v = await volume(ec2, volumeId);
    return v?.State === state ? v : undefined;
  });
}

export const rootVolumeOf = (i: Instance) => i.BlockDeviceMappings!.find((m) => m.DeviceName === i.RootDeviceName)!.Ebs!.VolumeId!;
