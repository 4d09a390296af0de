// Who may call Imago: an AWS-style INI credentials file (the same file clients can use),
// one profile per access key, each naming the account it acts as.
//
//   [default]
//   aws_access_key_id = AKIAEXAMPLE
//   aws_secret_access_key = secret
//   aws_account_id = 123456789012
import { readFileSync } from 'node:fs';

export interface Principal {
  profile: string;
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  /** `imago_admin = true`: may call the operator endpoints (gc, fsck, storage) */
  admin: boolean;
}

export class CredentialsError extends Error {}

export function parseIni(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) return;
    const section = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (section) {
      current = new Map();
      sections.set(section[1], current);
      return;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || !current) throw new CredentialsError(`line ${i + 1}: expected "[profile]" or "key = value"`);
    current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  });
  return sections;
}

export function loadCredentials(path: string): Map<string, Principal> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new CredentialsError(`cannot read credentials file ${path}: ${(e as Error).message}`);
  }
  const byKey = new Map<string, Principal>();
  for (const [profile, values] of parseIni(text)) {
    const accessKeyId = values.get('aws_access_key_id');
    const secretAccessKey = values.get('aws_secret_access_key');
    const accountId = values.get('aws_account_id');
    if (!accessKeyId && !secretAccessKey) continue; // a config-only profile (region, output…)
    if (!accessKeyId || !secretAccessKey) throw new CredentialsError(`${path}: profile [${profile}] needs both aws_access_key_id and aws_secret_access_key`);
    if (!accountId || !/^\d{12}$/.test(accountId)) throw new CredentialsError(`${path}: profile [${profile}] needs aws_account_id (12 digits)`);
    if (byKey.has(accessKeyId)) throw new CredentialsError(`${path}: access key ${accessKeyId} appears in two profiles`);
    const admin = /^(true|1|yes)$/i.test(values.get('imago_admin') ?? '');
    byKey.set(accessKeyId, { profile, accessKeyId, secretAccessKey, accountId, admin });
  }
  if (byKey.size === 0) throw new CredentialsError(`${path}: no profile with aws_access_key_id/aws_secret_access_key`);
  return byKey;
}
