// IAM's side of authorization (iam/enforcement/): users, groups, roles, policies and instance
// profiles named by the request; and iam:PassRole, which other services' requests need when they
// hand a role to EC2 or Auto Scaling — its resource is the role an instance profile holds (or the
// role ARN given), with iam:PassedToService naming the service it goes to.
import type { ActionRequirement, ResourceRequirement } from '../../iam/authorization/reference.js';
import { iamArn, parseIamArn } from '../../iam/arns.js';
import type { AuthorizationCall, ResourceFacts, ServiceResources } from '../../iam/enforcement/enforcer.js';
import { NamedResources } from '../../iam/enforcement/named-resources.js';
import type { ContextValue } from '../../iam/policy/index.js';
import type { Store } from '../../store/store.js';

const PASSED_TO: Record<string, string> = { ec2: 'ec2.amazonaws.com', autoscaling: 'autoscaling.amazonaws.com' };

export class IamResources implements ServiceResources {
  private readonly named = new NamedResources({
    user: ['UserName'],
    group: ['GroupName'],
    role: ['RoleName'],
    policy: ['PolicyArn'],
    'instance-profile': ['InstanceProfileName'],
  });

  constructor(private readonly store: Store) {}

  requestKeys(call: AuthorizationCall, action: ActionRequirement): Record<string, ContextValue> {
    const keys = this.named.requestKeys(call);
    if (action.action === 'iam:PassRole' && PASSED_TO[call.service]) keys['iam:PassedToService'] = PASSED_TO[call.service];
    return keys;
  }

  async resources(call: AuthorizationCall, req: ResourceRequirement, action: ActionRequirement): Promise<ResourceFacts[]> {
    // a user's own keys, policies…: without UserName, IAM acts on the calling user
    if (req.type === 'user' && call.service === 'iam' && call.input.UserName === undefined && call.identity.kind === 'user') return [{ arn: call.identity.arn }];
    if (action.action !== 'iam:PassRole' || call.service === 'iam') return this.named.resources(call, req);
    const roleArn = typeof call.input.ServiceLinkedRoleARN === 'string' ? call.input.ServiceLinkedRoleARN : await this.profileRole(call);
    return [{ arn: roleArn ?? `arn:aws:iam::${call.identity.accountId}:role/*` }];
  }

  /** The role of the instance profile the request names (RunInstances, Associate/Replace…). */
  private async profileRole(call: AuthorizationCall): Promise<string | undefined> {
    const spec = call.input.IamInstanceProfile as { Arn?: string; Name?: string } | undefined;
    const name = spec?.Arn ? parseIamArn(spec.Arn)?.name : spec?.Name;
    if (!name) return undefined;
    const account = call.identity.accountId;
    const profile = await this.store.iam.instanceProfiles.get(account, name.toLowerCase());
    if (!profile?.role_key) return undefined;
    const role = await this.store.iam.roles.get(account, profile.role_key);
    return role ? iamArn(account, 'role', role.path, role.name) : undefined;
  }
}
