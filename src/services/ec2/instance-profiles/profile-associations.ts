// Which IAM instance profile an instance holds: RunInstances (directly, through a launch
// template, or an Auto Scaling group's) associates it in the launch transaction;
// AssociateIamInstanceProfile, ReplaceIamInstanceProfileAssociation and
// DisassociateIamInstanceProfile change it while the instance lives. Each association has an id
// (iip-assoc-…) and a life:
//
//   Associate / launch --> associated --Disassociate--> disassociated (listed for an hour)
//                              `--Replace--> disassociated, and a new association takes over
//
// The calls answer `associating` / `disassociating` as EC2 does; the change is complete when they
// return (the metadata service serves the new role's credentials from its next request). The
// instance's row mirrors its live association's profile (spec.iamInstanceProfile, written in
// the same unit of work) so DescribeInstances and its filters need no join.
import type { Filter, IamInstanceProfileSpecification } from '../../../api/ec2/types.js';
import type { Insertable } from 'kysely';
import type { Store, Repos } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { AssociationRow } from '../../../store/repos/instance-profile-associations.js';
import type { InstanceRow } from '../../../store/repos/instances.js';
import type { InstanceProfileAssociationsTable } from '../../../store/schema.js';
import { isUniqueViolation } from '../../../store/dialects/dialect.js';
import { ec2Error, invalidParameterValue } from '../ec2-errors.js';
import { compileFilters } from '../filters.js';
import { paginate } from '../pagination.js';
import { isId, newId } from '../resource-ids.js';
import { specOf } from '../instances/instance-row.js';
import { resolveInstanceProfile, type ProfileRef } from './profile-lookup.js';

export type AssociationState = 'associating' | 'associated' | 'disassociating' | 'disassociated';

export interface Association {
  associationId: string;
  instanceId: string;
  profile: ProfileRef;
  state: AssociationState;
  /** when it was associated */
  timestamp: Date;
}

export interface DescribeAssociations {
  associationIds?: string[];
  filters?: Filter[];
  maxResults?: number;
  nextToken?: string;
}

export interface ProfileAssociationsDeps {
  store: Store;
  /** the caller's live (or recently terminated) instances, InvalidInstanceID.NotFound otherwise */
  owned(caller: Scope, instanceIds: readonly string[]): Promise<InstanceRow[]>;
  /** how long ended associations stay listed */
  endedVisibleMs?: number;
}

const LIVE_INSTANCE = ['pending', 'running', 'stopping', 'stopped'];

const associationNotFound = (id: string) => ec2Error('InvalidAssociationID.NotFound', `The association ID '${id}' does not exist`);
const notActive = (id: string) => ec2Error('IncorrectState', `The association ${id} is not the active association`);

/** The association rows of a launch (one per instance). */
export function launchAssociations(caller: Scope, profile: ProfileRef, instances: { instance_id: string }[], now: string): Insertable<InstanceProfileAssociationsTable>[] {
  return instances.map((i) => row(caller, i.instance_id, profile, now));
}

function row(caller: Scope, instanceId: string, profile: ProfileRef, now: string): Insertable<InstanceProfileAssociationsTable> {
  return { association_id: newId('iip-assoc'), account_id: caller.accountId, region: caller.region, instance_id: instanceId, profile_arn: profile.arn, profile_id: profile.id, state: 'associated', created_at: now, ended_at: null };
}

const view = (r: Pick<AssociationRow, 'association_id' | 'instance_id' | 'profile_arn' | 'profile_id' | 'created_at'>, state: AssociationState): Association => ({
  associationId: r.association_id,
  instanceId: r.instance_id,
  profile: { arn: r.profile_arn, id: r.profile_id },
  state,
  timestamp: new Date(r.created_at),
});

export class ProfileAssociations {
  constructor(private readonly deps: ProfileAssociationsDeps) {}

  private endedAfter(): string {
    return new Date(Date.now() - (this.deps.endedVisibleMs ?? 3600_000)).toISOString();
  }

  async associate(caller: Scope, instanceId: string, spec: IamInstanceProfileSpecification): Promise<Association> {
    const [instance] = await this.deps.owned(caller, [instanceId]);
    const profile = await resolveInstanceProfile(this.deps.store, caller.accountId, spec);
    if (!LIVE_INSTANCE.includes(instance.state)) {
      throw ec2Error('IncorrectInstanceState', `The instance '${instanceId}' is not in a state from which an instance profile can be associated (it is ${instance.state}).`);
    }
    const existing = () => ec2Error('IncorrectState', `There is an existing association for instance ${instanceId}`);
    if (await this.deps.store.profileAssociations.current(instanceId)) throw existing();
    const added = row(caller, instanceId, profile, new Date().toISOString());
    try {
      await this.deps.store.transaction(async (tx) => {
        await tx.profileAssociations.insert([added]);
        await mirror(tx, instanceId, profile);
      });
    } catch (e) {
      // another call associated it meanwhile (the index admits one live association an instance)
      if (isUniqueViolation(e, 'instance_profile_associations')) throw existing();
      throw e;
    }
    return view(added as AssociationRow, 'associating');
  }

  async replace(caller: Scope, associationId: string, spec: IamInstanceProfileSpecification): Promise<Association> {
    const old = await this.owned(caller, associationId);
    const profile = await resolveInstanceProfile(this.deps.store, caller.accountId, spec);
    // EC2 replaces the profile of a running instance only (a stopped one's is not "active")
    const [instance] = await this.deps.store.instances.getMany([old.instance_id]);
    if (old.state !== 'associated' || !instance || !['pending', 'running'].includes(instance.state)) throw notActive(associationId);
    const now = new Date().toISOString();
    const added = row(caller, old.instance_id, profile, now);
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.profileAssociations.end(associationId, now))) throw notActive(associationId);
      await tx.profileAssociations.insert([added]);
      await mirror(tx, old.instance_id, profile);
    });
    return view(added as AssociationRow, 'associating');
  }

  async disassociate(caller: Scope, associationId: string): Promise<Association> {
    const old = await this.owned(caller, associationId);
    if (old.state !== 'associated') throw notActive(associationId);
    const now = new Date().toISOString();
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.profileAssociations.end(associationId, now))) throw notActive(associationId);
      await mirror(tx, old.instance_id, undefined);
      await tx.profileAssociations.purge(this.endedAfter());
    });
    return view(old, 'disassociating');
  }

  async describe(caller: Scope, req: DescribeAssociations): Promise<{ associations: Association[]; nextToken?: string }> {
    const ids = req.associationIds?.length ? req.associationIds : undefined;
    ids?.forEach(assertAssociationId);
    const rows = await this.deps.store.profileAssociations.list(caller, { ids, endedAfter: this.endedAfter() });
    if (ids) {
      const missing = ids.find((id) => !rows.some((r) => r.association_id === id));
      if (missing) throw associationNotFound(missing);
    }
    const matches = compileFilters<Association>(req.filters, { fields: { 'instance-id': (a) => a.instanceId, state: (a) => a.state } });
    const all = rows.map((r) => view(r, r.state as AssociationState)).filter(matches);
    const { page, nextToken } = paginate(all, (a) => a.associationId, { MaxResults: req.maxResults, NextToken: req.nextToken }, {
      binding: [caller.accountId, caller.region, 'DescribeIamInstanceProfileAssociations', req.associationIds ?? [], req.filters ?? []],
      idsParameter: 'associationIds',
      hasIds: Boolean(ids),
    });
    return { associations: page, nextToken };
  }

  /** The caller's association (of a live instance, or ended within the hour). */
  private async owned(caller: Scope, associationId: string): Promise<AssociationRow> {
    assertAssociationId(associationId);
    const [found] = await this.deps.store.profileAssociations.list(caller, { ids: [associationId], endedAfter: this.endedAfter() });
    if (!found) throw associationNotFound(associationId);
    return found;
  }
}

function assertAssociationId(id: string): void {
  if (!isId('iip-assoc', id)) throw invalidParameterValue('Invalid value for associationId.');
}

/** The instance row's copy of its live association's profile (DescribeInstances shows it). */
async function mirror(tx: Repos, instanceId: string, profile: ProfileRef | undefined): Promise<void> {
  const instance = await tx.instances.get(instanceId);
  if (!instance) return;
  const { iamInstanceProfile: _old, ...rest } = specOf(instance);
  await tx.instances.update(instanceId, { spec: JSON.stringify(profile ? { ...rest, iamInstanceProfile: profile } : rest) });
}
