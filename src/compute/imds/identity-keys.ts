// The instance identity key and certificate of the whole cluster: kept in the database wrapped
// under the KEK (services/kms/key-vault.ts), created once by whichever node first runs VMs. A data
// dir from before (its pair as files under `<dataDir>/identity/`) has its pair adopted, so
// documents it signed still verify against the certificate users have; the key file is removed
// once the database holds the pair durably. A key file of another pair than the database's is
// left alone (a warning): nothing becomes unreadable, and the database's pair is the one used.
// The certificate is public: each node publishes the cluster's at
// `<dataDir>/identity/identity-certificate.pem`, for users who verify documents.
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KeyVault } from '../../services/kms/key-vault.js';
import { IdentitySigner, type IdentityKeys } from './identity-signer.js';

export const IDENTITY_DIR = 'identity';
export const KEY_FILE = 'identity-key.pem';
export const CERTIFICATE_FILE = 'identity-certificate.pem';
/** its name in the key_material table */
export const IDENTITY_KEYS_NAME = 'instance-identity';

type Warn = (msg: string) => void;

export async function loadIdentityKeys(vault: Pick<KeyVault, 'ensure'>, dataDir: string, warn: Warn = () => undefined): Promise<IdentityKeys> {
  const dir = join(dataDir, IDENTITY_DIR);
  const read = (file: string) => (existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8') : undefined);
  const [localKey, published] = [read(KEY_FILE), read(CERTIFICATE_FILE)];
  const local = localKey === undefined ? undefined : { key: localKey, certificate: published };
  const material = await vault.ensure(IDENTITY_KEYS_NAME, async () => {
    const keys = local ? { key: local.key, certificate: local.certificate ?? IdentitySigner.certify(local.key) } : await IdentitySigner.generateKeys();
    try {
      IdentitySigner.from(keys); // a pair that does not match is refused before anyone stores it
    } catch (e) {
      throw new Error(`${dir}: ${(e as Error).message}`);
    }
    return Buffer.from(JSON.stringify(keys), 'utf8');
  });
  const keys = JSON.parse(material.toString('utf8')) as IdentityKeys;
  if (local && local.key === keys.key) unlinkSync(join(dir, KEY_FILE));
  else if (local) warn(`${join(dir, KEY_FILE)} is not the cluster's instance identity key (the database's is used): remove it once nothing needs it`);
  if (published !== keys.certificate) publish(join(dir, CERTIFICATE_FILE), keys.certificate);
  return keys;
}

function publish(path: string, certificate: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, certificate, { mode: 0o644 });
  renameSync(tmp, path);
}
