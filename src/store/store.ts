// The metadata store: one Kysely handle, migrated on open, with the repos services use and
// their unit of work.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Migrator, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations/index.js';
import { openSqlite } from './dialects/sqlite.js';
import { DatabaseConfigError, openPostgres, postgresBarrier } from './dialects/postgres.js';
import type { WalBarrier } from './wal-barrier.js';
import { AccountAttributesRepo } from './repos/account-attributes.js';
import { IdempotencyRepo } from './repos/idempotency.js';
import { AuditEventsRepo } from './repos/audit-events.js';
import { KmsKeysRepo } from './repos/kms-keys.js';
import { KmsAliasesRepo } from './repos/kms-aliases.js';
import { KmsGrantsRepo } from './repos/kms-grants.js';
import { KmsTagsRepo } from './repos/kms-tags.js';
import { BlockMapsRepo } from './repos/block-maps.js';
import { ChunkArbitrationRepo } from './repos/chunk-arbitration.js';
import { DataKeysRepo } from './repos/data-keys.js';
import { SnapshotsRepo } from './repos/snapshots.js';
import { VolumesRepo } from './repos/volumes.js';
import { TagsRepo } from './repos/tags.js';
import { JobsRepo } from './repos/jobs.js';
import { NodesRepo } from './repos/nodes.js';
import { ImagesRepo } from './repos/images.js';
import { OrganizationsRepo } from './repos/organizations.js';
import { InstancesRepo } from './repos/instances.js';
import { KeyPairsRepo } from './repos/key-pairs.js';
import { KeyMaterialRepo } from './repos/key-material.js';
import { SecurityGroupsRepo } from './repos/security-groups.js';
import { CatalogRepo } from './repos/catalog.js';
import { SsmParametersRepo } from './repos/ssm-parameters.js';
import { LaunchTemplatesRepo } from './repos/launch-templates.js';
import { AutoscalingGroupsRepo } from './repos/autoscaling-groups.js';
import { AutoscalingInstancesRepo } from './repos/autoscaling-instances.js';
import { AutoscalingActivitiesRepo } from './repos/autoscaling-activities.js';
import { AutoscalingConfigRepo } from './repos/autoscaling-config.js';
import { InstanceRefreshesRepo } from './repos/instance-refreshes.js';
import { IamRepos } from './repos/iam.js';
import { InstanceProfileAssociationsRepo } from './repos/instance-profile-associations.js';
import { ImportExportTasksRepo } from './repos/import-export-tasks.js';
import { CloudwatchAlarmsRepo } from './repos/cloudwatch-alarms.js';
import { VpcRepos } from './repos/vpc-family.js';
import { CwMetricsRepo } from './repos/cw-metrics.js';
import { atomic } from './atomic.js';

export interface StoreOptions {
  dataDir: string;
  durability: 'full' | 'normal';
  /** postgres://… : metadata in PostgreSQL instead of `<dataDir>/metadata.sqlite` */
  databaseUrl?: string;
}

/**
 * Every repo over one handle: the store's own, or a transaction's. `transaction(tx => …)` is the
 * unit of work: whatever `fn` writes through `tx` commits together or not at all (an error or a
 * crash between two writes leaves nothing half-done); inside one, `transaction` runs inline.
 * Each repo is made on first use (a unit of work touches a few of them).
 */
export class Repos {
  /** the repos made so far: a unit of work makes only those it uses */
  private readonly made = new Map<new (db: Kysely<Database>) => unknown, unknown>();

  constructor(readonly db: Kysely<Database>) {}

  private repo<T>(Repo: new (db: Kysely<Database>) => T): T {
    let r = this.made.get(Repo) as T | undefined;
    if (r === undefined) {
      r = new Repo(this.db);
      this.made.set(Repo, r);
    }
    return r;
  }

  get accountAttributes(): AccountAttributesRepo {
    return this.repo(AccountAttributesRepo);
  }
  get idempotency(): IdempotencyRepo {
    return this.repo(IdempotencyRepo);
  }
  get auditEvents(): AuditEventsRepo {
    return this.repo(AuditEventsRepo);
  }
  get kmsKeys(): KmsKeysRepo {
    return this.repo(KmsKeysRepo);
  }
  get kmsAliases(): KmsAliasesRepo {
    return this.repo(KmsAliasesRepo);
  }
  get kmsGrants(): KmsGrantsRepo {
    return this.repo(KmsGrantsRepo);
  }
  get kmsTags(): KmsTagsRepo {
    return this.repo(KmsTagsRepo);
  }
  get blockMaps(): BlockMapsRepo {
    return this.repo(BlockMapsRepo);
  }
  get chunkArbitration(): ChunkArbitrationRepo {
    return this.repo(ChunkArbitrationRepo);
  }
  get dataKeys(): DataKeysRepo {
    return this.repo(DataKeysRepo);
  }
  get snapshots(): SnapshotsRepo {
    return this.repo(SnapshotsRepo);
  }
  get volumes(): VolumesRepo {
    return this.repo(VolumesRepo);
  }
  get tags(): TagsRepo {
    return this.repo(TagsRepo);
  }
  get jobs(): JobsRepo {
    return this.repo(JobsRepo);
  }
  get nodes(): NodesRepo {
    return this.repo(NodesRepo);
  }
  get images(): ImagesRepo {
    return this.repo(ImagesRepo);
  }
  get organizations(): OrganizationsRepo {
    return this.repo(OrganizationsRepo);
  }
  get instances(): InstancesRepo {
    return this.repo(InstancesRepo);
  }
  get keyPairs(): KeyPairsRepo {
    return this.repo(KeyPairsRepo);
  }
  get keyMaterial(): KeyMaterialRepo {
    return this.repo(KeyMaterialRepo);
  }
  get securityGroups(): SecurityGroupsRepo {
    return this.repo(SecurityGroupsRepo);
  }
  get catalog(): CatalogRepo {
    return this.repo(CatalogRepo);
  }
  get ssmParameters(): SsmParametersRepo {
    return this.repo(SsmParametersRepo);
  }
  get launchTemplates(): LaunchTemplatesRepo {
    return this.repo(LaunchTemplatesRepo);
  }
  get autoscalingGroups(): AutoscalingGroupsRepo {
    return this.repo(AutoscalingGroupsRepo);
  }
  get autoscalingInstances(): AutoscalingInstancesRepo {
    return this.repo(AutoscalingInstancesRepo);
  }
  get autoscalingActivities(): AutoscalingActivitiesRepo {
    return this.repo(AutoscalingActivitiesRepo);
  }
  get autoscalingConfig(): AutoscalingConfigRepo {
    return this.repo(AutoscalingConfigRepo);
  }
  get instanceRefreshes(): InstanceRefreshesRepo {
    return this.repo(InstanceRefreshesRepo);
  }
  get iam(): IamRepos {
    return this.repo(IamRepos);
  }
  get profileAssociations(): InstanceProfileAssociationsRepo {
    return this.repo(InstanceProfileAssociationsRepo);
  }
  get importExportTasks(): ImportExportTasksRepo {
    return this.repo(ImportExportTasksRepo);
  }
  get cloudwatchAlarms(): CloudwatchAlarmsRepo {
    return this.repo(CloudwatchAlarmsRepo);
  }
  get vpc(): VpcRepos {
    return this.repo(VpcRepos);
  }
  get cwMetrics(): CwMetricsRepo {
    return this.repo(CwMetricsRepo);
  }

  transaction<T>(fn: (tx: Repos) => Promise<T>): Promise<T> {
    return atomic(this.db, (trx) => fn(trx === this.db ? this : new Repos(trx)));
  }
}

export class Store extends Repos {
  private constructor(
    db: Kysely<Database>,
    /** SQLite's group commit */
    private readonly wal: WalBarrier | undefined,
    /** PostgreSQL's: units of work commit unflushed, this flushes them (dialects/postgres-commits.ts) */
    private readonly flush?: { barrier(): Promise<void> },
  ) {
    super(db);
  }

  static async open(options: StoreOptions): Promise<Store> {
    let store: Store;
    checkEngine(options);
    if (options.databaseUrl) {
      const db = await openPostgres(options.databaseUrl);
      store = new Store(db, undefined, postgresBarrier(db));
      recordEngine(options.dataDir);
    } else {
      mkdirSync(options.dataDir, { recursive: true });
      const { db, wal } = openSqlite(join(options.dataDir, 'metadata.sqlite'), { durability: options.durability });
      store = new Store(db, wal);
    }
    try {
      await store.migrate();
    } catch (e) {
      await store.close();
      throw e;
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const { error, results } = await new Migrator({ db: this.db, provider: migrationProvider, allowUnorderedMigrations: true }).migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) throw new Error(`metadata migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }

  /** Deletes every row of every table (the admin reset); the schema and the cluster's key material stay. */
  async wipe(): Promise<void> {
    const tables = await this.db.introspection.getTables();
    await this.db.transaction().execute(async (trx) => {
      for (const t of tables) {
        if (t.isView || t.name.startsWith('kysely_') || t.name === 'key_material') continue;
        await trx.deleteFrom(t.name as keyof Database).execute();
      }
    });
  }

  /**
   * Resolves once every commit made before the call survives a power loss (with `durability:
   * 'full'`; at once with 'normal'). Call it before acknowledging anything to anyone. Audit rows
   * (`writeAudit`) only with `audit: true`.
   */
  barrier(options?: { audit?: boolean }): Promise<void> {
    return this.wal ? this.wal.barrier(options) : this.flush ? this.flush.barrier() : Promise.resolve();
  }

  /**
   * Runs the audit trail's writes: on SQLite on the store's connection alone, counted apart by
   * the WAL barrier (a reader's `barrier()` does not sync for them, `barrier({ audit: true })`
   * does); on PostgreSQL as they are.
   */
  writeAudit(fn: (repo: AuditEventsRepo) => Promise<void>): Promise<void> {
    const wal = this.wal;
    if (!wal) return fn(this.auditEvents);
    return this.db.connection().execute((conn) => wal.asAudit(() => fn(new AuditEventsRepo(conn))));
  }

  /** Like `barrier`, whatever the durability: for the rare writes that must never be lost (adopted key material, before its file goes). */
  sync(): Promise<void> {
    return this.wal ? this.wal.sync() : this.flush ? this.flush.barrier() : Promise.resolve();
  }

  async close(): Promise<void> {
    await this.wal?.close();
    await this.db.destroy(); // closes the underlying connection (checkpointing and syncing the WAL)
  }
}

/** A data dir whose metadata is in PostgreSQL says so (`database.json`: the engine, never the URL). */
const ENGINE_FILE = 'database.json';

/** Refuses to open a data dir with the other engine: its metadata would look empty, not moved. */
function checkEngine(options: StoreOptions): void {
  const file = join(options.dataDir, ENGINE_FILE);
  const postgres = existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { engine?: string }).engine === 'postgres';
  if (postgres && !options.databaseUrl) {
    throw new DatabaseConfigError(`the metadata of ${options.dataDir} is in PostgreSQL: pass --database postgres://… (or IMAGO_DATABASE_URL)`);
  }
  if (!postgres && options.databaseUrl && existsSync(join(options.dataDir, 'metadata.sqlite'))) {
    throw new DatabaseConfigError(`the metadata of ${options.dataDir} is in SQLite (metadata.sqlite); Imago does not move it to PostgreSQL: use a new data dir with --database`);
  }
}

function recordEngine(dataDir: string): void {
  const file = join(dataDir, ENGINE_FILE);
  if (existsSync(file)) return;
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${JSON.stringify({ engine: 'postgres' })}\n`);
}

