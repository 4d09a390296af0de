// Compute as domain services: the default network and security groups, key pairs, and
// instances run by a driver (`none` or `qemu`; see src/compute/). Built once by the composition
// root; shared by the EC2 handlers, launch templates and Auto Scaling.
import type { BlockStorage } from '../../blocks/block-storage.js';
import type { InstanceDriver } from '../../compute/instance-driver.js';
import { NoneDriver } from '../../compute/none-driver.js';
import type { JobRunner } from '../../jobs/job-runner.js';
import type { Store } from '../../store/store.js';
import type { KmsService } from '../kms/kms-service.js';
import type { StorageDomain } from './storage-domain.js';
import type { ImageService } from './images/image-service.js';
import { NetworkService } from './networking/network-service.js';
import { KeyPairService } from './key-pairs/key-pair-service.js';
import { InstanceService } from './instances/instance-service.js';
import type { Taggable } from './tags/taggable.js';
import type { ImageReferences } from './images/image-references.js';
import { PublicAddressPool } from './networking/public-addresses.js';
import { ImageFromInstance } from './images/image-from-instance.js';
import { ProfileAssociations } from './instance-profiles/profile-associations.js';
import { ElasticIpService } from './networking/elastic-ips.js';

export interface ComputeDomainDeps {
  store: Store;
  kms: KmsService;
  blocks: BlockStorage;
  jobs: JobRunner;
  storage: StorageDomain;
  images: ImageService;
  settleMs: number;
  /** how long terminated instances stay visible (default 1 h) */
  terminatedVisibleMs?: number;
  driver?: InstanceDriver;
  /** public addresses of running instances (default 127.100.0.0/16) */
  addresses?: PublicAddressPool;
  /** DescribeImageReferences' registry: instances register as `ec2:Instance` */
  references?: ImageReferences;
  /** this node, when the driver runs VMs here (instances are placed on it: see the lifecycle) */
  node?: string;
}

export interface ComputeDomain {
  network: NetworkService;
  /** Elastic IP addresses (over the instances: an associated address is the instance's public one) */
  addresses: ElasticIpService;
  keyPairs: KeyPairService;
  instances: InstanceService;
  /** the instances' IAM instance profile associations */
  profiles: ProfileAssociations;
  /** CreateImage: images own it, over what the instances service says of an instance */
  imageFromInstance: ImageFromInstance;
  driver: InstanceDriver;
  taggables: Taggable[];
}

export function createComputeDomain(deps: ComputeDomainDeps): ComputeDomain {
  const driver = deps.driver ?? new NoneDriver();
  const network = new NetworkService(deps.store, driver.publicNetwork, deps.settleMs);
  const keyPairs = new KeyPairService(deps.store);
  const pool = deps.addresses ?? new PublicAddressPool();
  const instances = new InstanceService({ ...deps, network, keyPairs, driver, addresses: pool, terminatedVisibleMs: deps.terminatedVisibleMs ?? 3600_000 });
  const addresses = new ElasticIpService(deps.store, network.vpcs, pool, (ids) => instances.addressesChanged(ids));
  deps.references?.register('ec2:Instance', async (caller, imageIds, options) =>
    (await instances.launchedFrom(caller, imageIds, options.stateNames)).map((i) => ({ imageId: i.imageId, arn: `arn:aws:ec2:${caller.region}:${caller.accountId}:instance/${i.instanceId}` })),
  );
  const imageFromInstance = new ImageFromInstance({ store: deps.store, images: deps.images, snapshots: deps.storage.snapshots, instances: (caller, id) => instances.imageSource(caller, id) });
  const profiles = new ProfileAssociations({ store: deps.store, owned: (caller, ids) => instances.lifecycle.owned(caller, ids) });
  return { network, addresses, keyPairs, instances, profiles, imageFromInstance, driver, taggables: [...network.taggables, addresses.taggable, keyPairs.taggable, instances.taggable] };
}
