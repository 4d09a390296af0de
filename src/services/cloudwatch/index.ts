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

export interface CloudWatchDeps {
  store: Store;
  jobs: JobRunner;
  log?: Logger;
  now?: () => Date;
}

/** The metrics domain (usable without the wire) and the service definition. */
export function createCloudWatch(deps: CloudWatchDeps): { metrics: MetricStore; service: ServiceDefinition } {
  const clock = deps.now ?? (() => new Date());
  const expiry = metricExpiry(deps.jobs, () => deps.store.cwMetrics, deps.log, clock);
  const metrics = new MetricService(deps.store, clock, expiry.ensure);
  expiry.ensure();
  const model = loadServiceModel('cloudwatch');
  const handlers = cloudWatchHandlers({ metrics });
  return {
    metrics,
    service: {
      id: 'cloudwatch',
      model,
      protocol: cloudWatchProtocol(model),
      handlers: handlers as ServiceDefinition['handlers'],
      internalErrorCode: 'InternalServiceError',
    },
  };
}
