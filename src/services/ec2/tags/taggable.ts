// Which EC2 resources can be tagged, by id prefix. Each resource folder registers its prefix with
// a visibility check (`snap` -> snapshot, …); CreateTags/DeleteTags use it to answer AWS's errors:
// a malformed id is InvalidID, an unknown (or invisible) one is that resource's NotFound.
// Prefixes EC2 knows but no folder serves yet answer their NotFound for every id, since no such
// resource can exist; a folder's registration replaces that.
import type { ServiceError } from '../../../protocol/service-error.js';
import type { Scope } from '../../../store/scope.js';
import { ec2Error } from '../ec2-errors.js';

export interface Taggable {
  /** the id prefix before the dash, e.g. `snap` */
  prefix: string;
  /** DescribeTags' resource-type, e.g. `snapshot` */
  resourceType: string;
  /** whether the resource exists and the caller may see it (and so tag it) */
  visible(caller: Scope, id: string): Promise<boolean>;
  notFound(id: string): ServiceError;
}

const unserved = (prefix: string, resourceType: string, notFound: (id: string) => ServiceError): Taggable => ({
  prefix,
  resourceType,
  visible: async () => false,
  notFound,
});

// EC2's NotFound codes and messages for resources Imago may serve later
const KNOWN: Taggable[] = [
  unserved('ami', 'image', (id) => ec2Error('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`)),
  unserved('i', 'instance', (id) => ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`)),
  unserved('lt', 'launch-template', (id) => ec2Error('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id}, does not exist.`)),
  unserved('key', 'key-pair', (id) => ec2Error('InvalidKeyPair.NotFound', `The key pair '${id}' does not exist`)),
  unserved('sg', 'security-group', (id) => ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`)),
  unserved('vpc', 'vpc', (id) => ec2Error('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`)),
  unserved('subnet', 'subnet', (id) => ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`)),
  unserved('eni', 'network-interface', (id) => ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`)),
];

const ID = /^([a-z]+(?:-[a-z]+)*)-([0-9a-f]{8}|[0-9a-f]{17})$/;

export class TaggableRegistry {
  private readonly byPrefix = new Map<string, Taggable>();

  constructor() {
    for (const t of KNOWN) this.byPrefix.set(t.prefix, t);
  }

  register(taggable: Taggable): void {
    this.byPrefix.set(taggable.prefix, taggable);
  }

  /** The registration an id belongs to; a malformed id or an unknown prefix is InvalidID. */
  typeOf(id: string): Taggable {
    const m = ID.exec(id);
    const taggable = m ? this.byPrefix.get(m[1]) : undefined;
    if (!taggable) throw ec2Error('InvalidID', `The ID '${id}' is not valid`);
    return taggable;
  }

  /** Checks every id (all malformed ones first, then existence) before anything is changed. */
  async resolve(caller: Scope, ids: readonly string[]): Promise<{ id: string; type: Taggable }[]> {
    const typed = ids.map((id) => ({ id, type: this.typeOf(id) }));
    for (const { id, type } of typed) {
      if (!(await type.visible(caller, id))) throw type.notFound(id);
    }
    return typed;
  }
}
