// An IamInstanceProfile parameter ({Arn} or {Name}: RunInstances, launch templates,
// AssociateIamInstanceProfile, ReplaceIamInstanceProfileAssociation) resolved against IAM: the
// profile must exist in the caller's account (an ARN's path must be the profile's) and hold a
// role, else AWS's InvalidParameterValue naming the member. With both, the ARN decides and the
// name must be its name. Names are case-insensitive, as IAM's are.
import type { IamInstanceProfileSpecification } from '../../../api/ec2/types.js';
import { iamArn, parseIamArn } from '../../../iam/arns.js';
import type { Store } from '../../../store/store.js';
import { invalidParameterValue } from '../ec2-errors.js';

/** A resolved profile, as instances and associations keep it. */
export interface ProfileRef {
  arn: string;
  /** IAM's unique id (AIPA…) */
  id: string;
}

const invalidName = (name: string) => invalidParameterValue(`Value (${name}) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name`);
const invalidArn = (arn: string) => invalidParameterValue(`Value (${arn}) for parameter iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN`);

export async function resolveInstanceProfile(store: Pick<Store, 'iam'>, accountId: string, spec: IamInstanceProfileSpecification): Promise<ProfileRef> {
  let name = spec.Name;
  let path: string | undefined;
  let refuse = () => invalidName(spec.Name ?? '');
  if (spec.Arn !== undefined) {
    const parsed = parseIamArn(spec.Arn);
    refuse = () => invalidArn(spec.Arn!);
    if (!parsed || parsed.kind !== 'instance-profile' || parsed.accountId !== accountId) throw refuse();
    if (name !== undefined && name.toLowerCase() !== parsed.name.toLowerCase()) throw invalidName(name);
    name = parsed.name;
    path = parsed.path;
  }
  if (!name) throw refuse();
  const row = await store.iam.instanceProfiles.get(accountId, name.toLowerCase());
  // IAM names are case-insensitive (IAM keys them by name_key)
  if (!row || (path !== undefined && row.path !== path) || !row.role_key) throw refuse();
  return { arn: iamArn(accountId, 'instance-profile', row.path, row.name), id: row.id };
}
