// Auto Scaling group tags: CreateOrUpdateTags, DeleteTags, DescribeTags (filters
// auto-scaling-group, key, value, propagate-at-launch: AND across filters, OR across values).
import type { DescribeTagsType, Tag, TagDescription } from '../../api/autoscaling/types.js';
import type { Scope } from '../../store/scope.js';
import type { GroupTagRow } from '../../store/repos/autoscaling-groups.js';
import { ServiceError } from '../../protocol/service-error.js';
import { validationError } from './asg-errors.js';
import type { AsgContext } from './asg-context.js';
import type { GroupService } from './group-service.js';
import { tagOut } from './group-model.js';
import { checkTag, MAX_TAGS } from './group-validation.js';
import { page } from './paging.js';

const FILTERS: Record<string, (t: GroupTagRow) => string> = {
  'auto-scaling-group': (t) => t.group_name,
  key: (t) => t.key,
  value: (t) => t.value,
  'propagate-at-launch': (t) => String(t.propagate_at_launch === 1),
};

export class GroupTags {
  constructor(
    private readonly ctx: AsgContext,
    private readonly groups: GroupService,
  ) {}

  private async target(caller: Scope, tag: Tag): Promise<string> {
    if (!tag.ResourceId) throw validationError('The ResourceId of a tag must be the name of an Auto Scaling group.');
    if (tag.ResourceType !== undefined && tag.ResourceType !== 'auto-scaling-group') throw validationError(`Invalid ResourceType ${tag.ResourceType}: only auto-scaling-group is supported.`);
    await this.groups.get(caller, tag.ResourceId);
    return tag.ResourceId;
  }

  async createOrUpdate(caller: Scope, tags: Tag[]): Promise<void> {
    const rows: GroupTagRow[] = [];
    for (const [i, tag] of tags.entries()) {
      const group = await this.target(caller, tag);
      const t = checkTag(tag, i + 1);
      rows.push({ account_id: caller.accountId, region: caller.region, group_name: group, key: t.key, value: t.value, propagate_at_launch: t.propagate ? 1 : 0 });
    }
    for (const group of new Set(rows.map((r) => r.group_name))) {
      const keys = new Set([...(await this.ctx.groups.tags(caller, [group])).map((t) => t.key), ...rows.filter((r) => r.group_name === group).map((r) => r.key)]);
      if (keys.size > MAX_TAGS) throw new ServiceError('LimitExceeded', `The number of tags exceeds the limit of ${MAX_TAGS} tags per Auto Scaling group.`, 400);
    }
    await this.ctx.groups.putTags(rows);
  }

  async delete(caller: Scope, tags: Tag[]): Promise<void> {
    const keys: { group: string; key: string }[] = [];
    for (const tag of tags) keys.push({ group: await this.target(caller, tag), key: tag.Key });
    await this.ctx.groups.deleteTags(caller, keys);
  }

  async describe(caller: Scope, input: DescribeTagsType): Promise<{ tags: TagDescription[]; nextToken?: string }> {
    let rows = await this.ctx.groups.tags(caller);
    for (const f of input.Filters ?? []) {
      const field = FILTERS[f.Name ?? ''];
      if (!field) throw validationError(`Filter type ${f.Name} is not correct. Allowed Filter types are: auto-scaling-group key value propagate-at-launch`);
      rows = rows.filter((t) => (f.Values ?? []).includes(field(t)));
    }
    const { items, nextToken } = page(rows, (t) => `${t.group_name}\u0000${t.key}`, input, { binding: [caller.accountId, caller.region, input.Filters], max: 100, defaultSize: 50 });
    return { tags: items.map(tagOut), nextToken };
  }
}
