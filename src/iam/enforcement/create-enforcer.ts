// The enforcer as the composition root builds it: each service's resolver over the store, the
// principals' policies from the identity layer, STS's encoding of authorization messages.
import type { Store } from '../../store/store.js';
import { AutoscalingResources } from '../../services/autoscaling/autoscaling-authorization.js';
import { CloudWatchResources } from '../../services/cloudwatch/cloudwatch-authorization.js';
import { alarmTagLookup } from '../../services/cloudwatch/alarms/alarm-service.js';
import { Ec2Resources } from '../../services/ec2/ec2-authorization.js';
import { IamResources } from '../../services/iam/iam-authorization.js';
import { KmsResources } from '../../services/kms/kms-authorization.js';
import { SsmResources } from '../../services/ssm/ssm-authorization.js';
import { encodeAuthorizationMessage } from '../authorization-message.js';
import type { IdentityLayer } from '../identity-layer.js';
import { Enforcer, type ServiceResources } from './enforcer.js';
import { stsResources } from './named-resources.js';

export function createEnforcer(store: Store, identity: Pick<IdentityLayer, 'policies'>): Enforcer {
  const ec2 = new Ec2Resources(store);
  const services = new Map<string, ServiceResources>([
    ['ec2', ec2],
    // the EBS direct APIs' snapshots are EC2's
    ['ebs', ec2],
    ['autoscaling', new AutoscalingResources(store)],
    ['cloudwatch', new CloudWatchResources(alarmTagLookup(store))],
    ['kms', new KmsResources(store)],
    ['ssm', new SsmResources(store)],
    ['iam', new IamResources(store)],
    ['sts', stsResources()],
  ]);
  return new Enforcer({ policiesFor: (who) => identity.policies.policiesFor(who), services, encodeMessage: encodeAuthorizationMessage });
}
