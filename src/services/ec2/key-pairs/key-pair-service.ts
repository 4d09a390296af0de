// Key pairs: CreateKeyPair (the private key is returned once and never stored), ImportKeyPair,
// DescribeKeyPairs, DeleteKeyPair, and the lookup RunInstances uses. Names are unique per account
// and region; instances keep the name they were launched with after the pair is deleted.
import type { Filter, KeyPairInfo, Tag } from '../../../api/ec2/types.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { KeyPairRow } from '../../../store/repos/key-pairs.js';
import { ec2Error, invalidParameterValue, missingParameter } from '../ec2-errors.js';
import { compileFilters } from '../filters.js';
import { isId, newId } from '../resource-ids.js';
import type { Taggable } from '../tags/taggable.js';
import { createKey, importKey, KeyFormatError, type KeyType } from './key-material.js';

export interface NewKeyPair {
  name: string;
  tags?: { key: string; value: string }[];
}

export const keyPairNotFound = (name: string) => ec2Error('InvalidKeyPair.NotFound', `The key pair '${name}' does not exist`);
const keyPairIdNotFound = (id: string) => ec2Error('InvalidKeyPair.NotFound', `The key pair ID '${id}' does not exist`);

function checkName(name: string): void {
  if (name.length === 0 || name.length > 255) throw invalidParameterValue(`Value (${name.slice(0, 64)}) for parameter keyName is invalid. Length must be between 1 and 255 characters.`);
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(name)) throw invalidParameterValue('Value for parameter keyName is invalid. Character sets beyond ASCII are not supported.');
}

export class KeyPairService {
  readonly taggable: Taggable;

  constructor(private readonly store: Store) {
    this.taggable = {
      prefix: 'key',
      resourceType: 'key-pair',
      visible: async (caller, id) => Boolean(await store.keyPairs.byId(caller, id)),
      notFound: keyPairIdNotFound,
    };
  }

  /** The caller's key pair of that name (RunInstances KeyName), else InvalidKeyPair.NotFound. */
  async get(caller: Scope, name: string): Promise<KeyPairRow> {
    const row = await this.store.keyPairs.byName(caller, name);
    if (!row) throw keyPairNotFound(name);
    return row;
  }

  async create(caller: Scope, req: NewKeyPair & { keyType?: KeyType; format?: 'pem' | 'ppk' }, checkpoint: () => void): Promise<{ row: KeyPairRow; keyMaterial: string }> {
    checkName(req.name);
    await this.assertFree(caller, req.name);
    checkpoint();
    const key = createKey(req.keyType ?? 'rsa', req.format ?? 'pem', req.name);
    const row = await this.insert(caller, req, key);
    return { row, keyMaterial: key.keyMaterial };
  }

  async import(caller: Scope, req: NewKeyPair & { material: Uint8Array }, checkpoint: () => void): Promise<KeyPairRow> {
    checkName(req.name);
    let key;
    try {
      key = importKey(Buffer.from(req.material));
    } catch (e) {
      if (e instanceof KeyFormatError) throw ec2Error('InvalidKey.Format', 'Key is not in valid OpenSSH public key format');
      throw e;
    }
    await this.assertFree(caller, req.name);
    checkpoint();
    return this.insert(caller, req, key);
  }

  private async assertFree(caller: Scope, name: string): Promise<void> {
    if (await this.store.keyPairs.byName(caller, name)) throw ec2Error('InvalidKeyPair.Duplicate', `The keypair '${name}' already exists.`);
  }

  private async insert(caller: Scope, req: NewKeyPair, key: { keyType: KeyType; publicKey: string; fingerprint: string }): Promise<KeyPairRow> {
    const row: KeyPairRow = {
      key_pair_id: newId('key'),
      account_id: caller.accountId,
      region: caller.region,
      key_name: req.name,
      key_type: key.keyType,
      fingerprint: key.fingerprint,
      public_key: key.publicKey,
      create_time: new Date().toISOString(),
    };
    await this.store.transaction(async (tx) => {
      if (!(await tx.keyPairs.insert(row))) throw ec2Error('InvalidKeyPair.Duplicate', `The keypair '${req.name}' already exists.`);
      if (req.tags?.length) await tx.tags.put(caller, req.tags.map((t) => ({ resourceId: row.key_pair_id, resourceType: 'key-pair', ...t })));
    });
    return row;
  }

  async describe(caller: Scope, req: { names?: string[]; ids?: string[]; filters?: Filter[]; includePublicKey?: boolean }): Promise<KeyPairInfo[]> {
    const rows = await this.store.keyPairs.list(caller);
    const byName = new Map(rows.map((r) => [r.key_name, r]));
    const byId = new Map(rows.map((r) => [r.key_pair_id, r]));
    for (const name of req.names ?? []) if (!byName.has(name)) throw keyPairNotFound(name);
    for (const id of req.ids ?? []) if (!byId.has(id)) throw keyPairIdNotFound(id);
    let selected = rows;
    if (req.names?.length || req.ids?.length) {
      const names = new Set(req.names ?? []);
      const ids = new Set(req.ids ?? []);
      selected = rows.filter((r) => names.has(r.key_name) || ids.has(r.key_pair_id));
    }
    const tags = await this.store.tags.forResources(caller, selected.map((r) => r.key_pair_id));
    const out = selected.map((r) => keyPairOut(r, tags.get(r.key_pair_id), req.includePublicKey));
    const match = compileFilters(req.filters, {
      fields: {
        'key-pair-id': (k: KeyPairInfo) => k.KeyPairId,
        'key-name': (k) => k.KeyName,
        fingerprint: (k) => k.KeyFingerprint,
        'key-type': (k) => k.KeyType,
      },
      tags: (k) => k.Tags,
    });
    return out.filter(match);
  }

  /** DeleteKeyPair: by name (a missing name is not an error) or by id. Returns the deleted id. */
  async delete(caller: Scope, req: { name?: string; id?: string }, checkpoint: () => void): Promise<string | undefined> {
    if (req.name === undefined && req.id === undefined) throw missingParameter('KeyName or KeyPairId');
    let row: KeyPairRow | undefined;
    if (req.id !== undefined) {
      if (!isId('key', req.id)) throw keyPairIdNotFound(req.id);
      row = await this.store.keyPairs.byId(caller, req.id);
      if (!row) throw keyPairIdNotFound(req.id);
      if (req.name !== undefined && row.key_name !== req.name) throw keyPairNotFound(req.name);
    } else {
      row = await this.store.keyPairs.byName(caller, req.name!);
    }
    checkpoint();
    if (!row) return undefined;
    await this.store.transaction(async (tx) => {
      await tx.keyPairs.delete(row.key_pair_id);
      await tx.tags.deleteResource(row.key_pair_id);
    });
    return row.key_pair_id;
  }
}

export function keyPairOut(r: KeyPairRow, tags: Tag[] = [], includePublicKey = false): KeyPairInfo {
  return {
    KeyPairId: r.key_pair_id,
    KeyName: r.key_name,
    KeyFingerprint: r.fingerprint,
    KeyType: r.key_type as KeyPairInfo['KeyType'],
    Tags: tags,
    // AWS returns the OpenSSH line with the key's name as its comment
    PublicKey: includePublicKey ? `${r.public_key} ${r.key_name}` : undefined,
    CreateTime: new Date(r.create_time),
  };
}
