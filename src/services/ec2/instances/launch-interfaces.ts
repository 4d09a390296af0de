// A launch with PlannedInterfaces (launch-network.ts), inside its transaction: how many
// instances the subnets' free addresses hold (each instance takes, in each subnet, one address
// per new interface plus its secondaries), the addresses themselves (asked ones first, then the
// lowest free), and the rows: each instance's primary interface gets a row of its own
// (instance_primary, its address on the instance row, secondaries as address rows), each other
// new interface a row attached at its device index with all its addresses, and each existing
// interface an attachment (the store refuses one attached elsewhere meanwhile).
import type { NewInstanceRow, LaunchInterfaces } from '../../../store/repos/instances.js';
import type { Scope } from '../../../store/scope.js';
import { ec2Error } from '../ec2-errors.js';
import { intToIp } from '../networking/ipv4.js';
import { usableRange, type SubnetInfo } from '../networking/default-network.js';
import { derivedId, newId } from '../resource-ids.js';
import type { PlannedInterface } from './launch-network.js';

/** Each launched instance's interfaces' addresses, in device order: [primary, ...secondaries]. */
export type InterfaceAddresses = string[][];

const notEnough = (subnetId: string) => ec2Error('InsufficientFreeAddressesInSubnet', `There are not enough free addresses in subnet '${subnetId}' to satisfy the requested number of instances.`);

/** The subnets a launch's interfaces use besides `home` (the instance's). */
export function otherSubnets(interfaces: readonly PlannedInterface[], home: SubnetInfo): string[] {
  return [...new Set(interfaces.map((p) => p.existing?.subnet_id ?? p.subnet?.subnetId ?? home.subnetId))].filter((id) => id !== home.subnetId);
}

/** Addresses for as many instances as fit (MaxCount, at least MinCount): one InterfaceAddresses each. */
export function assignAddresses(interfaces: readonly PlannedInterface[], home: SubnetInfo, usedIn: Map<string, Set<string>>, minCount: number, maxCount: number): InterfaceAddresses[] {
  const subnetOf = (p: PlannedInterface) => p.subnet ?? home;
  const need = new Map<string, { subnet: SubnetInfo; n: number }>();
  for (const p of interfaces) {
    if (p.existing) continue;
    const subnet = subnetOf(p);
    const used = usedIn.get(subnet.subnetId)!;
    for (const ip of [...(p.privateIp ? [p.privateIp] : []), ...p.secondaryIps]) {
      if (used.has(ip)) throw ec2Error('InvalidIPAddress.InUse', `Address ${ip} is in use.`);
    }
    const entry = need.get(subnet.subnetId) ?? { subnet, n: 0 };
    entry.n += 1 + p.secondaryIps.length + p.secondaryCount;
    need.set(subnet.subnetId, entry);
  }
  let count = maxCount;
  for (const { subnet, n } of need.values()) {
    const free = usableRange(subnet.cidr).count - usedIn.get(subnet.subnetId)!.size;
    count = Math.min(count, Math.floor(free / n));
    if (count < minCount) throw notEnough(subnet.subnetId);
  }
  const cursors = new Map<string, number>();
  const take = (subnet: SubnetInfo, ip?: string): string => {
    const used = usedIn.get(subnet.subnetId)!;
    if (ip !== undefined) {
      used.add(ip);
      return ip;
    }
    const range = usableRange(subnet.cidr);
    for (let n = cursors.get(subnet.subnetId) ?? range.first; n <= range.last; n++) {
      const candidate = intToIp(n);
      if (used.has(candidate)) continue;
      used.add(candidate);
      cursors.set(subnet.subnetId, n + 1);
      return candidate;
    }
    throw notEnough(subnet.subnetId);
  };
  const out: InterfaceAddresses[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      interfaces.map((p) => {
        if (p.existing) return [p.existing.private_ip];
        const subnet = subnetOf(p);
        const primary = take(subnet, p.privateIp);
        return [primary, ...p.secondaryIps.map((ip) => take(subnet, ip)), ...Array.from({ length: p.secondaryCount }, () => take(subnet))];
      }),
    );
  }
  return out;
}

/** The interface rows, address rows and attachments of launched instances (same order as `addresses`). */
export function interfaceRows(caller: Scope, interfaces: readonly PlannedInterface[], home: SubnetInfo, instances: readonly NewInstanceRow[], addresses: readonly InterfaceAddresses[], now: string, mac: () => string): LaunchInterfaces {
  const out: LaunchInterfaces = { rows: [], addresses: [] , attach: [] };
  instances.forEach((instance, k) => {
    interfaces.forEach((p, j) => {
      const attachment = { instance_id: instance.instance_id, device_index: p.deviceIndex, attach_time: now, delete_on_termination: p.deleteOnTermination ? 1 : 0 };
      if (p.existing) {
        out.attach.push({ eniId: p.existing.eni_id, set: { ...attachment, attachment_id: newId('eni-attach'), ...(j === 0 ? { instance_primary: 1 } : {}) }, primary: j === 0 });
        return;
      }
      const subnet = p.subnet ?? home;
      const [primaryIp, ...secondaries] = addresses[k][j];
      const eniId = j === 0 ? instance.eni_id : newId('eni');
      out.rows.push({
        eni_id: eniId,
        account_id: caller.accountId,
        region: caller.region,
        subnet_id: subnet.subnetId,
        vpc_id: subnet.vpcId,
        availability_zone: subnet.zone.name,
        private_ip: primaryIp,
        mac_address: j === 0 ? instance.mac_address : mac(),
        description: p.description,
        source_dest_check: 1,
        groups: JSON.stringify(p.groupIds),
        instance_primary: j === 0 ? 1 : 0,
        ...attachment,
        // the primary's attachment is the one its instance answers with before it has a row
        attachment_id: j === 0 ? derivedId('eni-attach', caller, eniId) : newId('eni-attach'),
        created_at: now,
      });
      // an instance's primary address is its row's; every other address is an address row
      const held = j === 0 ? secondaries : [primaryIp, ...secondaries];
      out.addresses.push(...held.map((ip) => ({ eni_id: eniId, subnet_id: subnet.subnetId, private_ip: ip, is_primary: ip === primaryIp ? 1 : 0 })));
    });
  });
  return out;
}
