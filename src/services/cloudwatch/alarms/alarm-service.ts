// CloudWatch alarms: PutMetricAlarm, PutCompositeAlarm, DescribeAlarms(+ForMetric),
// DescribeAlarmHistory, DeleteAlarms, SetAlarmState, Enable/DisableAlarmActions and the alarms'
// tags, in domain terms (alarm-handlers.ts maps the wire). Every state change goes through
// `transition`: the new state is written only over the state it was computed from, with its
// StateUpdate history item in the same transaction — and, when the alarm's actions are
// enabled, a durable job that runs the new state's actions (so a crash right after the change
// still runs them), each leaving an Action history item.
// A new alarm starts INSUFFICIENT_DATA ("Unchecked: Initial alarm creation") and is evaluated
// at once; an updated one keeps its state (AWS: "the update completely overwrites the previous
// configuration" but not the state).
import { JobRunner } from '../../../jobs/job-runner.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { CloudwatchAlarmRow } from '../../../store/repos/cloudwatch-alarms.js';
import { decodePageToken, encodePageToken } from '../../page-tokens.js';
import { invalidNextToken, resourceNotFound } from '../cloudwatch-errors.js';
import { dimensionKey } from '../metrics/metric-names.js';
import type { AlarmActions, AlarmActionEvent } from './alarm-actions.js';
import { awsJsonTime } from './alarm-evaluation.js';
import { invalidFormat, resourceNotFoundException, validationError } from './alarm-errors.js';
import { alarmArn, type AlarmCommon, type AlarmDimension, type AlarmState, type AlarmStatus, type CompositeAlarmDefinition, type MetricAlarmDefinition } from './alarm-model.js';
import { parseRule, ruleAlarms, RuleSyntaxError } from './alarm-rule.js';
import { checkConstraint, checkLength, checkMaxRecords, checkNames, validateActions, validateMetricAlarm } from './alarm-validation.js';
import type { AlarmPort, ManagedAlarmView } from './alarm-port.js';

export type AlarmType = 'MetricAlarm' | 'CompositeAlarm';
type Tag = { key: string; value: string };

export interface AlarmRecord {
  type: AlarmType;
  name: string;
  arn: string;
  /** without name and tags */
  metric?: MetricAlarmDefinition;
  composite?: CompositeAlarmDefinition;
  actionsEnabled: boolean;
  status: AlarmStatus;
  configUpdatedAt: Date;
  tags: Tag[];
}

export interface DescribeAlarmsQuery {
  names?: string[];
  prefix?: string;
  state?: AlarmState;
  actionPrefix?: string;
  /** default MetricAlarm only, as AWS */
  types?: AlarmType[];
  childrenOf?: string;
  parentsOf?: string;
  maxRecords?: number;
  nextToken?: string;
}

export interface ForMetricQuery {
  namespace: string;
  metricName: string;
  dimensions?: AlarmDimension[];
  statistic?: string;
  extendedStatistic?: string;
  period?: number;
  unit?: string;
}

export type HistoryItemType = 'ConfigurationUpdate' | 'StateUpdate' | 'Action';

export interface HistoryQuery {
  alarmName?: string;
  types?: AlarmType[];
  itemType?: HistoryItemType;
  start?: Date;
  end?: Date;
  maxRecords?: number;
  nextToken?: string;
  scanBy?: 'TimestampDescending' | 'TimestampAscending';
}

export interface HistoryItem {
  alarmName: string;
  alarmType: AlarmType;
  timestamp: Date;
  itemType: HistoryItemType;
  summary: string;
  data: string;
}

/** A computed next state, to be written over the state read at `readAt`. */
export interface StateChange {
  state: AlarmState;
  reason: string;
  reasonData?: string;
}

export interface AlarmServiceDeps {
  store: Store;
  actions: AlarmActions;
  /** asks for an evaluation of the alarm soon (alarm-evaluator.ts) */
  kick: (scope: Scope, name: string) => void;
  /** a state change's actions become a durable job written with the change (else they run inline) */
  jobs?: JobRunner;
  /** a period under 10 s alarms may also use: the server's shortened metrics period (a demo/test knob) */
  extraPeriodSeconds?: number;
  now?: () => Date;
  log?: { warn(msg: string, fields?: Record<string, unknown>): void };
}

const INITIAL_REASON = 'Unchecked: Initial alarm creation';
export const ALARM_ACTIONS_JOB = 'cloudwatch.alarm-actions';

/** A state change's actions to run: the alarm as the change left it, and the state before. */
interface ActionsPayload {
  accountId: string;
  region: string;
  row: CloudwatchAlarmRow;
  previous: AlarmState;
}
const notFound = () => resourceNotFound('The named resource does not exist.');

export class AlarmService {
  private readonly now: () => Date;

  constructor(private readonly deps: AlarmServiceDeps) {
    this.now = deps.now ?? (() => new Date());
    deps.jobs?.register(ALARM_ACTIONS_JOB, async (payload) => {
      const { accountId, region, row, previous } = payload as ActionsPayload;
      await this.act({ accountId, region }, row, previous, false);
      return 'done';
    });
  }

  // ---- configuration

  async putMetricAlarm(scope: Scope, def: MetricAlarmDefinition): Promise<{ arn: string }> {
    validateMetricAlarm(def, scope.region, this.deps.extraPeriodSeconds);
    const { name, tags, ...rest } = def;
    return this.put(scope, 'MetricAlarm', name, rest, tags, def.metrics?.length ? undefined : { namespace: def.namespace!, metricName: def.metricName! });
  }

  async putCompositeAlarm(scope: Scope, def: CompositeAlarmDefinition): Promise<{ arn: string }> {
    checkNames(def);
    checkLength(def.alarmRule, 'alarmRule', 1, 10240);
    if (def.actionsSuppressor !== undefined) throw validationError('ActionsSuppressor is not supported by this server.');
    validateActions(def, scope.region);
    for (const arn of [...(def.alarmActions ?? []), ...(def.okActions ?? []), ...(def.insufficientDataActions ?? [])]) {
      if (/^arn:aws[a-z-]*:(automate|autoscaling):/.test(arn)) throw validationError(`Composite alarms cannot have EC2 or Auto Scaling actions: ${arn}`);
    }
    let children: string[];
    try {
      children = ruleAlarms(parseRule(def.alarmRule));
    } catch (e) {
      if (e instanceof RuleSyntaxError) throw validationError(`Invalid AlarmRule: ${e.message}`);
      throw e;
    }
    if (children.includes(def.name)) throw validationError('A composite alarm cannot refer to itself in its AlarmRule.');
    for (const child of children) if (!(await this.deps.store.cloudwatchAlarms.get(scope, child))) throw validationError(`Could not save the composite alarm as alarms [${child}] in the alarm rule do not exist`);
    const { name, tags, ...rest } = def;
    return this.put(scope, 'CompositeAlarm', name, rest, tags, undefined);
  }

  private async put(scope: Scope, type: AlarmType, name: string, definition: object, tags: Tag[] | undefined, metric: { namespace: string; metricName: string } | undefined): Promise<{ arn: string }> {
    const now = this.now();
    const at = now.toISOString();
    const arn = alarmArn(scope.region, scope.accountId, name);
    const actionsEnabled = (definition as AlarmCommon).actionsEnabled ?? true;
    const config = { alarm_type: type, definition: JSON.stringify(definition), actions_enabled: actionsEnabled ? 1 : 0, namespace: metric?.namespace ?? null, metric_name: metric?.metricName ?? null, config_updated_at: at };
    await this.deps.store.transaction(async (tx) => {
      const old = await tx.cloudwatchAlarms.get(scope, name);
      if (old && old.alarm_type !== type) throw validationError(`An alarm named ${name} of another type already exists.`);
      const described = { alarmName: name, alarmArn: arn, alarmConfigurationUpdatedTimestamp: awsJsonTime(now), ...definition, actionsEnabled };
      if (old) {
        // AWS: tags given when updating an existing alarm are ignored
        await tx.cloudwatchAlarms.updateConfig(scope, name, { ...config, tags: old.tags });
        const before = { ...(JSON.parse(old.definition) as object), actionsEnabled: old.actions_enabled === 1 };
        const changed = Object.fromEntries(Object.entries(before).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify((described as Record<string, unknown>)[k])));
        await tx.cloudwatchAlarms.addHistory(historyRow(scope, name, type, now, 'ConfigurationUpdate', `Alarm "${name}" updated`, { version: '1.0', type: 'Update', originalUpdatedFields: changed, updatedAlarm: described }));
      } else {
        await tx.cloudwatchAlarms.insert({
          account_id: scope.accountId,
          region: scope.region,
          name,
          ...config,
          state_value: 'INSUFFICIENT_DATA',
          state_reason: INITIAL_REASON,
          state_reason_data: null,
          state_updated_at: at,
          state_transitioned_at: at,
          tags: JSON.stringify(tags ?? []),
        });
        await tx.cloudwatchAlarms.addHistory(historyRow(scope, name, type, now, 'ConfigurationUpdate', `Alarm "${name}" created`, { version: '1.0', type: 'Create', createdAlarm: { ...described, stateValue: 'INSUFFICIENT_DATA' } }));
      }
    });
    this.deps.kick(scope, name);
    return { arn };
  }

  async deleteAlarms(scope: Scope, names: readonly string[]): Promise<void> {
    const rows = await this.deps.store.cloudwatchAlarms.list(scope, { names });
    const deleting = new Set(rows.map((r) => r.name));
    // an alarm a remaining composite alarm's rule names cannot go (AWS: nothing is deleted)
    for (const parent of await this.deps.store.cloudwatchAlarms.list(scope, { types: ['CompositeAlarm'] })) {
      if (deleting.has(parent.name)) continue;
      const rule = (JSON.parse(parent.definition) as CompositeAlarmDefinition).alarmRule;
      const child = ruleAlarms(parseRule(rule)).find((c) => deleting.has(c));
      if (child) throw validationError(`Cannot delete ${child} as there are composite alarm(s) depending on it.`);
    }
    const now = this.now();
    await this.deps.store.transaction(async (tx) => {
      await tx.cloudwatchAlarms.delete(scope, [...deleting]);
      for (const r of rows) await tx.cloudwatchAlarms.addHistory(historyRow(scope, r.name, r.alarm_type as AlarmType, now, 'ConfigurationUpdate', `Alarm "${r.name}" deleted`, { version: '1.0', type: 'Delete', deletedAlarm: { alarmName: r.name, alarmArn: alarmArn(scope.region, scope.accountId, r.name) } }));
    });
  }

  async setActionsEnabled(scope: Scope, names: readonly string[], enabled: boolean): Promise<void> {
    for (const row of await this.deps.store.cloudwatchAlarms.list(scope, { names })) {
      await this.deps.store.cloudwatchAlarms.setFields(scope, row.name, { actions_enabled: enabled ? 1 : 0 });
    }
  }

  /** SetAlarmState: the state until the next evaluation; its actions run as for any change. */
  async setAlarmState(scope: Scope, name: string, change: StateChange): Promise<void> {
    checkLength(change.reason, 'stateReason', 0, 1023);
    checkLength(change.reasonData, 'stateReasonData', 0, 4000);
    if (change.reasonData !== undefined) {
      try {
        JSON.parse(change.reasonData);
      } catch {
        throw invalidFormat('The StateReasonData parameter is not valid JSON.');
      }
    }
    const row = await this.deps.store.cloudwatchAlarms.get(scope, name);
    if (!row) throw notFound();
    await this.transition(scope, row, change);
    // AWS: a metric alarm "returns to its actual state quickly, often within seconds"; a composite
    // one only when a child changes state or its configuration is updated
    if (row.alarm_type === 'MetricAlarm') this.deps.kick(scope, name);
  }

  // ---- reads

  async get(scope: Scope, name: string): Promise<AlarmRecord | undefined> {
    const row = await this.deps.store.cloudwatchAlarms.get(scope, name);
    return row && toRecord(row);
  }

  async describeAlarms(scope: Scope, q: DescribeAlarmsQuery): Promise<{ alarms: AlarmRecord[]; nextToken?: string }> {
    checkMaxRecords(q.maxRecords);
    checkConstraint((q.names?.length ?? 0) <= 100, q.names?.length, 'alarmNames', 'have length less than or equal to 100');
    const family = q.childrenOf !== undefined || q.parentsOf !== undefined;
    if (family && (q.names?.length || q.prefix !== undefined || q.state !== undefined || q.actionPrefix !== undefined || q.types?.length || (q.childrenOf !== undefined && q.parentsOf !== undefined))) {
      throw validationError('If you specify ChildrenOfAlarmName or ParentsOfAlarmName, you cannot specify any other parameters in the request except for MaxRecords and NextToken.');
    }
    // the children or parents of an alarm: metric and composite alarms alike
    const types = family ? (['MetricAlarm', 'CompositeAlarm'] as AlarmType[]) : q.types?.length ? q.types : (['MetricAlarm'] as AlarmType[]);
    const binding = { op: 'DescribeAlarms', account: scope.accountId, region: scope.region, q: { ...q, nextToken: undefined } };
    const after = q.nextToken === undefined ? undefined : decodePageToken(binding, q.nextToken);
    if (q.nextToken !== undefined && after === undefined) throw invalidNextToken();
    let rows = await this.deps.store.cloudwatchAlarms.list(scope, { names: q.names, prefix: q.prefix, state: q.state, types });
    if (q.actionPrefix) rows = rows.filter((r) => actionsOf(r).some((a) => a.startsWith(q.actionPrefix!)));
    if (q.childrenOf !== undefined) {
      const parent = await this.deps.store.cloudwatchAlarms.get(scope, q.childrenOf);
      const children = new Set(parent?.alarm_type === 'CompositeAlarm' ? ruleAlarms(parseRule((JSON.parse(parent.definition) as CompositeAlarmDefinition).alarmRule)) : []);
      rows = rows.filter((r) => children.has(r.name));
    }
    if (q.parentsOf !== undefined) rows = rows.filter((r) => r.alarm_type === 'CompositeAlarm' && ruleAlarms(parseRule((JSON.parse(r.definition) as CompositeAlarmDefinition).alarmRule)).includes(q.parentsOf!));
    if (after !== undefined) rows = rows.filter((r) => r.name > after);
    const max = q.maxRecords ?? 50;
    const page = rows.slice(0, max);
    return { alarms: page.map(toRecord), nextToken: rows.length > max ? encodePageToken(binding, page[page.length - 1]!.name) : undefined };
  }

  async describeAlarmsForMetric(scope: Scope, q: ForMetricQuery): Promise<AlarmRecord[]> {
    const rows = await this.deps.store.cloudwatchAlarms.list(scope, { types: ['MetricAlarm'], namespace: q.namespace, metricName: q.metricName });
    return rows.map(toRecord).filter((a) => {
      const m = a.metric!;
      if (q.dimensions && dimensionKey(q.dimensions) !== dimensionKey(m.dimensions ?? [])) return false;
      if (q.statistic !== undefined && m.statistic !== q.statistic) return false;
      if (q.extendedStatistic !== undefined && m.extendedStatistic !== q.extendedStatistic) return false;
      if (q.period !== undefined && m.period !== q.period) return false;
      if (q.unit !== undefined && m.unit !== q.unit) return false;
      return true;
    });
  }

  async describeHistory(scope: Scope, q: HistoryQuery): Promise<{ items: HistoryItem[]; nextToken?: string }> {
    checkMaxRecords(q.maxRecords);
    const newestFirst = (q.scanBy ?? 'TimestampDescending') === 'TimestampDescending';
    const binding = { op: 'DescribeAlarmHistory', account: scope.accountId, region: scope.region, q: { ...q, nextToken: undefined } };
    let after: { at: number; seq: number } | undefined;
    if (q.nextToken !== undefined) {
      const pos = decodePageToken(binding, q.nextToken);
      if (pos === undefined) throw invalidNextToken();
      const [at, seq] = pos.split(':').map(Number);
      after = { at: at!, seq: seq! };
    }
    const max = q.maxRecords ?? 100;
    const rows = await this.deps.store.cloudwatchAlarms.history(scope, {
      alarmName: q.alarmName,
      itemType: q.itemType,
      types: q.types?.length ? q.types : ['MetricAlarm'],
      from: q.start?.getTime(),
      to: q.end?.getTime(),
      newestFirst,
      after,
      limit: max + 1,
    });
    const page = rows.slice(0, max);
    const last = page[page.length - 1];
    return {
      items: page.map((r) => ({ alarmName: r.alarm_name, alarmType: r.alarm_type as AlarmType, timestamp: new Date(r.at), itemType: r.item_type as HistoryItemType, summary: r.summary, data: r.data })),
      nextToken: rows.length > max && last ? encodePageToken(binding, `${last.at}:${last.seq}`) : undefined,
    };
  }

  // ---- tags (alarm ARNs)

  private async byArn(scope: Scope, arn: string): Promise<CloudwatchAlarmRow> {
    const prefix = `arn:aws:cloudwatch:${scope.region}:${scope.accountId}:alarm:`;
    const row = arn.startsWith(prefix) ? await this.deps.store.cloudwatchAlarms.get(scope, arn.slice(prefix.length)) : undefined;
    if (!row) throw resourceNotFoundException(`${arn} not found`);
    return row;
  }

  async listTags(scope: Scope, arn: string): Promise<Tag[]> {
    return JSON.parse((await this.byArn(scope, arn)).tags) as Tag[];
  }

  async tagResource(scope: Scope, arn: string, tags: Tag[]): Promise<void> {
    const row = await this.byArn(scope, arn);
    const merged = new Map((JSON.parse(row.tags) as Tag[]).map((t) => [t.key, t.value]));
    for (const t of tags) merged.set(t.key, t.value);
    if (merged.size > 50) throw validationError('The number of tags on a resource cannot exceed 50.');
    await this.deps.store.cloudwatchAlarms.setFields(scope, row.name, { tags: JSON.stringify([...merged].map(([key, value]) => ({ key, value }))) });
  }

  async untagResource(scope: Scope, arn: string, keys: string[]): Promise<void> {
    const row = await this.byArn(scope, arn);
    const kept = (JSON.parse(row.tags) as Tag[]).filter((t) => !keys.includes(t.key));
    await this.deps.store.cloudwatchAlarms.setFields(scope, row.name, { tags: JSON.stringify(kept) });
  }

  // ---- the port (alarm-port.ts)

  /** The in-process API for alarms other services manage (no IAM; the same validation and history). */
  port(): AlarmPort {
    return {
      putMetricAlarm: (scope, definition) => this.putMetricAlarm(scope, definition),
      deleteAlarms: (scope, names) => this.deleteAlarms(scope, names),
      describeAlarms: async (scope, names) => (await this.deps.store.cloudwatchAlarms.list(scope, { names })).map(managedView),
      alarmsWithAction: async (scope, actionArn) => (await this.deps.store.cloudwatchAlarms.list(scope, { types: ['MetricAlarm', 'CompositeAlarm'] })).filter((r) => actionsOf(r).includes(actionArn)).map(managedView),
    };
  }

  // ---- state changes and actions

  /**
   * Writes `change` over the state `row` holds (nothing if someone changed it since) with its
   * history item, then runs the new state's actions. False when the write lost the race.
   */
  async transition(scope: Scope, row: CloudwatchAlarmRow, change: StateChange): Promise<boolean> {
    const now = this.now();
    const at = now.toISOString();
    const type = row.alarm_type as AlarmType;
    const previous = row.state_value as AlarmState;
    const changed = previous !== change.state;
    const after: CloudwatchAlarmRow = { ...row, state_value: change.state, state_reason: change.reason, state_reason_data: change.reasonData ?? null, state_updated_at: at };
    // the actions are written with the change, so a crash right after it still runs them
    const actionsJob = changed && this.deps.jobs && actionsOf(after, change.state).length > 0 && row.actions_enabled === 1 ? JobRunner.row(ALARM_ACTIONS_JOB, { accountId: scope.accountId, region: scope.region, row: after, previous } satisfies ActionsPayload) : undefined;
    const written = await this.deps.store.transaction(async (tx) => {
      const ok = await tx.cloudwatchAlarms.setState(scope, row.name, row, {
        state_value: change.state,
        state_reason: change.reason,
        state_reason_data: change.reasonData ?? null,
        state_updated_at: at,
        state_transitioned_at: changed ? at : row.state_transitioned_at,
      });
      if (!ok) return false;
      const newState: Record<string, unknown> = { stateValue: change.state, stateReason: change.reason };
      if (change.reasonData !== undefined) newState.stateReasonData = JSON.parse(change.reasonData);
      await tx.cloudwatchAlarms.addHistory(
        historyRow(scope, row.name, type, now, 'StateUpdate', `Alarm updated from ${previous} to ${change.state}`, {
          version: '1.0',
          oldState: { stateValue: previous, stateReason: row.state_reason, ...(row.state_reason_data ? { stateReasonData: JSON.parse(row.state_reason_data) as unknown } : {}) },
          newState,
        }),
      );
      if (actionsJob) await tx.jobs.insert(actionsJob);
      return true;
    });
    if (!written) return false;
    if (changed) {
      if (actionsJob) this.deps.jobs!.notify();
      else if (!this.deps.jobs) await this.act(scope, after, previous, false);
      await this.kickParents(scope, row.name);
    }
    return true;
  }

  /** Runs the actions of the alarm's current state: all of them on a change, the repeating ones (Auto Scaling) when `repeat`. */
  async act(scope: Scope, row: CloudwatchAlarmRow, previous: AlarmState, repeat: boolean, latest?: StateChange): Promise<void> {
    if (row.actions_enabled !== 1) return;
    const def = JSON.parse(row.definition) as AlarmCommon;
    const state = row.state_value as AlarmState;
    const list = actionsOf(row, state);
    const event: AlarmActionEvent = {
      name: row.name,
      arn: alarmArn(scope.region, scope.accountId, row.name),
      state,
      previousState: previous,
      // a repeat carries the evaluation that found the state holding (its current datapoints)
      reason: latest?.reason ?? row.state_reason,
      reasonData: latest?.reasonData ?? row.state_reason_data ?? undefined,
      stateUpdatedAt: new Date(row.state_updated_at),
      repeat,
      dimensions: (def as MetricAlarmDefinition).dimensions,
    };
    for (const action of list) {
      const target = this.deps.actions.targetFor(action);
      if (repeat && !target?.repeatWhileInState) continue;
      let summary: string;
      let data: Record<string, unknown>;
      const stamp = Date.parse(row.state_updated_at);
      if (!target) {
        summary = `Failed to execute action ${action}. Received error: "no target for this action in this server"`;
        data = { actionState: 'Failed', stateUpdateTimestamp: stamp, error: 'no target for this action in this server' };
      } else {
        try {
          const said = await target.invoke(scope, action, event);
          summary = said || `Successfully executed action ${action}`;
          data = { actionState: 'Succeeded', stateUpdateTimestamp: stamp };
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          summary = `Failed to execute action ${action}. Received error: "${message}"`;
          data = { actionState: 'Failed', stateUpdateTimestamp: stamp, error: message };
          this.deps.log?.warn('alarm action failed', { alarm: row.name, action, err: message });
        }
      }
      await this.deps.store.cloudwatchAlarms.addHistory(historyRow(scope, row.name, row.alarm_type as AlarmType, this.now(), 'Action', summary, { version: '1.0', ...data, action }));
    }
  }

  /** Composite alarms whose rule names `child` are evaluated again soon. */
  private async kickParents(scope: Scope, child: string): Promise<void> {
    for (const parent of await this.deps.store.cloudwatchAlarms.list(scope, { types: ['CompositeAlarm'] })) {
      const rule = (JSON.parse(parent.definition) as CompositeAlarmDefinition).alarmRule;
      if (ruleAlarms(parseRule(rule)).includes(child)) this.deps.kick(scope, parent.name);
    }
  }
}

function historyRow(scope: Scope, name: string, type: AlarmType, at: Date, itemType: HistoryItemType, summary: string, data: object) {
  return { account_id: scope.accountId, region: scope.region, alarm_name: name, alarm_type: type, item_type: itemType, at: at.getTime(), summary, data: JSON.stringify(data) };
}

/** The tags of the named alarms of a scope, for IAM's aws:ResourceTag conditions (cloudwatch-authorization.ts). */
export const alarmTagLookup =
  (store: Store) =>
  async (scope: Scope, names: string[]): Promise<Map<string, Tag[]>> =>
    new Map((await store.cloudwatchAlarms.list(scope, { names })).map((r) => [r.name, JSON.parse(r.tags) as Tag[]]));

const managedView = (r: CloudwatchAlarmRow): ManagedAlarmView => ({ name: r.name, arn: alarmArn(r.region, r.account_id, r.name), state: r.state_value as AlarmState });

/** The alarm's actions: of one state, or of all three. */
function actionsOf(row: CloudwatchAlarmRow, state?: AlarmState): string[] {
  const d = JSON.parse(row.definition) as AlarmCommon;
  if (state) return (state === 'ALARM' ? d.alarmActions : state === 'OK' ? d.okActions : d.insufficientDataActions) ?? [];
  return [...(d.alarmActions ?? []), ...(d.okActions ?? []), ...(d.insufficientDataActions ?? [])];
}

export function toRecord(row: CloudwatchAlarmRow): AlarmRecord {
  const type = row.alarm_type as AlarmType;
  const definition = { name: row.name, ...(JSON.parse(row.definition) as object) };
  return {
    type,
    name: row.name,
    arn: alarmArn(row.region, row.account_id, row.name),
    ...(type === 'MetricAlarm' ? { metric: definition as MetricAlarmDefinition } : { composite: definition as CompositeAlarmDefinition }),
    actionsEnabled: row.actions_enabled === 1,
    status: {
      state: row.state_value as AlarmState,
      reason: row.state_reason,
      reasonData: row.state_reason_data ?? undefined,
      updatedAt: new Date(row.state_updated_at),
      transitionedAt: new Date(row.state_transitioned_at),
    },
    configUpdatedAt: new Date(row.config_updated_at),
    tags: JSON.parse(row.tags) as Tag[],
  };
}
