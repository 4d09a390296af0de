// SSM Parameter Store wire handlers: generated request/response types <-> ParameterStore.
import type { Operations } from '../../api/ssm/types.js';
import type { HandlerMap } from '../../protocol/dispatch.js';
import type { ParameterStore } from './parameter-store.js';

export function ssmHandlers(parameterStore: ParameterStore): HandlerMap<Operations> {
  return {
    async GetParameter(ctx, input) {
      return { Parameter: await parameterStore.get(ctx, input.Name, Boolean(input.WithDecryption)) };
    },

    async GetParameters(ctx, input) {
      const { parameters, invalid } = await parameterStore.getMany(ctx, input.Names, Boolean(input.WithDecryption));
      return { Parameters: parameters, InvalidParameters: invalid };
    },

    async GetParametersByPath(ctx, input) {
      const { parameters, nextToken } = await parameterStore.byPath(ctx, {
        path: input.Path,
        recursive: Boolean(input.Recursive),
        filters: input.ParameterFilters,
        decrypt: Boolean(input.WithDecryption),
        maxResults: input.MaxResults,
        nextToken: input.NextToken,
      });
      return { Parameters: parameters, NextToken: nextToken };
    },

    async PutParameter(ctx, input) {
      const { version, tier } = await parameterStore.put(ctx, input);
      return { Version: version, Tier: tier as 'Standard' | 'Advanced' };
    },

    async DeleteParameter(ctx, input) {
      await parameterStore.delete(ctx, input.Name);
      return {};
    },

    async DeleteParameters(ctx, input) {
      const { deleted, invalid } = await parameterStore.deleteMany(ctx, input.Names);
      return { DeletedParameters: deleted, InvalidParameters: invalid };
    },

    async DescribeParameters(ctx, input) {
      const { parameters, nextToken } = await parameterStore.describe(ctx, {
        filters: input.Filters,
        parameterFilters: input.ParameterFilters,
        maxResults: input.MaxResults,
        nextToken: input.NextToken,
        shared: input.Shared,
      });
      return { Parameters: parameters, NextToken: nextToken };
    },

    async GetParameterHistory(ctx, input) {
      const { parameters, nextToken } = await parameterStore.history(ctx, { name: input.Name, decrypt: Boolean(input.WithDecryption), maxResults: input.MaxResults, nextToken: input.NextToken });
      return { Parameters: parameters, NextToken: nextToken };
    },

    async LabelParameterVersion(ctx, input) {
      const { invalid, version } = await parameterStore.label(ctx, input.Name, input.Labels, input.ParameterVersion);
      return { InvalidLabels: invalid, ParameterVersion: version };
    },

    async AddTagsToResource(ctx, input) {
      await parameterStore.addTags(ctx, input.ResourceType, input.ResourceId, input.Tags);
      return {};
    },

    async ListTagsForResource(ctx, input) {
      return { TagList: await parameterStore.tags(ctx, input.ResourceType, input.ResourceId) };
    },

    async RemoveTagsFromResource(ctx, input) {
      await parameterStore.removeTags(ctx, input.ResourceType, input.ResourceId, input.TagKeys);
      return {};
    },
  };
}
