// Detailed monitoring (MonitorInstances, UnmonitorInstances, RunInstances' Monitoring.Enabled, a
// launch template's Monitoring): an instance's metrics go to CloudWatch every minute instead of
// every five (services/ec2/monitoring/). The switch is `spec.monitoring`; a change reports
// `pending` (on) or `disabling` (off) in DescribeInstances until `monitoringSettlesAt`, then
// `enabled` / `disabled`, as AWS reports a change while it takes effect.
import type { InstanceMonitoring, Monitoring } from '../../../api/ec2/types.js';
import type { Store } from '../../../store/store.js';
import type { InstanceRow } from '../../../store/repos/instances.js';
import { ec2Error } from '../ec2-errors.js';
import { specOf, type InstanceSpec } from './instance-row.js';

export function monitoringOut(spec: Readonly<InstanceSpec>, now = Date.now()): Monitoring {
  const settling = spec.monitoringSettlesAt !== undefined && Date.parse(spec.monitoringSettlesAt) > now;
  return { State: spec.monitoring ? (settling ? 'pending' : 'enabled') : settling ? 'disabling' : 'disabled' };
}

/** Turns detailed monitoring on or off for instances that can be monitored (not shutting down or gone). */
export async function setMonitoring(store: Store, rows: readonly InstanceRow[], enabled: boolean, settleMs: number, checkpoint: () => void): Promise<InstanceMonitoring[]> {
  for (const row of rows) {
    if (row.state === 'shutting-down' || row.state === 'terminated') {
      throw ec2Error('IncorrectInstanceState', `The instance '${row.instance_id}' is not in a state from which its monitoring can be ${enabled ? 'enabled' : 'disabled'}.`);
    }
  }
  checkpoint();
  const settlesAt = new Date(Date.now() + Math.max(settleMs, 1)).toISOString();
  const out: InstanceMonitoring[] = [];
  await store.transaction(async (repos) => {
    for (const row of rows) {
      const spec = specOf(row);
      const changed = spec.monitoring !== enabled;
      const next: InstanceSpec = changed ? { ...spec, monitoring: enabled, monitoringSettlesAt: settlesAt } : spec;
      if (changed) await repos.instances.update(row.instance_id, { spec: JSON.stringify(next) });
      out.push({ InstanceId: row.instance_id, Monitoring: monitoringOut(next) });
    }
  });
  return out;
}
