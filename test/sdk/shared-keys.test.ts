// test-servers: postgres
// Key material shared through the database (issue 10 §4): two `imago serve` nodes with their own
// data dirs on one PostgreSQL database and one --kek-file use the same master key (a KMS
// ciphertext made on one opens on the other, a NextToken from one continues on the other); a
// node given another KEK refuses to start, saying why; the database never holds the master key
// in plaintext. And the upgrade: a data dir from before (master.key, nothing in the database)
// keeps its KMS ciphertexts, encrypted snapshots and volumes readable.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { CompleteSnapshotCommand, GetSnapshotBlockCommand, ListSnapshotBlocksCommand, PutSnapshotBlockCommand, StartSnapshotCommand, type EBSClient } from '@aws-sdk/client-ebs';
import { CreateSnapshotCommand, CreateVolumeCommand, DescribeImagesCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { CreateKeyCommand, DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';
import { ebs, ec2, kms } from '../helpers/clients.js';
import { startServer, tempDir, removeDir, type TestServer } from '../helpers/server.js';
import { createDatabase, databaseEnv, onPostgres, useDatabase } from '../helpers/test-database.js';
import { metadataAtRest, queryMetadata } from '../helpers/metadata-db.js';
import { Store } from '../../src/store/store.js';
import { Kek, KEK_FILE } from '../../src/services/kms/kek.js';
import { MASTER_KEY_FILE, MASTER_KEY_NAME } from '../../src/services/kms/master-key.js';
import { keyFingerprint } from '../../src/services/kms/key-file.js';

const servers: TestServer[] = [];
const dirs: string[] = [];
after(async () => {
  for (const s of servers) await s.stop();
  for (const d of dirs) removeDir(d);
});
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};
const start = async (...args: Parameters<typeof startServer>) => {
  const s = await startServer(...args);
  servers.push(s);
  return s;
};

const BLOCK = 524288;
const sum = (b: Uint8Array) => createHash('sha256').update(b).digest('base64');

async function until<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 1000; i++) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`never ${what}`);
}

const snapshotState = async (c: EC2Client, id: string) => (await c.send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots![0].State;
const completed = (c: EC2Client, id: string) => until(`${id} completed`, async () => ((await snapshotState(c, id)) === 'completed' ? true : undefined));

async function readBlock(c: EBSClient, snapshotId: string, index: number): Promise<Buffer> {
  const token = (await c.send(new ListSnapshotBlocksCommand({ SnapshotId: snapshotId }))).Blocks!.find((b) => b.BlockIndex === index)!.BlockToken;
  const out = await c.send(new GetSnapshotBlockCommand({ SnapshotId: snapshotId, BlockIndex: index, BlockToken: token }));
  return Buffer.from(await out.BlockData!.transformToByteArray());
}

/** The master key as the database holds it, unwrapped here with the KEK (as a node does). */
async function masterKeyOf(dataDir: string, kek: Kek): Promise<Buffer> {
  const [row] = await queryMetadata<{ wrapped: Buffer; kek_id: string }>(dataDir, 'SELECT wrapped, kek_id FROM key_material WHERE name = ?', [MASTER_KEY_NAME]);
  assert.equal(row.kek_id, kek.id);
  return kek.unwrap(MASTER_KEY_NAME, Buffer.from(row.wrapped))!;
}

function filesUnder(d: string): string[] {
  return readdirSync(d).flatMap((name) => (statSync(join(d, name)).isDirectory() ? filesUnder(join(d, name)) : [join(d, name)]));
}

test('two nodes on one PostgreSQL database with one --kek-file share KMS keys and page tokens; another KEK is refused', { skip: onPostgres() && 'runs once, in the SQLite pass (it makes its own PostgreSQL database)' }, async () => {
  const url = await createDatabase();
  const kekKey = randomBytes(32);
  const kekFile = join(dir(), 'cluster.kek');
  writeFileSync(kekFile, `${kekKey.toString('base64')}\n`, { mode: 0o600 });
  const [dirA, dirB] = [dir(), dir()];
  for (const d of [dirA, dirB]) useDatabase(d, url);
  const args = ['--database', url, '--kek-file', kekFile, '--settle-ms', '0'];
  const [a, b] = await Promise.all([start({ dataDir: dirA, args }), start({ dataDir: dirB, args })]);

  // KMS: a key made and used on one node decrypts on the other, both ways
  const key = (await kms(a.url).send(new CreateKeyCommand({ Description: 'shared' }))).KeyMetadata!.KeyId!;
  const blob = (await kms(a.url).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('made on a'), EncryptionContext: { node: 'a' } }))).CiphertextBlob!;
  assert.equal(Buffer.from((await kms(b.url).send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { node: 'a' } }))).Plaintext!).toString(), 'made on a');
  const back = (await kms(b.url).send(new EncryptCommand({ KeyId: key, Plaintext: Buffer.from('made on b') }))).CiphertextBlob!;
  assert.equal(Buffer.from((await kms(a.url).send(new DecryptCommand({ CiphertextBlob: back }))).Plaintext!).toString(), 'made on b');

  // a NextToken from one node continues on the other
  const query = { Owners: ['amazon'], MaxResults: 5 };
  const first = await ec2(a.url).send(new DescribeImagesCommand(query));
  assert.ok(first.NextToken);
  const onA = await ec2(a.url).send(new DescribeImagesCommand({ ...query, NextToken: first.NextToken }));
  const onB = await ec2(b.url).send(new DescribeImagesCommand({ ...query, NextToken: first.NextToken }));
  assert.deepEqual(onB.Images!.map((i) => i.ImageId), onA.Images!.map((i) => i.ImageId));

  // the master key is in the database only wrapped, and in no node's data dir
  const kek = new Kek(kekKey, kekFile);
  const masterKey = await masterKeyOf(dirA, kek);
  assert.equal(masterKey.length, 32);
  for (const d of [dirA, dirB]) assert.ok(!existsSync(join(d, MASTER_KEY_FILE)) && !existsSync(join(d, KEK_FILE)), 'the given KEK is used, none made');
  const places = [...metadataAtRest(dirA), ...[dirA, dirB].flatMap(filesUnder).map((f) => ({ where: f, bytes: readFileSync(f) }))];
  for (const { where, bytes } of places) {
    for (const form of [masterKey, Buffer.from(masterKey.toString('hex')), Buffer.from(masterKey.toString('base64'))]) assert.ok(!bytes.includes(form), `the master key is in ${where}`);
  }

  // a third node left with its own KEK (the default <data-dir>/kek.key) refuses to start, saying why
  const dirC = dir();
  await assert.rejects(start({ dataDir: dirC, args: ['--database', url, '--settle-ms', '0'] }), (e: Error) => {
    assert.match(e.message, /every node sharing a database needs the same --kek-file/);
    assert.ok(e.message.includes(kek.id), 'names the KEK the database wants');
    assert.ok(e.message.includes(keyFingerprint(Buffer.from(readFileSync(join(dirC, KEK_FILE), 'utf8').trim(), 'base64'))), 'and its own');
    assert.ok(!e.message.includes(kekKey.toString('base64')));
    return true;
  });
});

test('a data dir from before keeps its KMS ciphertexts, encrypted snapshots and volumes readable after the upgrade', async () => {
  const dataDir = dir();
  let server = await start({ dataDir, args: ['--settle-ms', '0'] });
  let c = { kms: kms(server.url), ec2: ec2(server.url), ebs: ebs(server.url) };
  const key = (await c.kms.send(new CreateKeyCommand({}))).KeyMetadata!;
  const blob = (await c.kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('before the upgrade') }))).CiphertextBlob!;
  const data = randomBytes(BLOCK);
  const s = await c.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, Encrypted: true, KmsKeyArn: key.Arn }));
  await c.ebs.send(new PutSnapshotBlockCommand({ SnapshotId: s.SnapshotId, BlockIndex: 3, BlockData: data, DataLength: BLOCK, Checksum: sum(data), ChecksumAlgorithm: 'SHA256' }));
  await c.ebs.send(new CompleteSnapshotCommand({ SnapshotId: s.SnapshotId, ChangedBlocksCount: 1 }));
  await completed(c.ec2, s.SnapshotId!);
  const volume = await c.ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', SnapshotId: s.SnapshotId }));
  await until('volume available', async () => ((await c.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volume.VolumeId!] }))).Volumes![0].State === 'available' ? true : undefined));
  assert.equal(volume.Encrypted, true);
  await server.stop();

  // make it a data dir of the release before: master.key in the data dir, no key material (nor its table) in the database, no KEK
  const store = await Store.open({ dataDir, durability: 'full', databaseUrl: databaseEnv(dataDir).IMAGO_DATABASE_URL });
  const masterKey = Kek.load(dataDir).unwrap(MASTER_KEY_NAME, (await store.keyMaterial.get(MASTER_KEY_NAME))!.wrapped)!;
  await store.db.schema.dropTable('key_material').execute();
  await sql`DELETE FROM kysely_migration WHERE name = ${'0019-key-material'}`.execute(store.db);
  await store.close();
  writeFileSync(join(dataDir, MASTER_KEY_FILE), `${masterKey.toString('base64')}\n`, { mode: 0o600 });
  rmSync(join(dataDir, KEK_FILE));

  server = await start({ dataDir, args: ['--settle-ms', '0'] });
  c = { kms: kms(server.url), ec2: ec2(server.url), ebs: ebs(server.url) };
  assert.ok(!existsSync(join(dataDir, MASTER_KEY_FILE)), 'adopted into the database, then removed');
  assert.ok(existsSync(join(dataDir, KEK_FILE)));
  assert.deepEqual(await masterKeyOf(dataDir, Kek.load(dataDir)), masterKey, 'the same master key');
  assert.equal(Buffer.from((await c.kms.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!).toString(), 'before the upgrade');
  assert.ok((await readBlock(c.ebs, s.SnapshotId!, 3)).equals(data), 'the encrypted snapshot reads');
  const ofVolume = await c.ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId }));
  await completed(c.ec2, ofVolume.SnapshotId!);
  assert.ok((await readBlock(c.ebs, ofVolume.SnapshotId!, 3)).equals(data), 'the encrypted volume reads');
});
