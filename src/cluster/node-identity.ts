// A node's identity: stable for its data directory (`node.json`, written once), so a node that
// restarts is the same node — its instances' VMs come back on it — unless --node-id names it.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = 'node.json';
const VALID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export class NodeIdError extends Error {}

export function nodeIdFor(dataDir: string, requested?: string): string {
  if (requested !== undefined) {
    if (!VALID.test(requested)) throw new NodeIdError(`--node-id must be 1-63 letters, digits, '.', '_' or '-', got ${JSON.stringify(requested)}`);
    return requested;
  }
  const path = join(dataDir, FILE);
  if (existsSync(path)) {
    const id = (JSON.parse(readFileSync(path, 'utf8')) as { nodeId?: unknown }).nodeId;
    if (typeof id === 'string' && VALID.test(id)) return id;
    throw new NodeIdError(`${path} does not hold a valid node id`);
  }
  const id = `node-${randomBytes(6).toString('hex')}`;
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(`${path}.tmp`, `${JSON.stringify({ nodeId: id })}\n`);
  renameSync(`${path}.tmp`, path);
  return id;
}
