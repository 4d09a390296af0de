// `npm run bench [-- workload ...] [--seconds N] [--quick]`: runs benchmarks and prints their figures
// (with ratios against peers measured in the same run). Never asserts. Builds dist/ first.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeRegions } from './workloads/describe-regions.js';
import { ebsIngest } from './workloads/ebs-ingest.js';
import { blocksIngest } from './workloads/blocks-ingest.js';
import { snapshotIncremental } from './workloads/snapshot-incremental.js';
import { copyByReference } from './workloads/copy-by-reference.js';
import { importMemory } from './workloads/import-memory.js';
import { printVerdicts } from './lib/targets.js';
import { nbdCopies } from './workloads/nbd.js';
import { images100k, imagesVsMoto } from './workloads/images.js';
import { instanceRefresh } from './workloads/instance-refresh.js';
import { runInstances } from './workloads/run-instances.js';
import { vmBoot } from './workloads/vm-boot.js';
import { s3Blocks } from './workloads/s3-blocks.js';
import { metadataEngines } from './workloads/metadata-engines.js';
import { nodesOnOnePostgres } from './workloads/nodes.js';

const WORKLOADS: Record<string, (o: { seconds: number; quick: boolean }) => Promise<void>> = {
  'describe-regions': (o) => describeRegions({ seconds: o.seconds, connections: [1, 8, 64] }),
  'ebs-ingest': (o) => ebsIngest({ seconds: o.seconds, concurrency: [1, 4, 16] }),
  nbd: () => nbdCopies({ imageMiB: 1024, runs: 3 }),
  'blocks-ingest': (o) => blocksIngest(o.quick ? { blocks: 128, concurrency: [4, 16], importMiB: 256, zeroGiB: 4 } : { blocks: 512, concurrency: [1, 4, 16], importMiB: 1024, zeroGiB: 16 }),
  'snapshot-incremental': () => snapshotIncremental({ gib: 4, changedShare: 0.01 }),
  'copy-by-reference': () => copyByReference({ gib: 8 }),
  'import-memory': () => importMemory({ gib: 20, everyMiB: 4 }),
  images: () => imagesVsMoto({ count: 2000 }),
  'images-100k': (o) => images100k({ total: 100_000, seconds: o.seconds }),
  'instance-refresh': () => instanceRefresh({ instances: 100, warmupSec: 5, settleMs: 50 }),
  'run-instances': () => runInstances({ batches: 5, singles: 30 }),
  'vm-boot': () => vmBoot({ boots: 3, diskMiB: 256 }),
  's3-blocks': () => s3Blocks({ blocks: 256, concurrency: [1, 4, 16], packBytes: 16 * 1024 * 1024 }),
  'metadata-engines': () => metadataEngines({ images: 2000, concurrency: 8, asyncCommit: false }),
  nodes: (o) => nodesOnOnePostgres({ counts: [1, 2, 3], clients: 6, listed: 20, seconds: o.seconds }),
  audit: (o) => import('./workloads/audit.js').then((m) => m.auditCost({ seconds: o.seconds, rounds: 4 })),
  authz: (o) => import('./workloads/authz.js').then((m) => m.authzCost({ seconds: o.seconds })),
  vpcs: () => import('./workloads/vpcs.js').then((m) => m.vpcsVsMoto({ count: 1000 })),
  'metrics-collection': () => import('./workloads/metrics-collection.js').then((m) => m.metricsCollection({ vms: 4, rounds: 500 })),
  console: (o) => import('./workloads/console.js').then((m) => m.consoleBench({ counts: [10_000, 100_000], warmRuns: 3, seconds: o.seconds })),
  'client-floor': (o) => import('./workloads/client-floor.js').then((m) => m.clientFloor(o.quick ? { images: 200, instances: 1000, singles: 60, repeat: 3 } : { images: 2000, instances: 10_000, singles: 200, repeat: 5 })),
  startup: () => import('./workloads/startup.js').then((m) => m.startup({ runs: 5 })),
  cloudwatch: (o) => import('./workloads/cloudwatch.js').then((m) => m.cloudwatchMetrics({ seconds: o.seconds, series: 10_000, everyMinutes: 60 })),
};

// what users run: the build (bin/imago.mjs takes dist/ while it is current, and it is now)
const built = spawnSync(process.execPath, [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url))], { stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

const { values, positionals } = parseArgs({ options: { seconds: { type: 'string' }, quick: { type: 'boolean' } }, allowPositionals: true });
const seconds = Number(values.seconds ?? 5);
const names = positionals.length ? positionals : Object.keys(WORKLOADS);
for (const name of names) {
  const run = WORKLOADS[name];
  if (!run) {
    console.error(`unknown workload ${name}; known: ${Object.keys(WORKLOADS).join(', ')}`);
    process.exit(2);
  }
  console.log(`\n=== ${name}`);
  await run({ seconds, quick: values.quick ?? false });
}
printVerdicts();
