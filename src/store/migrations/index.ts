// Versioned migrations, applied in name order by Kysely's Migrator. Never edit a migration
// that has shipped: add a new one.
import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-kms.js';
import * as m0003 from './0003-block-storage.js';
import * as m0004 from './0004-jobs.js';
import * as m0008 from './0008-images.js';
import * as m0006 from './0006-volume-attributes.js';
import * as m0009 from './0009-image-recycle-bin.js';
import * as m0012 from './0012-autoscaling.js';
import * as m0010 from './0010-catalog-ssm.js';
import * as m0011 from './0011-compute.js';
import * as m0013 from './0013-image-listing-indexes.js';
import * as m0022 from './0022-audit-events.js';
import * as m0014 from './0014-instance-public-ip.js';
import * as m0015 from './0015-rule-positions.js';
import * as m0016 from './0016-instance-client-tokens.js';
import * as m0017 from './0017-job-leases.js';
import * as m0018 from './0018-cluster-nodes.js';
import * as m0019 from './0019-key-material.js';
import * as m0020 from './0020-chunk-arbitration.js';
import * as m0021 from './0021-iam.js';
import * as m0030 from './0030-cloudwatch-metrics.js';
import * as m0023 from './0023-instance-profile-associations.js';
import * as m0024 from './0024-audit-lean-indexes.js';
import * as m0033 from './0033-autoscaling-hooks-warm-pools.js';
import * as m0025 from './0025-vpc-family.js';
import * as m0026 from './0026-elastic-ips.js';
import * as m0028 from './0028-network-interfaces.js';
import * as m0029 from './0029-nat-gateways-peering.js';
import * as m0027 from './0027-import-export-tasks.js';
import * as m0031 from './0031-cloudwatch-alarms.js';
import * as m0032 from './0032-autoscaling-config.js';

const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-kms': m0002,
  '0003-block-storage': m0003,
  '0004-jobs': m0004,
  '0008-images': m0008,
  '0006-volume-attributes': m0006,
  '0009-image-recycle-bin': m0009,
  '0012-autoscaling': m0012,
  '0010-catalog-ssm': m0010,
  '0011-compute': m0011,
  '0013-image-listing-indexes': m0013,
  '0014-instance-public-ip': m0014,
  '0022-audit-events': m0022,
  '0015-rule-positions': m0015,
  '0016-instance-client-tokens': m0016,
  '0017-job-leases': m0017,
  '0018-cluster-nodes': m0018,
  '0019-key-material': m0019,
  '0020-chunk-arbitration': m0020,
  '0021-iam': m0021,
  '0030-cloudwatch-metrics': m0030,
  '0023-instance-profile-associations': m0023,
  '0024-audit-lean-indexes': m0024,
  '0025-vpc-family': m0025,
  '0026-elastic-ips': m0026,
  '0028-network-interfaces': m0028,
  '0029-nat-gateways-peering': m0029,
  '0027-import-export-tasks': m0027,
  '0031-cloudwatch-alarms': m0031,
  '0033-autoscaling-hooks-warm-pools': m0033,
  '0032-autoscaling-config': m0032,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
