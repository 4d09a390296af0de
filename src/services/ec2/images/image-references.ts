// DescribeImageReferences: which of the caller's resources reference given images. Images do
// not know who uses them, so the resource folders register a lookup per resource type:
//
//   images.references.register('ec2:Instance', async (caller, imageIds, options) =>
//     [{ imageId, arn: `arn:aws:ec2:${region}:${account}:instance/${id}` }, …]);
//
// `options` carries the request's ResourceTypeOptions for that type with AWS's defaults applied:
// `state-name` (ec2:Instance; all states when absent) and `version-depth` (ec2:LaunchTemplate,
// the most recent N versions, default 10). Types nobody registered reference nothing.
import type { DescribeImageReferencesRequest, ImageReference, ImageReferenceResourceTypeEnum } from '../../../api/ec2/types.js';
import type { Scope } from '../../../store/scope.js';
import { invalidParameterValue, missingParameter } from '../ec2-errors.js';
import { paginate } from '../pagination.js';
import { ImageService } from './image-service.js';

export type ReferenceType = ImageReferenceResourceTypeEnum;

export interface ReferenceOptions {
  /** ec2:Instance: the instance states to consider (undefined: all) */
  stateNames?: string[];
  /** ec2:LaunchTemplate: how many of the most recent versions to check */
  versionDepth?: number;
}

export type ReferenceLookup = (caller: Scope, imageIds: readonly string[], options: ReferenceOptions) => Promise<{ imageId: string; arn: string }[]>;

export const REFERENCE_TYPES: readonly ReferenceType[] = ['ec2:Instance', 'ec2:LaunchTemplate', 'ssm:Parameter', 'imagebuilder:ImageRecipe', 'imagebuilder:ContainerRecipe'];
const INSTANCE_STATES = ['pending', 'running', 'shutting-down', 'terminated', 'stopping', 'stopped'];
const DEFAULT_VERSION_DEPTH = 10;
const MAX_VERSION_DEPTH = 10000;

export class ImageReferences {
  private readonly lookups = new Map<ReferenceType, ReferenceLookup>();

  register(type: ReferenceType, lookup: ReferenceLookup): void {
    this.lookups.set(type, lookup);
  }

  async describe(caller: Scope, input: DescribeImageReferencesRequest): Promise<{ references: ImageReference[]; nextToken?: string }> {
    const imageIds = input.ImageIds ?? [];
    if (!imageIds.length) throw missingParameter('ImageId');
    for (const id of imageIds) ImageService.assertId(id);
    const wanted = this.wantedTypes(input);
    const found: ImageReference[] = [];
    for (const [type, options] of wanted) {
      const lookup = this.lookups.get(type);
      if (!lookup) continue;
      for (const r of await lookup(caller, imageIds, options)) found.push({ ImageId: r.imageId, ResourceType: type, Arn: r.arn });
    }
    const key = (r: ImageReference) => `${r.ImageId}|${r.ResourceType}|${r.Arn}`;
    const unique = [...new Map(found.map((r) => [key(r), r])).values()].sort((a, b) => (key(a) < key(b) ? -1 : 1));
    const { page, nextToken } = paginate(unique, key, input, {
      binding: { op: 'DescribeImageReferences', caller: { accountId: caller.accountId, region: caller.region }, imageIds, types: [...wanted] },
    });
    return { references: page, nextToken };
  }

  /** The resource types to check and their options; IncludeAllResourceTypes gives every type its defaults. */
  private wantedTypes(input: DescribeImageReferencesRequest): Map<ReferenceType, ReferenceOptions> {
    if (!input.IncludeAllResourceTypes && !input.ResourceTypes?.length) throw missingParameter('ResourceTypes');
    const wanted = new Map<ReferenceType, ReferenceOptions>();
    if (input.IncludeAllResourceTypes) for (const t of REFERENCE_TYPES) wanted.set(t, defaults(t));
    for (const rt of input.ResourceTypes ?? []) {
      const type = rt.ResourceType;
      if (!type || !REFERENCE_TYPES.includes(type)) throw invalidParameterValue(`Value (${type}) for parameter ResourceType is invalid.`);
      const options = defaults(type);
      for (const o of rt.ResourceTypeOptions ?? []) {
        const values = o.OptionValues ?? [];
        if (o.OptionName === 'state-name' && type === 'ec2:Instance') {
          const bad = values.find((v) => !INSTANCE_STATES.includes(v));
          if (bad !== undefined) throw invalidParameterValue(`Value (${bad}) for option state-name is invalid. Valid values: ${INSTANCE_STATES.join(' | ')}.`);
          options.stateNames = values;
        } else if (o.OptionName === 'version-depth' && type === 'ec2:LaunchTemplate') {
          const depth = Number(values[0]);
          if (values.length !== 1 || !Number.isInteger(depth) || depth < 1 || depth > MAX_VERSION_DEPTH) {
            throw invalidParameterValue(`Value (${values.join(',')}) for option version-depth is invalid. Specify one integer from 1 to ${MAX_VERSION_DEPTH}.`);
          }
          options.versionDepth = depth;
        } else {
          throw invalidParameterValue(`The option ${o.OptionName} is not valid for resource type ${type}.`);
        }
      }
      wanted.set(type, options);
    }
    return wanted;
  }
}

function defaults(type: ReferenceType): ReferenceOptions {
  return type === 'ec2:LaunchTemplate' ? { versionDepth: DEFAULT_VERSION_DEPTH } : {};
}
