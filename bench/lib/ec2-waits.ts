// Waiting for EC2 resources to settle, polling quickly (benchmarks time these waits).
import { DescribeImagesCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, type EC2Client } from '@aws-sdk/client-ec2';

/** Polls `check` every `everyMs` until it holds; throws after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 600_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${what} did not settle in ${timeoutMs} ms`);
}

export function volumeAvailable(ec2: EC2Client, volumeId: string): Promise<void> {
  return until(volumeId, async () => (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes?.[0]?.State === 'available');
}

export function snapshotCompleted(ec2: EC2Client, snapshotId: string): Promise<void> {
  return until(snapshotId, async () => {
    const state = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }))).Snapshots?.[0]?.State;
    if (state === 'error') throw new Error(`${snapshotId} failed`);
    return state === 'completed';
  });
}

export function imageAvailable(ec2: EC2Client, imageId: string): Promise<void> {
  return until(imageId, async () => {
    const state = (await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images?.[0]?.State;
    if (state === 'failed') throw new Error(`${imageId} failed`);
    return state === 'available';
  });
}
