// The EBS direct APIs over restJson1: `ebsService(deps)` builds the domain services (writes,
// reads, upload activity, idle timeouts, tokens) and their wire definition.
import { loadServiceModel } from '../../protocol/model.js';
import { RestJsonProtocol } from '../../protocol/rest-json-protocol.js';
import type { ServiceDefinition } from '../../protocol/dispatch.js';
import type { StorageDomain } from '../ec2/storage-domain.js';
import type { BlockStorage } from '../../blocks/block-storage.js';
import type { JobRunner } from '../../jobs/job-runner.js';
import type { Store } from '../../store/store.js';
import { DirectSnapshots } from './direct-snapshots.js';
import { EntryCommitter } from './entry-committer.js';
import { SnapshotAccess } from './snapshot-access.js';
import { SnapshotReads } from './snapshot-reads.js';
import { SnapshotTimeouts } from './snapshot-timeouts.js';
import { EbsTokens } from './tokens.js';
import { UploadActivity } from './upload-activity.js';
import { ebsHandlers } from './handlers.js';

export interface EbsDeps {
  storage: StorageDomain;
  blocks: BlockStorage;
  store: Store;
  jobs: JobRunner;
  /** the server's master key: block and page tokens are MACed with a key derived from it */
  masterKey: Buffer;
  /** `full`: an acknowledged block survives power loss (fsync per commit round); `normal`: process crashes */
  durability?: 'full' | 'normal';
  /** the clock (timeouts, token expiry); tests may move it */
  now?: () => number;
}

export interface EbsDomain {
  writes: DirectSnapshots;
  reads: SnapshotReads;
  timeouts: SnapshotTimeouts;
}

/** The EBS direct APIs' domain services, without the wire (CLI, tests). */
export function ebsDomain(deps: EbsDeps): EbsDomain {
  const { store, storage, blocks, jobs, now } = deps;
  const access = new SnapshotAccess(store, storage);
  const activity = new UploadActivity(store.snapshots, now);
  const timeouts = new SnapshotTimeouts({ snapshots: store.snapshots, blocks, jobs, activity, now });
  const writes = new DirectSnapshots({ store, storage, blocks, access, activity, committer: new EntryCommitter(blocks, deps.durability !== 'normal'), timeouts });
  const reads = new SnapshotReads(blocks, access, new EbsTokens(deps.masterKey, now));
  return { writes, reads, timeouts };
}

export function ebsService(deps: EbsDeps): ServiceDefinition {
  const model = loadServiceModel('ebs');
  const protocol = new RestJsonProtocol(model, { violationFields: () => ({ Reason: 'INVALID_PARAMETER_VALUE' }) });
  const { writes, reads } = ebsDomain(deps);
  return { id: 'ebs', model, protocol, handlers: ebsHandlers(writes, reads) as ServiceDefinition['handlers'], internalErrorCode: 'InternalServerException' };
}
