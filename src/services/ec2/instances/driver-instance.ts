// An instance as its driver sees it (src/compute/instance-driver.ts): type, boot mode, its
// network (addresses, the TCP ports its security groups open to the host), the volumes to boot
// (opened through VolumeService, so a VM, NBD and snapshots share one device), user data, and
// the instance metadata service's content and options built from the instance's records.
import type { DriverInstance } from '../../../compute/instance-driver.js';
import { buildMetadata } from '../../../compute/instance-metadata.js';
import { findZone } from '../../../config/regions.js';
import type { Store } from '../../../store/store.js';
import type { InstanceRow } from '../../../store/repos/instances.js';
import type { VolumeService } from '../volumes/volume-service.js';
import { DEFAULT_VPC_CIDR, defaultSubnets, privateDnsName } from '../networking/default-network.js';
import { intToIp, parseCidr } from '../networking/ipv4.js';
import { forwardedPorts } from '../networking/loopback-ingress.js';
import { typeFacts } from './instance-types.js';
import { groupsOf, specOf } from './instance-row.js';

export function driverInstance(deps: { store: Store; volumes: VolumeService }, row: InstanceRow): DriverInstance {
  const { store, volumes } = deps;
  const spec = specOf(row);
  const scope = { accountId: row.account_id, region: row.region };
  const facts = typeFacts(row.instance_type);
  // instances from before the VPC family: a default subnet of the default VPC
  const blocks = spec.network ?? { subnetCidr: defaultSubnets(scope).find((s) => s.subnetId === row.subnet_id)?.cidrBlock ?? DEFAULT_VPC_CIDR, vpcCidr: DEFAULT_VPC_CIDR };
  const subnet = parseCidr(blocks.subnetCidr)!;
  const vpc = parseCidr(blocks.vpcCidr)!;
  return {
    instanceId: row.instance_id,
    nodeId: row.node_id ?? undefined,
    accountId: row.account_id,
    region: row.region,
    availabilityZone: row.availability_zone,
    instanceType: { name: row.instance_type, vcpus: facts?.vcpus ?? spec.cpu.coreCount * spec.cpu.threadsPerCore, memoryMiB: facts?.memoryMiB ?? 1024 },
    architecture: row.architecture,
    bootMode: spec.currentBootMode,
    rootDeviceName: row.root_device_name,
    network: {
      macAddress: row.mac_address,
      privateIp: row.private_ip,
      gateway: intToIp(subnet.base + 1),
      dns: intToIp(vpc.base + 2),
      publicIp: row.public_ip ?? undefined,
    },
    // read again on each call: ModifyInstanceMetadataOptions applies to a running instance
    async metadataOptions() {
      const { metadata } = specOf((await store.instances.get(row.instance_id)) ?? row);
      return { httpEndpoint: metadata.httpEndpoint, httpTokens: metadata.httpTokens, hopLimit: metadata.hopLimit, instanceMetadataTags: metadata.instanceMetadataTags };
    },
    async openPorts() {
      const now = (await store.instances.get(row.instance_id)) ?? row;
      return forwardedPorts(await store.securityGroups.rules(scope, groupsOf(now)));
    },
    userData: row.user_data ? Buffer.from(row.user_data, 'base64') : undefined,
    async volumes() {
      const attachments = await store.instances.attachments([row.instance_id]);
      return attachments.map((a) => ({
        deviceName: a.device_name,
        volumeId: a.volume_id,
        open: async () => {
          const volume = await store.volumes.get(a.volume_id);
          if (!volume) throw new Error(`volume ${a.volume_id} is gone`);
          return volumes.openDevice(volume);
        },
      }));
    },
    async metadata() {
      const [attachments, groups, key, tags] = await Promise.all([
        store.instances.attachments([row.instance_id]),
        store.securityGroups.list(scope),
        row.key_name ? store.keyPairs.byName(scope, row.key_name) : undefined,
        store.tags.forResources(scope, [row.instance_id]),
      ]);
      const ids = groupsOf(row);
      const devices: Record<string, string> = { ami: row.root_device_name, root: row.root_device_name };
      attachments.filter((a) => a.device_name !== row.root_device_name).forEach((a, i) => (devices[`ebs${i + 1}`] = a.device_name));
      for (const s of spec.instanceStore) devices[s.virtualName] = s.deviceName;
      return buildMetadata({
        instanceId: row.instance_id,
        accountId: row.account_id,
        region: row.region,
        availabilityZone: row.availability_zone,
        availabilityZoneId: findZone(row.availability_zone)?.zone.id,
        imageId: row.image_id,
        instanceType: row.instance_type,
        architecture: row.architecture,
        launchIndex: row.launch_index,
        reservationId: row.reservation_id,
        launchTime: row.launch_time,
        privateIp: row.private_ip,
        privateDnsName: privateDnsName(row.region, row.private_ip),
        macAddress: row.mac_address,
        interfaceId: row.eni_id,
        subnetId: row.subnet_id,
        vpcId: row.vpc_id,
        subnetCidr: blocks.subnetCidr,
        vpcCidr: blocks.vpcCidr,
        securityGroups: groups.filter((g) => ids.includes(g.group_id)).map((g) => ({ id: g.group_id, name: g.group_name })),
        blockDevices: devices,
        publicKeys: key ? [{ name: key.key_name, openssh: `${key.public_key} ${key.key_name}` }] : [],
        tags: spec.metadata.instanceMetadataTags === 'enabled' ? Object.fromEntries((tags.get(row.instance_id) ?? []).map((t) => [t.Key, t.Value])) : undefined,
        userData: row.user_data ? Buffer.from(row.user_data, 'base64') : undefined,
      });
    },
  };
}
