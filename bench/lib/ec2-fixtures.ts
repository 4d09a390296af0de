// What metadata benchmarks register and launch from: a completed snapshot (of a new, empty
// volume: no block data) and RegisterImage over it, as a user registers an EBS-backed AMI.
import { CreateSnapshotCommand, CreateVolumeCommand, RegisterImageCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { snapshotCompleted, volumeAvailable } from './ec2-waits.js';

export async function emptySnapshot(ec2: EC2Client): Promise<string> {
  const v = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }));
  await volumeAvailable(ec2, v.VolumeId!);
  const s = await ec2.send(new CreateSnapshotCommand({ VolumeId: v.VolumeId }));
  await snapshotCompleted(ec2, s.SnapshotId!);
  return s.SnapshotId!;
}

export function registerImage(name: string, snapshotId: string): RegisterImageCommand {
  return new RegisterImageCommand({
    Name: name,
    Architecture: 'x86_64',
    RootDeviceName: '/dev/xvda',
    VirtualizationType: 'hvm',
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshotId } }],
  });
}
