// Auto Scaling groups (the Auto Scaling Query API, Version=2011-01-01): the list, and a group's page
// with its capacity (edit desired, min and max: SetDesiredCapacity / UpdateAutoScalingGroup), its
// instances (lifecycle state, health), activities (DescribeScalingActivities), instance refreshes
// with their progress and checkpoints (DescribeInstanceRefreshes), the group's CPU from CloudWatch
// (GetMetricData, AWS/EC2 CPUUtilization by AutoScalingGroupName) drawn as an inline SVG when
// there are data points, and the alarms of its scaling policies (DescribePolicies → DescribeAlarms).
import { call, child, currentSession, items, listParams, text, type Params } from '../api.js';
import { href, registerPage, type Route } from '../router.js';
import { clear, details, dialog, errorBanner, field, flash, h, pill, successBanner, table } from '../ui.js';
import { nextTokenOf, Pager, refreshSoon, when } from './kit.js';
import { chart, svgBar, type Series } from './svg-chart.js';

const pager = new Pager();
const members = (el: Element, ...path: string[]) => items(el, ...path);
const num = (el: Element, tag: string) => Number(text(el, tag) ?? 0);

function template(g: Element): string {
  const lt = child(g, 'LaunchTemplate') ?? child(child(child(g, 'MixedInstancesPolicy') ?? g, 'LaunchTemplate') ?? g, 'LaunchTemplateSpecification');
  if (lt) return `${text(lt, 'LaunchTemplateName') ?? text(lt, 'LaunchTemplateId') ?? ''} (${text(lt, 'Version') ?? '$Default'})`;
  return text(g, 'LaunchConfigurationName') ?? '';
}

async function list(root: HTMLElement, route: Route): Promise<void> {
  const token = pager.token(`${currentSession()?.region}`);
  const doc = await call('autoscaling', 'DescribeAutoScalingGroups', { MaxRecords: 50, NextToken: token });
  const groups = members(doc.documentElement, 'DescribeAutoScalingGroupsResult', 'AutoScalingGroups');
  const reload = () => list(root, route);
  clear(
    root,
    h('div', { class: 'page-head' }, h('h1', null, 'Auto Scaling groups'), h('button', { type: 'button', onclick: () => void reload() }, 'Refresh')),
    h('div', { class: 'table-wrap' }, table([
      { id: 'name', label: 'Name', cell: (g) => h('a', { href: href(`groups/${encodeURIComponent(text(g, 'AutoScalingGroupName') ?? '')}`) }, text(g, 'AutoScalingGroupName')) },
      { id: 'template', label: 'Launch template / configuration', cell: template },
      { id: 'instances', label: 'Instances', cell: (g) => String(members(g, 'Instances').length) },
      { id: 'status', label: 'Status', cell: (g) => text(g, 'Status') ?? '' },
      { id: 'desired', label: 'Desired', cell: (g) => text(g, 'DesiredCapacity') },
      { id: 'min', label: 'Min', cell: (g) => text(g, 'MinSize') },
      { id: 'max', label: 'Max', cell: (g) => text(g, 'MaxSize') },
      { id: 'zones', label: 'Availability zones', cell: (g) => members(g, 'AvailabilityZones').map((z) => z.textContent).join(', ') },
      { id: 'created', label: 'Created', cell: (g) => when(text(g, 'CreatedTime')) },
    ], groups, { empty: 'No Auto Scaling groups in this region.' })),
    pager.controls(nextTokenOf(doc), () => void reload(), `${groups.length} on this page`),
  );
  root.querySelector('table')?.setAttribute('id', 'groups-table');
}

async function one(root: HTMLElement, route: Route): Promise<void> {
  const name = route.params.name;
  const doc = await call('autoscaling', 'DescribeAutoScalingGroups', { 'AutoScalingGroupNames.member.1': name });
  const g = members(doc.documentElement, 'DescribeAutoScalingGroupsResult', 'AutoScalingGroups')[0];
  if (!g) {
    clear(root, h('h1', null, name), errorBanner(new Error(`No Auto Scaling group named ${name} in ${currentSession()?.region}.`)));
    return;
  }
  const slot = h('div', { class: 'flash' });
  const reload = () => one(root, route);
  const group: Params = { AutoScalingGroupName: name };
  const [activities, refreshes, alarms, cpu] = await Promise.all([
    call('autoscaling', 'DescribeScalingActivities', { ...group, MaxRecords: 20 }).then((d) => members(d.documentElement, 'DescribeScalingActivitiesResult', 'Activities')),
    call('autoscaling', 'DescribeInstanceRefreshes', { ...group, MaxRecords: 5 }).then((d) => members(d.documentElement, 'DescribeInstanceRefreshesResult', 'InstanceRefreshes')),
    alarmsOf(name).catch((e: unknown) => e),
    cpuSeries(name).catch((e: unknown) => e),
  ]);
  const instances = members(g, 'Instances');
  const capacity = (): void =>
    void (async () => {
      const input = (n: string, v: string | undefined) => h('input', { type: 'number', name: n, min: 0, required: true, value: v ?? '0' });
      const desired = input('desired', text(g, 'DesiredCapacity'));
      const min = input('min', text(g, 'MinSize'));
      const max = input('max', text(g, 'MaxSize'));
      const ok = await dialog('Edit capacity', h('div', null, field('Desired capacity', desired), field('Min desired capacity', min), field('Max desired capacity', max)), 'Update', async () => {
        if (min.value === text(g, 'MinSize') && max.value === text(g, 'MaxSize')) await call('autoscaling', 'SetDesiredCapacity', { ...group, DesiredCapacity: desired.value });
        else await call('autoscaling', 'UpdateAutoScalingGroup', { ...group, DesiredCapacity: desired.value, MinSize: min.value, MaxSize: max.value });
      });
      if (ok) {
        await reload();
        flash(root.querySelector('.flash')!, successBanner(`Capacity of ${name} updated.`));
      }
    })().catch((e: unknown) => flash(slot, errorBanner(e)));
  clear(
    root,
    h('p', { class: 'crumbs' }, h('a', { href: href('groups') }, 'Auto Scaling groups'), ' › ', name),
    h('div', { class: 'page-head' }, h('h1', null, name), h('button', { type: 'button', onclick: () => void reload() }, 'Refresh')),
    slot,
    h('section', { id: 'capacity' }, h('div', { class: 'page-head' }, h('h2', null, 'Group details'), h('button', { type: 'button', class: 'primary', id: 'action-capacity', onclick: capacity }, 'Edit capacity')), details([
      ['Desired capacity', h('span', { id: 'desired-capacity' }, text(g, 'DesiredCapacity'))],
      ['Min desired capacity', text(g, 'MinSize')],
      ['Max desired capacity', text(g, 'MaxSize')],
      ['Launch template / configuration', template(g)],
      ['Availability zones', members(g, 'AvailabilityZones').map((z) => z.textContent).join(', ')],
      ['Health check', `${text(g, 'HealthCheckType') ?? ''}, grace ${text(g, 'HealthCheckGracePeriod') ?? 0} s`],
      ['Default cooldown', `${text(g, 'DefaultCooldown') ?? ''} s`],
      ['Termination policies', members(g, 'TerminationPolicies').map((p) => p.textContent).join(', ')],
      ['Status', text(g, 'Status')],
      ['Created', when(text(g, 'CreatedTime'))],
      ['ARN', text(g, 'AutoScalingGroupARN')],
    ])),
    h('section', { id: 'group-instances' }, h('h2', null, `Instances (${instances.length})`), table([
      { id: 'id', label: 'Instance ID', cell: (i) => h('code', null, text(i, 'InstanceId')) },
      { id: 'lifecycle', label: 'Lifecycle', cell: (i) => pill(text(i, 'LifecycleState')) },
      { id: 'health', label: 'Health status', cell: (i) => text(i, 'HealthStatus') },
      { id: 'type', label: 'Instance type', cell: (i) => text(i, 'InstanceType') },
      { id: 'template', label: 'Launch template / configuration', cell: (i) => (child(i, 'LaunchTemplate') ? `${text(i, 'LaunchTemplate', 'LaunchTemplateName')} (${text(i, 'LaunchTemplate', 'Version')})` : text(i, 'LaunchConfigurationName')) },
      { id: 'zone', label: 'Availability zone', cell: (i) => text(i, 'AvailabilityZone') },
      { id: 'protected', label: 'Protected from scale in', cell: (i) => text(i, 'ProtectedFromScaleIn') },
    ], instances, { empty: 'No instances.' })),
    h('section', { id: 'refreshes' }, h('h2', null, 'Instance refresh'), refreshes.length ? refreshes.map(refreshCard) : h('p', { class: 'hint' }, 'No instance refresh.')),
    h('section', { id: 'monitoring' }, h('h2', null, 'CPU utilization (average, last 3 hours)'), cpu instanceof Error ? errorBanner(cpu) : chart(cpu as Series)),
    h('section', { id: 'alarms' }, h('h2', null, 'Alarms'), alarms instanceof Error ? errorBanner(alarms) : table([
      { id: 'name', label: 'Name', cell: (a) => text(a, 'AlarmName') },
      { id: 'state', label: 'State', cell: (a) => pill(text(a, 'StateValue')) },
      { id: 'condition', label: 'Condition', cell: (a) => `${text(a, 'MetricName') ?? ''} ${text(a, 'ComparisonOperator') ?? ''} ${text(a, 'Threshold') ?? ''}` },
      { id: 'reason', label: 'Reason', cell: (a) => text(a, 'StateReason') },
    ], alarms as Element[], { empty: 'No alarms for this group\'s scaling policies.' })),
    h('section', { id: 'activities' }, h('h2', null, 'Activity history'), table([
      { id: 'status', label: 'Status', cell: (a) => pill(text(a, 'StatusCode')) },
      { id: 'description', label: 'Description', cell: (a) => text(a, 'Description') },
      { id: 'cause', label: 'Cause', cell: (a) => h('small', null, text(a, 'Cause')) },
      { id: 'start', label: 'Start time', cell: (a) => when(text(a, 'StartTime')) },
      { id: 'end', label: 'End time', cell: (a) => when(text(a, 'EndTime')) },
    ], activities, { empty: 'No activities yet.' })),
  );
  const settling = instances.some((i) => !['InService', 'Standby'].includes(text(i, 'LifecycleState') ?? '')) || instances.length !== num(g, 'DesiredCapacity') || refreshes.some((r) => ['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking'].includes(text(r, 'Status') ?? ''));
  if (settling) refreshSoon(root, reload, 2000);
}

function refreshCard(r: Element): HTMLElement {
  const percent = num(r, 'PercentageComplete');
  const prefs = child(r, 'Preferences');
  const checkpoints = prefs ? members(prefs, 'CheckpointPercentages').map((c) => Number(c.textContent)) : [];
  return h(
    'div',
    { class: 'card refresh', 'data-refresh-id': text(r, 'InstanceRefreshId') },
    h('div', { class: 'page-head' }, h('strong', null, text(r, 'InstanceRefreshId')), pill(text(r, 'Status'))),
    h('div', { class: 'progress', role: 'progressbar', 'aria-valuenow': percent, 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-label': 'Percentage complete' }, svgBar(percent, checkpoints)),
    details([
      ['Percentage complete', `${percent}%`],
      ['Instances to update', text(r, 'InstancesToUpdate')],
      ['Checkpoints', checkpoints.length ? `${checkpoints.join('%, ')}% (then wait ${text(prefs!, 'CheckpointDelay') ?? 3600} s)` : 'none'],
      ['Min healthy', prefs ? `${text(prefs, 'MinHealthyPercentage') ?? 90}%` : undefined],
      ['Status reason', text(r, 'StatusReason')],
      ['Started', when(text(r, 'StartTime'))],
      ['Ended', when(text(r, 'EndTime'))],
    ]),
  );
}

async function cpuSeries(name: string): Promise<Series> {
  const end = new Date();
  const start = new Date(end.getTime() - 3 * 3600_000);
  const q = 'MetricDataQueries.member.1.';
  const doc = await call('monitoring', 'GetMetricData', {
    [`${q}Id`]: 'cpu',
    [`${q}MetricStat.Metric.Namespace`]: 'AWS/EC2',
    [`${q}MetricStat.Metric.MetricName`]: 'CPUUtilization',
    [`${q}MetricStat.Metric.Dimensions.member.1.Name`]: 'AutoScalingGroupName',
    [`${q}MetricStat.Metric.Dimensions.member.1.Value`]: name,
    [`${q}MetricStat.Period`]: 60,
    [`${q}MetricStat.Stat`]: 'Average',
    StartTime: start.toISOString(),
    EndTime: end.toISOString(),
    ScanBy: 'TimestampAscending',
  });
  const result = members(doc.documentElement, 'GetMetricDataResult', 'MetricDataResults')[0];
  if (!result) return { times: [], values: [] };
  const times = members(result, 'Timestamps').map((t) => Date.parse(t.textContent ?? ''));
  const values = members(result, 'Values').map((v) => Number(v.textContent));
  const order = times.map((_, i) => i).sort((a, b) => times[a] - times[b]);
  return { times: order.map((i) => times[i]), values: order.map((i) => values[i]) };
}

/** The alarms of the group's scaling policies (target tracking policies list the alarms they made). */
async function alarmsOf(name: string): Promise<Element[]> {
  const policies = await call('autoscaling', 'DescribePolicies', { AutoScalingGroupName: name });
  const names = members(policies.documentElement, 'DescribePoliciesResult', 'ScalingPolicies').flatMap((p) => members(p, 'Alarms').map((a) => text(a, 'AlarmName') ?? ''));
  if (!names.length) return [];
  const doc = await call('monitoring', 'DescribeAlarms', listParams('AlarmNames.member', names.slice(0, 100)));
  return members(doc.documentElement, 'DescribeAlarmsResult', 'MetricAlarms');
}

registerPage({ path: 'groups', title: 'Auto Scaling groups', nav: 'Auto Scaling', order: 40, render: list });
registerPage({ path: 'groups/:name', title: 'Auto Scaling group', render: one });
