// MetricStore over the metadata store (store/repos/metrics.ts). Being built: every method answers
// NotImplemented until the storage lands.
import { ServiceError } from '../../../protocol/service-error.js';
import type { Scope } from '../../../store/scope.js';
import type { Store } from '../../../store/store.js';
import type { Datapoint, MetricDataRequest, MetricDataResponse, MetricDatum, MetricFilter, MetricIdentity, MetricStore, StatisticsQuery } from './metric-store.js';

const notYet = () => new ServiceError('NotImplemented', 'CloudWatch metric storage is not implemented yet.', 501);

export class MetricService implements MetricStore {
  constructor(private readonly store: Store) {}

  async put(_scope: Scope, _data: MetricDatum[]): Promise<void> {
    void this.store;
    throw notYet();
  }

  async statistics(_scope: Scope, _query: StatisticsQuery): Promise<Datapoint[]> {
    throw notYet();
  }

  async metricData(_scope: Scope, _request: MetricDataRequest): Promise<MetricDataResponse> {
    throw notYet();
  }

  async list(_scope: Scope, _filter: MetricFilter, _nextToken?: string): Promise<{ metrics: MetricIdentity[]; nextToken?: string }> {
    throw notYet();
  }
}
