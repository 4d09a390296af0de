// The VM figures of /_imago/metrics with a real QEMU VM: a t3.micro of a catalog placeholder
// (nothing bootable: the firmware runs, which is all these figures need, and no image is
// imported) shows as one running VM with its vCPUs, memory, resident memory and CPU time, and
// leaves the counts when terminated; its CPU time stays in the counter.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeImagesCommand, DescribeInstancesCommand, RunInstancesCommand, TerminateInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { startServer, tempDir, removeDir, type TestServer } from '../helpers/server.js';
import { ec2 } from '../helpers/clients.js';
import { until } from '../helpers/until.js';

let server: TestServer;
let client: EC2Client;
let cache: string;

/** The unlabelled and labelled samples of the exposition, by their full series name. */
async function scrape(): Promise<Map<string, number>> {
  const text = await (await fetch(`${server.url}/_imago/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

before(async () => {
  cache = tempDir('imago-metrics-cache-'); // empty: nothing built or imported at start-up
  server = await startServer({ args: ['--compute', 'qemu', '--settle-ms', '0', '--image-cache', cache, '--no-build-images', '--vm-stop-timeout-ms', '2000'] });
  client = ec2(server.url);
});

after(async () => {
  await server?.stop();
  removeDir(cache);
});

test('a running VM is counted with its vCPUs, memory and CPU time; terminated, it leaves the counts but not the CPU time', { timeout: 240_000 }, async () => {
  const image = (await client.send(new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['al2023-ami-2023*-x86_64'] }] }))).Images![0].ImageId!;
  const id = (await client.send(new RunInstancesCommand({ ImageId: image, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1 }))).Instances![0].InstanceId!;
  const state = async () => (await client.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances![0].State!.Name;
  await until(`${id} running`, async () => ((await state()) === 'running' ? true : undefined), 600, 250);

  // the CPU time needs two looks at the VM, at least the 5 s cache apart
  const m = await until('the VM CPU time counted', async () => {
    const s = await scrape();
    return (s.get('imago_vm_cpu_seconds_total') ?? 0) > 0 ? s : undefined;
  }, 120, 1000);
  assert.equal(m.get('imago_vms_running'), 1);
  assert.equal(m.get('imago_vm_vcpus'), 2, 't3.micro: 2 vCPUs');
  assert.equal(m.get('imago_vm_memory_bytes'), 1024 * 1024 * 1024, 't3.micro: 1 GiB');
  assert.ok((m.get('imago_vm_resident_memory_bytes') ?? 0) > 10 * 1024 * 1024, 'QEMU resident memory');
  assert.ok((m.get('imago_vm_memory_budget_bytes') ?? 0) >= 1024 * 1024 * 1024);
  assert.equal(m.get('imago_instances{state="running"}'), 1);
  const cpu = m.get('imago_vm_cpu_seconds_total')!;

  await client.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
  await until(`${id} terminated`, async () => ((await state()) === 'terminated' ? true : undefined), 600, 250);
  const gone = await until('the VM left the counts', async () => {
    const s = await scrape();
    return s.get('imago_vms_running') === 0 && s.get('imago_instances{state="terminated"}') === 1 ? s : undefined;
  }, 60, 1000);
  assert.equal(gone.get('imago_vm_vcpus'), 0);
  assert.equal(gone.get('imago_vm_resident_memory_bytes'), 0);
  assert.ok(gone.get('imago_vm_cpu_seconds_total')! >= cpu, 'a counter never goes down');
});
