// CreateTags, DeleteTags, DescribeTags over the tag service.
import { addTo } from '../../../group-by.js';
import type { Operations, TagDescription } from '../../../api/ec2/types.js';
import type { HandlerMap } from '../../../protocol/dispatch.js';
import { compileFilters } from '../filters.js';
import { paginate } from '../pagination.js';
import { dryRunCheckpoint } from '../dry-run.js';
import { validateTag } from './tag-rules.js';
import type { TagService } from './tag-service.js';

// a stable, unique sort key (resource id, then tag key) that paging tokens can point at
const positionOf = (t: TagDescription) => JSON.stringify([t.ResourceId, t.Key]);

export function tagHandlers(tags: TagService): HandlerMap<Operations> {
  return {
    async CreateTags(ctx, input) {
      await tags.create(ctx, input.Resources, input.Tags.map(validateTag), () => dryRunCheckpoint(ctx));
    },

    async DeleteTags(ctx, input) {
      const selectors = input.Tags?.map((t) => ({ key: t.Key ?? '', value: t.Value }));
      await tags.delete(ctx, input.Resources, selectors, () => dryRunCheckpoint(ctx));
    },

    async DescribeTags(ctx, input) {
      const rows = await tags.list(ctx);
      const byResource = new Map<string, { Key: string; Value: string }[]>();
      for (const r of rows) addTo(byResource, r.resourceId, { Key: r.key, Value: r.value });
      const match = compileFilters<TagDescription>(input.Filters, {
        fields: {
          key: (t) => t.Key,
          value: (t) => t.Value,
          'resource-id': (t) => t.ResourceId,
          'resource-type': (t) => t.ResourceType,
        },
        // tag:<key> selects the resources carrying that tag (all of their tags are listed)
        tags: (t) => byResource.get(t.ResourceId!),
      });
      const items = rows
        .map((r): TagDescription => ({ ResourceId: r.resourceId, ResourceType: r.resourceType as TagDescription['ResourceType'], Key: r.key, Value: r.value }))
        .filter(match)
        .sort((a, b) => (positionOf(a) < positionOf(b) ? -1 : 1));
      const { page, nextToken } = paginate(items, positionOf, input, {
        binding: { op: 'DescribeTags', account: ctx.accountId, region: ctx.region, filters: input.Filters ?? [] },
      });
      return { Tags: page, NextToken: nextToken };
    },
  };
}
