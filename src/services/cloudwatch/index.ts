// CloudWatch (credential scope `monitoring`): metrics (metrics/) and alarms (alarms/). The JS SDK
// speaks awsJson1.0 with awsQueryCompatible errors; the aws CLI speaks Smithy RPCv2 CBOR (botocore
// ≥ 1.42) or awsQuery (older, Debian's): the service answers each in the protocol it was asked in.
import { loadServiceModel } from '../../protocol/model.js';
import { cloudWatchProtocol } from './cloudwatch-protocol.js';
import type { ServiceDefinition } from '../../protocol/dispatch.js';
import type { JobRunner } from '../../jobs/job-runner.js';
import type { Logger } from '../../logger.js';
import type { Store } from '../../store/store.js';
import type { MetricStore } from './metrics/metric-store.js';
import { MetricService } from './metrics/metric-service.js';
import { metricExpiry } from './metrics/metric-expiry.js';
import { cloudWatchHandlers } from './handlers.js';
import { AlarmActions } from './alarms/alarm-actions.js';
import { alarmEvaluator } from './alarms/alarm-evaluator.js';
import type { AlarmPort } from './alarms/alarm-port.js';
import { AlarmService } from './alarms/alarm-service.js';
import { registerBuiltInTargets, type InstanceActions } from './alarms/alarm-targets.js';

export interface CloudWatchDeps {
  store: Store;
  jobs: JobRunner;
  log?: Logger;
  now?: () => Date;
  /** EC2 alarm actions (stop, terminate, reboot, recover) on an instance */
  instanceActions?: InstanceActions;
  /** evaluate alarms this often instead of AWS's cadence (tests and demos) */
  alarmEvaluationIntervalMs?: number;
  /** a Period under 10 s (1 or 5) that alarms may use too: target tracking's under a shortened metrics period (a demo/test knob) */
  extraAlarmPeriodSeconds?: number;
}

/** The metrics domain (usable without the wire) and the service definition. */
export function createCloudWatch(deps: CloudWatchDeps): { metrics: MetricStore; alarms: AlarmPort; alarmActions: AlarmActions; service: ServiceDefinition } {
  const clock = deps.now ?? (() => new Date());
  const expiry = metricExpiry(deps.jobs, () => deps.store.cwMetrics, deps.log, clock);
  const metrics = new MetricService(deps.store, clock, expiry.ensure);
  expiry.ensure();
  const model = loadServiceModel('cloudwatch');
  // alarms: evaluated by a durable job each; actions go to the targets registered by ARN prefix
  const alarmActions = new AlarmActions();
  registerBuiltInTargets(alarmActions, deps.instanceActions);
  const evaluator = alarmEvaluator({ jobs: deps.jobs, store: deps.store, metrics, service: () => alarms, intervalMs: deps.alarmEvaluationIntervalMs, now: deps.now, log: deps.log });
  const alarms = new AlarmService({ store: deps.store, jobs: deps.jobs, actions: alarmActions, kick: evaluator.kick, extraPeriodSeconds: deps.extraAlarmPeriodSeconds, now: deps.now, log: deps.log });
  const handlers = cloudWatchHandlers({ metrics, alarms });
  return {
    metrics,
    alarms: alarms.port(),
    alarmActions,
    service: {
      id: 'cloudwatch',
      model,
      protocol: cloudWatchProtocol(model),
      handlers: handlers as ServiceDefinition['handlers'],
      internalErrorCode: 'InternalServiceError',
    },
  };
}
