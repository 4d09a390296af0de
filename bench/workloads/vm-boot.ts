// Instances that boot (--compute qemu; TCG on machines without hardware virtualization): for
// the Debian 12 image, the time from RunInstances to `running`, to the first SSH login and to
// cloud-init done; QEMU's resident memory per idle VM with a 512 MiB guest (t3.nano) and how many
// such VMs the memory budget admits; the guest's own disk throughput (dd inside, O_DIRECT, on a
// volume served by Imago over NBD) next to the same bytes through nbdcopy on the host against
// Imago's NBD server, measured in the same run.
//
// Targets (issue 9): SSH login <= 60 s after RunInstances (stretch 40 s); idle RSS <= 400 MB
// at 512 MiB; guest disk throughput >= 50% of the host's NBD throughput.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  AttachVolumeCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateKeyPairCommand,
  CreateSecurityGroupCommand,
  CreateVolumeCommand,
  DescribeInstancesCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { debianImageId, ensureDebianBuild, ssh, waitForSsh, writeKey } from '../../test/helpers/vm.js';
import { volumeAvailable } from '../lib/ec2-waits.js';
import { BENCH_KEY, freePort, startImago } from '../lib/peers.js';
import { residentMiB } from '../lib/process-io.js';
import { table } from '../lib/report.js';
import { judge } from '../lib/targets.js';

const MIB = 2 ** 20;

function qemuPid(instanceId: string): number | undefined {
  const r = spawnSync('pgrep', ['-f', `guest=${instanceId},`], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim().split('\n')[0]) : undefined;
}

/** MB/s reported by `dd` (its last line: "…, 12.3 s, 45.6 MB/s"), converted to MiB/s. */
function ddRate(output: string): number {
  const m = /, ([\d.]+) s, [\d.]+ [kMG]?B\/s/.exec(output);
  const bytes = /^(\d+) bytes/m.exec(output);
  return m && bytes ? Number(bytes[1]) / MIB / Number(m[1]) : NaN;
}

export async function vmBoot(o: { boots: number; diskMiB: number }): Promise<void> {
  ensureDebianBuild();
  const nbdPort = await freePort();
  const imago = await startImago(['--compute', 'qemu', '--settle-ms', '0', '--public-address-pool', '127.110.0.0/24', '--nbd-port', String(nbdPort)]);
  const endpoint = `http://127.0.0.1:${imago.port}`;
  const ec2 = new EC2Client({ endpoint, region: 'us-east-1', credentials: BENCH_KEY, maxAttempts: 1 });
  const dir = mkdtempSync(join(tmpdir(), 'vm-boot-'));
  const launched: string[] = [];
  try {
    const image = await debianImageId(ec2);
    const key = writeKey(dir, 'bench', (await ec2.send(new CreateKeyPairCommand({ KeyName: 'bench' }))).KeyMaterial!);
    const group = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: 'ssh', Description: 'ssh' }))).GroupId!;
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: group, IpProtocol: 'tcp', FromPort: 22, ToPort: 22, CidrIp: '0.0.0.0/0' }));
    const describe = async (id: string) => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances![0];

    // boots, one at a time (a TCG boot keeps a core busy: two at once would measure contention)
    const rows: (string | number)[][] = [];
    const sshTimes: number[] = [];
    let last: { id: string; ip: string } | undefined;
    for (let i = 0; i < o.boots; i++) {
      const type = i === o.boots - 1 ? 't3.nano' : 't3.micro';
      const started = performance.now();
      const id = (await ec2.send(new RunInstancesCommand({ ImageId: image, InstanceType: type, MinCount: 1, MaxCount: 1, KeyName: 'bench', SecurityGroupIds: [group] }))).Instances![0].InstanceId!;
      launched.push(id);
      let instance = await describe(id);
      while (instance.State?.Name !== 'running') {
        await new Promise((r) => setTimeout(r, 100));
        instance = await describe(id);
      }
      const running = (performance.now() - started) / 1000;
      await waitForSsh(instance.PublicIpAddress!, key);
      const login = (performance.now() - started) / 1000;
      await ssh(instance.PublicIpAddress!, key, 'cloud-init status --wait');
      const done = (performance.now() - started) / 1000;
      sshTimes.push(login);
      rows.push([`${i + 1} (${type})`, running, login, done]);
      last = { id, ip: instance.PublicIpAddress! };
      if (i < o.boots - 1) await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    }
    console.log(`\nDebian 12 image ${image}, seconds from RunInstances:`);
    console.log(table(['boot', 'running', 'ssh login', 'cloud-init done'], rows));
    const best = Math.min(...sshTimes);
    const median = [...sshTimes].sort((a, b) => a - b)[Math.floor(sshTimes.length / 2)];
    judge('vm-boot: SSH login after RunInstances (median)', `${median.toFixed(1)} s`, '60 s', median <= 60);
    judge('vm-boot: SSH login, stretch (best)', `${best.toFixed(1)} s`, '40 s', best <= 40);

    // memory of an idle VM (the last boot is a t3.nano: 512 MiB of guest memory)
    await new Promise((r) => setTimeout(r, 20_000));
    const rss = residentMiB(qemuPid(last!.id))?.now ?? NaN;
    const budgetMiB = Math.floor(totalmem() / 2 / MIB);
    const admitted = Math.floor(budgetMiB / 512);
    const fitInHost = Math.floor(totalmem() / MIB / rss);
    console.log(`\nidle t3.nano (512 MiB guest): QEMU RSS ${rss.toFixed(0)} MiB; the default budget (${budgetMiB} MiB) admits ${admitted} such VMs, whose QEMUs would hold ~${((admitted * rss) / 1024).toFixed(1)} GiB of the host's ${(totalmem() / 2 ** 30).toFixed(1)} GiB (${fitInHost} would fill it)`);
    judge('vm-boot: idle VM RSS at 512 MiB guest', `${rss.toFixed(0)} MiB`, '400 MB (381 MiB)', rss * MIB <= 400e6);

    // disk throughput: the guest's dd on a fresh volume vs nbdcopy of the same bytes on the host
    const zone = (await describe(last!.id)).Placement!.AvailabilityZone!;
    const guestVolume = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: zone, Size: 1 }))).VolumeId!;
    const hostVolume = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: zone, Size: 1 }))).VolumeId!;
    await volumeAvailable(ec2, guestVolume);
    await volumeAvailable(ec2, hostVolume);
    await ec2.send(new AttachVolumeCommand({ VolumeId: guestVolume, InstanceId: last!.id, Device: '/dev/sdf' }));
    const disk = `/dev/disk/by-id/virtio-${guestVolume.replace('-', '')}`;
    for (let i = 0; i < 60 && (await ssh(last!.ip, key, `test -b ${disk}`)).code !== 0; i++) await new Promise((r) => setTimeout(r, 1000));
    // incompressible data, made before timing (urandom is slow under TCG)
    await ssh(last!.ip, key, `head -c ${o.diskMiB}M /dev/urandom > /dev/shm/data`, 600_000);
    const guestWrite = ddRate((await ssh(last!.ip, key, `sudo dd if=/dev/shm/data of=${disk} bs=1M oflag=direct conv=fsync 2>&1`, 600_000)).stdout);
    const guestRead = ddRate((await ssh(last!.ip, key, `sudo dd if=${disk} of=/dev/null bs=1M count=${o.diskMiB} iflag=direct 2>&1`, 600_000)).stdout);
    const file = join(dir, 'data');
    writeFileSync(file, spawnSync('head', ['-c', `${o.diskMiB}M`, '/dev/urandom'], { maxBuffer: (o.diskMiB + 1) * MIB }).stdout);
    const nbd = `nbd://127.0.0.1:${nbdPort}/${hostVolume}`;
    const timed = (args: string[]) => {
      const started = performance.now();
      const r = spawnSync('nbdcopy', args, { stdio: 'ignore' });
      if (r.status !== 0) throw new Error(`nbdcopy ${args.join(' ')} failed`);
      return o.diskMiB / ((performance.now() - started) / 1000);
    };
    const hostWrite = timed(['--flush', file, nbd]);
    const hostRead = timed([nbd, 'null:']);
    console.log(`\ndisk throughput, ${o.diskMiB} MiB of random data (MiB/s):`);
    console.log(
      table(
        ['', 'guest dd (O_DIRECT)', 'host nbdcopy', 'guest/host'],
        [
          ['write', guestWrite, hostWrite, `${((100 * guestWrite) / hostWrite).toFixed(0)}%`],
          ['read', guestRead, hostRead, `${((100 * guestRead) / hostRead).toFixed(0)}%`],
        ],
      ),
    );
    judge('vm-boot: guest disk write vs host NBD', `${((100 * guestWrite) / hostWrite).toFixed(0)}%`, '>= 50%', guestWrite >= hostWrite / 2);
    judge('vm-boot: guest disk read vs host NBD', `${((100 * guestRead) / hostRead).toFixed(0)}%`, '>= 50%', guestRead >= hostRead / 2);
  } finally {
    if (launched.length) await ec2.send(new TerminateInstancesCommand({ InstanceIds: launched })).catch(() => undefined);
    ec2.destroy();
    await imago.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
