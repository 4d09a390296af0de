// EC2 launch templates through @aws-sdk/client-ec2 against a real server process with two
// accounts: CreateLaunchTemplate (names, data kept as given, validation warnings, tags,
// ClientToken, DryRun), CreateLaunchTemplateVersion (SourceVersion overlay), Describe and
// DescribeVersions (ids, names, $Latest/$Default, Min/MaxVersion, filters, paging),
// ModifyLaunchTemplate, DeleteLaunchTemplateVersions (per-version results), DeleteLaunchTemplate,
// tags on templates, isolation between accounts and regions, and persistence across kill -9.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateTagsCommand,
  DeleteLaunchTemplateCommand,
  DeleteLaunchTemplateVersionsCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeTagsCommand,
  GetLaunchTemplateDataCommand,
  ModifyLaunchTemplateCommand,
  RunInstancesCommand,
  type CreateLaunchTemplateCommandInput,
  type EC2Client,
  type LaunchTemplate,
} from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestAccount, type TestServer } from '../helpers/server.js';
import { ec2 } from '../helpers/clients.js';
import { emptySnapshot, expectError, registerImage, UNKNOWN_AMI } from '../helpers/images.js';

const UNKNOWN_LT = 'lt-0123456789abcdef0';
let counter = 0;
const ltName = (prefix = 'lt') => `${prefix}-${++counter}`;

describe('EC2 launch templates', () => {
  let server: TestServer;
  let dir: string;
  let ami: string;
  const client = (account: TestAccount = ALICE, region = 'us-east-1'): EC2Client => ec2(server.url, { account, region });
  const alice = () => client();
  const create = async (input: Partial<CreateLaunchTemplateCommandInput> = {}, c = alice()) =>
    (await c.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: ltName(), LaunchTemplateData: { ImageId: ami, InstanceType: 't3.micro' }, ...input })));
  const versions = async (input: Record<string, unknown>, c = alice()) => (await c.send(new DescribeLaunchTemplateVersionsCommand(input))).LaunchTemplateVersions!;
  const template = async (id: string, c = alice()): Promise<LaunchTemplate> => (await c.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] }))).LaunchTemplates![0];

  before(async () => {
    dir = tempDir();
    server = await startServer({ dataDir: dir, credentials: writeCredentials(dir), args: ['--settle-ms', '20'] });
    ami = await registerImage(client(), await emptySnapshot(client()));
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  describe('CreateLaunchTemplate', () => {
    test('creates version 1 with the data as given, the creator and tags', async () => {
      const name = ltName();
      const data = {
        ImageId: ami,
        InstanceType: 't3.micro' as const,
        UserData: 'ZWNobyBoaQ==',
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 20, VolumeType: 'gp3' as const, DeleteOnTermination: true } }],
        TagSpecifications: [{ ResourceType: 'instance' as const, Tags: [{ Key: 'Name', Value: 'web' }] }],
        MetadataOptions: { HttpTokens: 'required' as const },
      };
      const out = await alice().send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: name,
          VersionDescription: 'first',
          LaunchTemplateData: data,
          TagSpecifications: [{ ResourceType: 'launch-template', Tags: [{ Key: 'team', Value: 'a' }] }],
        }),
      );
      const lt = out.LaunchTemplate!;
      assert.match(lt.LaunchTemplateId!, /^lt-[0-9a-f]{17}$/);
      assert.equal(lt.LaunchTemplateName, name);
      assert.equal(lt.DefaultVersionNumber, 1);
      assert.equal(lt.LatestVersionNumber, 1);
      assert.equal(lt.CreatedBy, `arn:aws:iam::${ALICE.accountId}:root`);
      assert.ok(lt.CreateTime instanceof Date);
      assert.deepEqual(lt.Tags, [{ Key: 'team', Value: 'a' }]);
      assert.equal(out.Warning, undefined, 'an AMI the account can launch gives no warning');
      const [v] = await versions({ LaunchTemplateId: lt.LaunchTemplateId });
      assert.equal(v.VersionNumber, 1);
      assert.equal(v.VersionDescription, 'first');
      assert.equal(v.DefaultVersion, true);
      assert.deepEqual(v.LaunchTemplateData, data, 'the data comes back as given');
    });

    test('accepts data referencing missing or malformed AMIs, with validation warnings', async () => {
      const missing = await create({ LaunchTemplateData: { ImageId: UNKNOWN_AMI } });
      assert.deepEqual(missing.Warning?.Errors, [{ Code: 'InvalidAMIID.NotFound', Message: `The image id '[${UNKNOWN_AMI}]' does not exist` }]);
      const malformed = await create({ LaunchTemplateData: { ImageId: 'ami-nothex' } });
      assert.equal(malformed.Warning?.Errors?.[0].Code, 'InvalidAMIID.Malformed');
      const alias = await create({ LaunchTemplateData: { ImageId: 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64' } });
      assert.equal(alias.Warning, undefined, 'SSM references are resolved at launch');
      const [v] = await versions({ LaunchTemplateId: alias.LaunchTemplate!.LaunchTemplateId });
      assert.equal(v.LaunchTemplateData!.ImageId, 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');
      // a template may leave the AMI to the launch request
      assert.equal((await create({ LaunchTemplateData: { InstanceType: 't3.small' } })).Warning, undefined);
    });

    test('refuses malformed and duplicate names', async () => {
      for (const bad of ['ab', 'x'.repeat(129), 'has space', 'semi;colon']) {
        await expectError(create({ LaunchTemplateName: bad }), 'InvalidLaunchTemplateName.MalformedException', /between 3 and 128 characters/);
      }
      assert.ok((await create({ LaunchTemplateName: 'a(b).c-d/e_f' })).LaunchTemplate);
      const name = ltName();
      await create({ LaunchTemplateName: name });
      await expectError(create({ LaunchTemplateName: name }), 'InvalidLaunchTemplateName.AlreadyExistsException', /^Launch template name already in use\.$/);
    });

    test('checks user data, tags and required parameters', async () => {
      await expectError(create({ LaunchTemplateData: { UserData: 'echo hi' } }), 'InvalidUserData.Malformed', /Invalid BASE64 encoding of user data/);
      await expectError(create({ TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'a', Value: 'b' }] }] }), 'InvalidParameterValue', /not a valid taggable resource type/);
      await expectError(create({ TagSpecifications: [{ ResourceType: 'launch-template', Tags: [{ Key: 'aws:x', Value: 'b' }] }] }), 'InvalidParameterValue', /reserved/);
      await expectError(create({ LaunchTemplateData: { TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'a', Value: 'b' }] }] } }), 'InvalidParameterValue');
      await expectError(alice().send(new CreateLaunchTemplateCommand({ LaunchTemplateName: ltName() } as CreateLaunchTemplateCommandInput)), 'MissingParameter', /LaunchTemplateData/);
      await expectError(create({ VersionDescription: 'd'.repeat(256) }), 'InvalidParameterValue');
    });

    test('ClientToken makes the call idempotent; DryRun creates nothing', async () => {
      const name = ltName();
      const first = await create({ LaunchTemplateName: name, ClientToken: `tok-${name}` });
      const again = await create({ LaunchTemplateName: name, ClientToken: `tok-${name}` });
      assert.equal(again.LaunchTemplate!.LaunchTemplateId, first.LaunchTemplate!.LaunchTemplateId);
      await expectError(create({ LaunchTemplateName: ltName(), ClientToken: `tok-${name}` }), 'IdempotentParameterMismatch');
      const dry = ltName();
      await expectError(create({ LaunchTemplateName: dry, DryRun: true }), 'DryRunOperation', /Request would have succeeded, but DryRun flag is set\./, 412);
      await expectError(alice().send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [dry] })), 'InvalidLaunchTemplateName.NotFoundException');
      await expectError(create({ LaunchTemplateName: 'x', DryRun: true }), 'InvalidLaunchTemplateName.MalformedException');
    });
  });

  describe('CreateLaunchTemplateVersion', () => {
    test('numbers versions; SourceVersion copies the source and overlays the new data', async () => {
      const { LaunchTemplate: lt } = await create({
        LaunchTemplateData: {
          ImageId: ami,
          InstanceType: 't3.micro',
          KeyName: 'k1',
          BlockDeviceMappings: [{ DeviceName: '/dev/sdf', Ebs: { SnapshotId: 'snap-0123456789abcdef0', VolumeSize: 8 } }],
        },
      });
      const id = lt!.LaunchTemplateId!;
      const v2 = await alice().send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, SourceVersion: '1', VersionDescription: 'new AMI', LaunchTemplateData: { ImageId: UNKNOWN_AMI } }));
      assert.equal(v2.LaunchTemplateVersion!.VersionNumber, 2);
      assert.equal(v2.LaunchTemplateVersion!.DefaultVersion, false);
      assert.equal(v2.Warning?.Errors?.[0].Code, 'InvalidAMIID.NotFound');
      assert.deepEqual(v2.LaunchTemplateVersion!.LaunchTemplateData, {
        ImageId: UNKNOWN_AMI,
        InstanceType: 't3.micro',
        KeyName: 'k1',
        // inherited mappings lose their snapshots (CreateLaunchTemplateVersion reference)
        BlockDeviceMappings: [{ DeviceName: '/dev/sdf', Ebs: { VolumeSize: 8 } }],
      });
      const v3 = await alice().send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateName: lt!.LaunchTemplateName, LaunchTemplateData: { InstanceType: 't3.large' } }));
      assert.equal(v3.LaunchTemplateVersion!.VersionNumber, 3);
      assert.deepEqual(v3.LaunchTemplateVersion!.LaunchTemplateData, { InstanceType: 't3.large' }, 'without SourceVersion nothing is inherited');
      const v4 = await alice().send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, SourceVersion: '$Latest', LaunchTemplateData: { KeyName: 'k2' } }));
      assert.deepEqual(v4.LaunchTemplateVersion!.LaunchTemplateData, { InstanceType: 't3.large', KeyName: 'k2' });
      const t = await template(id);
      assert.equal(t.LatestVersionNumber, 4);
      assert.equal(t.DefaultVersionNumber, 1);
    });

    test("errors: id xor name, AWS's NotFound and Malformed codes, unknown source versions", async () => {
      const { LaunchTemplate: lt } = await create();
      const data = { LaunchTemplateData: { InstanceType: 't3.micro' as const } };
      await expectError(alice().send(new CreateLaunchTemplateVersionCommand({ ...data, LaunchTemplateId: lt!.LaunchTemplateId, LaunchTemplateName: lt!.LaunchTemplateName })), 'InvalidParameterCombination');
      await expectError(alice().send(new CreateLaunchTemplateVersionCommand(data)), 'MissingParameter');
      await expectError(alice().send(new CreateLaunchTemplateVersionCommand({ ...data, LaunchTemplateId: UNKNOWN_LT })), 'InvalidLaunchTemplateId.NotFound', new RegExp(`with template ID ${UNKNOWN_LT}, does not exist`));
      await expectError(alice().send(new CreateLaunchTemplateVersionCommand({ ...data, LaunchTemplateId: 'lt-123' })), 'InvalidLaunchTemplateId.Malformed');
      await expectError(alice().send(new CreateLaunchTemplateVersionCommand({ ...data, LaunchTemplateName: 'no-such-template' })), 'InvalidLaunchTemplateName.NotFoundException', /with template name no-such-template, does not exist/);
      await expectError(
        alice().send(new CreateLaunchTemplateVersionCommand({ ...data, LaunchTemplateId: lt!.LaunchTemplateId, SourceVersion: '9' })),
        'InvalidLaunchTemplateId.VersionNotFound',
        new RegExp(`Could not find the specified version 9 for the launch template with ID ${lt!.LaunchTemplateId}\\.`),
      );
      await expectError(alice().send(new CreateLaunchTemplateVersionCommand({ ...data, LaunchTemplateId: lt!.LaunchTemplateId, DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.equal((await template(lt!.LaunchTemplateId!)).LatestVersionNumber, 1);
    });
  });

  describe('DescribeLaunchTemplates', () => {
    test('by id and name; every explicit one must exist', async () => {
      const a = (await create()).LaunchTemplate!;
      const b = (await create()).LaunchTemplate!;
      const out = await alice().send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [a.LaunchTemplateId!], LaunchTemplateNames: [b.LaunchTemplateName!] }));
      assert.deepEqual(out.LaunchTemplates!.map((t) => t.LaunchTemplateId).sort(), [a.LaunchTemplateId, b.LaunchTemplateId].sort());
      await expectError(alice().send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [a.LaunchTemplateId!, UNKNOWN_LT] })), 'InvalidLaunchTemplateId.NotFound');
      await expectError(alice().send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: ['lt-zz'] })), 'InvalidLaunchTemplateId.Malformed');
      await expectError(
        alice().send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ['nope-nope'] })),
        'InvalidLaunchTemplateName.NotFoundException',
        /At least one of the launch templates specified in the request does not exist\./,
      );
    });

    test('filters and paging', async () => {
      const prefix = `flt-${process.pid}`;
      const made: string[] = [];
      for (let i = 0; i < 3; i++) {
        made.push((await create({ LaunchTemplateName: `${prefix}-${i}`, TagSpecifications: [{ ResourceType: 'launch-template', Tags: [{ Key: 'stage', Value: i === 0 ? 'prod' : 'dev' }] }] })).LaunchTemplate!.LaunchTemplateId!);
      }
      const byName = await alice().send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'launch-template-name', Values: [`${prefix}-*`] }] }));
      assert.equal(byName.LaunchTemplates!.length, 3);
      const prod = await alice().send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'tag:stage', Values: ['prod'] }] }));
      assert.deepEqual(prod.LaunchTemplates!.map((t) => t.LaunchTemplateId), [made[0]]);
      const tagged = await alice().send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'tag-key', Values: ['stage'] }, { Name: 'launch-template-name', Values: [`${prefix}-?`] }] }));
      assert.equal(tagged.LaunchTemplates!.length, 3);
      const recent = await alice().send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'create-time', Values: [(await template(made[1])).CreateTime!.toISOString()] }] }));
      assert.deepEqual(recent.LaunchTemplates!.map((t) => t.LaunchTemplateId), [made[1]]);
      await expectError(alice().send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'bogus', Values: ['x'] }] })), 'InvalidParameterValue');

      const seen: string[] = [];
      let token: string | undefined;
      do {
        const p = await alice().send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'launch-template-name', Values: [`${prefix}-*`] }], MaxResults: 1, NextToken: token }));
        assert.ok(p.LaunchTemplates!.length <= 1);
        seen.push(...p.LaunchTemplates!.map((t) => t.LaunchTemplateId!));
        token = p.NextToken;
      } while (token);
      assert.deepEqual(seen.sort(), [...made].sort());
      await expectError(alice().send(new DescribeLaunchTemplatesCommand({ NextToken: 'garbage' })), 'InvalidNextToken');
      await expectError(alice().send(new DescribeLaunchTemplatesCommand({ MaxResults: 0 })), 'InvalidParameterValue');
      await expectError(alice().send(new DescribeLaunchTemplatesCommand({ DryRun: true })), 'DryRunOperation', undefined, 412);
    });
  });

  describe('DescribeLaunchTemplateVersions', () => {
    let id: string;
    before(async () => {
      id = (await create({ LaunchTemplateData: { ImageId: ami, InstanceType: 't3.micro' } })).LaunchTemplate!.LaunchTemplateId!;
      await alice().send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, SourceVersion: '1', LaunchTemplateData: { InstanceType: 't3.small' } }));
      await alice().send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, SourceVersion: '1', LaunchTemplateData: { ImageId: UNKNOWN_AMI } }));
    });

    test('all versions newest first; $Latest, $Default, numbers; ranges', async () => {
      assert.deepEqual((await versions({ LaunchTemplateId: id })).map((v) => v.VersionNumber), [3, 2, 1]);
      assert.deepEqual((await versions({ LaunchTemplateId: id, Versions: ['$Latest'] })).map((v) => v.VersionNumber), [3]);
      assert.deepEqual((await versions({ LaunchTemplateId: id, Versions: ['$Default', '2'] })).map((v) => v.VersionNumber), [2, 1]);
      assert.deepEqual((await versions({ LaunchTemplateId: id, MinVersion: '2' })).map((v) => v.VersionNumber), [3, 2]);
      assert.deepEqual((await versions({ LaunchTemplateId: id, MaxVersion: '2' })).map((v) => v.VersionNumber), [2, 1]);
      assert.deepEqual((await versions({ LaunchTemplateId: id, MinVersion: '2', MaxVersion: '2' })).map((v) => v.VersionNumber), [2]);
      await expectError(versions({ LaunchTemplateId: id, Versions: ['7'] }), 'InvalidLaunchTemplateId.VersionNotFound', /version 7/);
      await expectError(versions({ LaunchTemplateId: id, Versions: ['latest'] }), 'InvalidLaunchTemplateId.VersionNotFound');
      await expectError(versions({ LaunchTemplateId: UNKNOWN_LT }), 'InvalidLaunchTemplateId.NotFound');
      await expectError(versions({ LaunchTemplateName: 'missing-template' }), 'InvalidLaunchTemplateName.NotFoundException');
    });

    test('filters', async () => {
      assert.deepEqual((await versions({ LaunchTemplateId: id, Filters: [{ Name: 'instance-type', Values: ['t3.small'] }] })).map((v) => v.VersionNumber), [2]);
      assert.deepEqual((await versions({ LaunchTemplateId: id, Filters: [{ Name: 'image-id', Values: [ami] }] })).map((v) => v.VersionNumber), [2, 1]);
      assert.deepEqual((await versions({ LaunchTemplateId: id, Filters: [{ Name: 'is-default-version', Values: ['true'] }] })).map((v) => v.VersionNumber), [1]);
      await expectError(versions({ LaunchTemplateId: id, Filters: [{ Name: 'nope', Values: ['1'] }] }), 'InvalidParameterValue');
    });

    test('across templates with $Latest / $Default only, and paging', async () => {
      const latest = await versions({ Versions: ['$Latest'] });
      assert.ok(latest.some((v) => v.LaunchTemplateId === id && v.VersionNumber === 3));
      assert.ok(latest.every((v) => v.LaunchTemplateId !== id || v.VersionNumber === 3));
      const both = await versions({ Versions: ['$Latest', '$Default'] });
      assert.deepEqual(both.filter((v) => v.LaunchTemplateId === id).map((v) => v.VersionNumber), [3, 1]);
      await expectError(versions({ Versions: ['1'] }), 'InvalidParameterValue');
      await expectError(versions({}), 'InvalidParameterValue');

      const got: number[] = [];
      let token: string | undefined;
      do {
        const p = await alice().send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, MaxResults: 2, NextToken: token }));
        got.push(...p.LaunchTemplateVersions!.map((v) => v.VersionNumber!));
        token = p.NextToken;
      } while (token);
      assert.deepEqual(got, [3, 2, 1]);
    });
  });

  test('ModifyLaunchTemplate sets the default version', async () => {
    const lt = (await create()).LaunchTemplate!;
    await alice().send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: lt.LaunchTemplateId, SourceVersion: '1', LaunchTemplateData: { InstanceType: 't3.small' } }));
    await expectError(alice().send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: lt.LaunchTemplateId, DefaultVersion: '2', DryRun: true })), 'DryRunOperation', undefined, 412);
    const out = await alice().send(new ModifyLaunchTemplateCommand({ LaunchTemplateName: lt.LaunchTemplateName, DefaultVersion: '2' }));
    assert.equal(out.LaunchTemplate!.DefaultVersionNumber, 2);
    assert.deepEqual((await versions({ LaunchTemplateId: lt.LaunchTemplateId, Versions: ['$Default'] })).map((v) => v.VersionNumber), [2]);
    assert.deepEqual((await versions({ LaunchTemplateId: lt.LaunchTemplateId })).map((v) => v.DefaultVersion), [true, false]);
    await expectError(alice().send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: lt.LaunchTemplateId, DefaultVersion: '5' })), 'InvalidLaunchTemplateId.VersionNotFound');
    await expectError(alice().send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: UNKNOWN_LT, DefaultVersion: '1' })), 'InvalidLaunchTemplateId.NotFound');
  });

  test('DeleteLaunchTemplateVersions answers per version; the default stays; numbers are not reused', async () => {
    const lt = (await create()).LaunchTemplate!;
    for (let i = 0; i < 2; i++) await alice().send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: lt.LaunchTemplateId, SourceVersion: '1', LaunchTemplateData: { KeyName: 'k' } }));
    await expectError(alice().send(new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateId: lt.LaunchTemplateId, Versions: ['3'], DryRun: true })), 'DryRunOperation', undefined, 412);
    const out = await alice().send(new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateId: lt.LaunchTemplateId, Versions: ['1', '3', '9'] }));
    assert.deepEqual(out.SuccessfullyDeletedLaunchTemplateVersions, [{ LaunchTemplateId: lt.LaunchTemplateId, LaunchTemplateName: lt.LaunchTemplateName, VersionNumber: 3 }]);
    assert.deepEqual(
      out.UnsuccessfullyDeletedLaunchTemplateVersions!.map((e) => [e.VersionNumber, e.ResponseError!.Code]),
      [
        [1, 'unexpectedError'],
        [9, 'launchTemplateVersionDoesNotExist'],
      ],
    );
    assert.match(out.UnsuccessfullyDeletedLaunchTemplateVersions![0].ResponseError!.Message!, /Cannot delete the default version/);
    assert.equal((await template(lt.LaunchTemplateId!)).LatestVersionNumber, 2);
    const v = await alice().send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: lt.LaunchTemplateId, LaunchTemplateData: { KeyName: 'k' } }));
    assert.equal(v.LaunchTemplateVersion!.VersionNumber, 4);
    const missing = await alice().send(new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateId: UNKNOWN_LT, Versions: ['1'] }));
    assert.equal(missing.UnsuccessfullyDeletedLaunchTemplateVersions![0].ResponseError!.Code, 'launchTemplateIdDoesNotExist');
    const byName = await alice().send(new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateName: 'nothing-here', Versions: ['1'] }));
    assert.equal(byName.UnsuccessfullyDeletedLaunchTemplateVersions![0].ResponseError!.Code, 'launchTemplateNameDoesNotExist');
    assert.deepEqual(byName.SuccessfullyDeletedLaunchTemplateVersions, []);
  });

  test('DeleteLaunchTemplate removes the template, its versions and tags; the name is free again', async () => {
    const lt = (await create({ TagSpecifications: [{ ResourceType: 'launch-template', Tags: [{ Key: 'k', Value: 'v' }] }] })).LaunchTemplate!;
    await expectError(alice().send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: lt.LaunchTemplateId, DryRun: true })), 'DryRunOperation', undefined, 412);
    const out = await alice().send(new DeleteLaunchTemplateCommand({ LaunchTemplateName: lt.LaunchTemplateName }));
    assert.equal(out.LaunchTemplate!.LaunchTemplateId, lt.LaunchTemplateId);
    assert.equal(out.LaunchTemplate!.DefaultVersionNumber, 1);
    await expectError(alice().send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [lt.LaunchTemplateId!] })), 'InvalidLaunchTemplateId.NotFound');
    await expectError(versions({ LaunchTemplateId: lt.LaunchTemplateId }), 'InvalidLaunchTemplateId.NotFound');
    const tags = await alice().send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [lt.LaunchTemplateId!] }] }));
    assert.deepEqual(tags.Tags, []);
    await expectError(alice().send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: lt.LaunchTemplateId })), 'InvalidLaunchTemplateId.NotFound');
    assert.ok((await create({ LaunchTemplateName: lt.LaunchTemplateName })).LaunchTemplate);
  });

  test('CreateTags and DescribeTags work on launch templates', async () => {
    const lt = (await create()).LaunchTemplate!;
    await alice().send(new CreateTagsCommand({ Resources: [lt.LaunchTemplateId!], Tags: [{ Key: 'owner', Value: 'me' }] }));
    const tags = await alice().send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [lt.LaunchTemplateId!] }] }));
    assert.deepEqual(tags.Tags, [{ Key: 'owner', Value: 'me', ResourceId: lt.LaunchTemplateId, ResourceType: 'launch-template' }]);
    assert.deepEqual((await template(lt.LaunchTemplateId!)).Tags, [{ Key: 'owner', Value: 'me' }]);
    await expectError(alice().send(new CreateTagsCommand({ Resources: [UNKNOWN_LT], Tags: [{ Key: 'a', Value: 'b' }] })), 'InvalidLaunchTemplateId.NotFound');
  });

  test("another account's or region's templates are indistinguishable from missing ones", async () => {
    const bob = client(BOB);
    const lt = (await create()).LaunchTemplate!;
    await expectError(bob.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [lt.LaunchTemplateId!] })), 'InvalidLaunchTemplateId.NotFound');
    await expectError(bob.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [lt.LaunchTemplateName!] })), 'InvalidLaunchTemplateName.NotFoundException');
    assert.ok(!(await bob.send(new DescribeLaunchTemplatesCommand({}))).LaunchTemplates!.some((t) => t.LaunchTemplateId === lt.LaunchTemplateId));
    await expectError(bob.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: lt.LaunchTemplateId, LaunchTemplateData: { KeyName: 'k' } })), 'InvalidLaunchTemplateId.NotFound');
    await expectError(bob.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: lt.LaunchTemplateId, DefaultVersion: '1' })), 'InvalidLaunchTemplateId.NotFound');
    await expectError(bob.send(new DeleteLaunchTemplateCommand({ LaunchTemplateId: lt.LaunchTemplateId })), 'InvalidLaunchTemplateId.NotFound');
    await expectError(bob.send(new CreateTagsCommand({ Resources: [lt.LaunchTemplateId!], Tags: [{ Key: 'a', Value: 'b' }] })), 'InvalidLaunchTemplateId.NotFound');
    const denied = await bob.send(new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateId: lt.LaunchTemplateId, Versions: ['1'] }));
    assert.equal(denied.UnsuccessfullyDeletedLaunchTemplateVersions![0].ResponseError!.Code, 'launchTemplateIdDoesNotExist');
    // the same name is free in another account and in another region
    assert.ok((await create({ LaunchTemplateName: lt.LaunchTemplateName }, bob)).LaunchTemplate);
    assert.ok((await create({ LaunchTemplateName: lt.LaunchTemplateName }, client(ALICE, 'eu-west-1'))).LaunchTemplate);
    await expectError(client(ALICE, 'eu-west-1').send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [lt.LaunchTemplateId!] })), 'InvalidLaunchTemplateId.NotFound');
    assert.equal((await template(lt.LaunchTemplateId!)).LatestVersionNumber, 1, "nothing of Bob's touched Alice's template");
  });

  test('ResolveAlias shows the AMI a resolve:ssm: image id stands for', async () => {
    const alias = 'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';
    const lt = (await create({ LaunchTemplateData: { ImageId: alias } })).LaunchTemplate!;
    const [raw] = await versions({ LaunchTemplateId: lt.LaunchTemplateId });
    assert.equal(raw.LaunchTemplateData!.ImageId, alias);
    const [resolved] = await versions({ LaunchTemplateId: lt.LaunchTemplateId, ResolveAlias: true });
    assert.match(resolved.LaunchTemplateData!.ImageId!, /^ami-[0-9a-f]{17}$/);
    const missing = (await create({ LaunchTemplateData: { ImageId: 'resolve:ssm:/no/such/parameter' } })).LaunchTemplate!;
    await expectError(versions({ LaunchTemplateId: missing.LaunchTemplateId, ResolveAlias: true }), 'SsmInvalidParameter', /does not exist/);
  });

  test('GetLaunchTemplateData describes an instance as launch template data that launches again', async () => {
    const run = await alice().send(
      new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.small', MinCount: 1, MaxCount: 1, UserData: 'ZWNobyBoaQ==', TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'model' }] }] }),
    );
    const instanceId = run.Instances![0].InstanceId!;
    const { LaunchTemplateData: data } = await alice().send(new GetLaunchTemplateDataCommand({ InstanceId: instanceId }));
    assert.equal(data!.ImageId, ami);
    assert.equal(data!.InstanceType, 't3.small');
    assert.equal(data!.UserData, 'ZWNobyBoaQ==');
    assert.equal(data!.Placement!.AvailabilityZone, run.Instances![0].Placement!.AvailabilityZone);
    assert.deepEqual(data!.TagSpecifications, [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: 'model' }] }]);
    assert.equal(data!.BlockDeviceMappings!.length, run.Instances![0].BlockDeviceMappings!.length);
    assert.ok(data!.BlockDeviceMappings!.every((m) => m.Ebs!.VolumeSize! > 0 && m.Ebs!.DeleteOnTermination !== undefined));
    assert.equal(data!.NetworkInterfaces![0].SubnetId, run.Instances![0].SubnetId);
    const lt = (await create({ LaunchTemplateData: data as never })).LaunchTemplate!;
    const again = await alice().send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateId: lt.LaunchTemplateId } }));
    assert.equal(again.Instances![0].ImageId, ami);
    assert.equal(again.Instances![0].InstanceType, 't3.small');
    await expectError(alice().send(new GetLaunchTemplateDataCommand({ InstanceId: 'i-0123456789abcdef0' })), 'InvalidInstanceID.NotFound');
    await expectError(alice().send(new GetLaunchTemplateDataCommand({ InstanceId: 'i-zz' })), 'InvalidInstanceID.Malformed');
    await expectError(client(BOB).send(new GetLaunchTemplateDataCommand({ InstanceId: instanceId })), 'InvalidInstanceID.NotFound');
    await expectError(alice().send(new GetLaunchTemplateDataCommand({ InstanceId: instanceId, DryRun: true })), 'DryRunOperation', undefined, 412);
  });

  test('templates, versions and defaults survive kill -9', async () => {
    const lt = (await create()).LaunchTemplate!;
    await alice().send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: lt.LaunchTemplateId, SourceVersion: '1', LaunchTemplateData: { InstanceType: 't3.large' } }));
    await alice().send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: lt.LaunchTemplateId, DefaultVersion: '2' }));
    await server.kill();
    server = await startServer({ dataDir: dir, credentials: join(dir, 'credentials'), args: ['--settle-ms', '20'] });
    const c = client();
    const t = (await c.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [lt.LaunchTemplateId!] }))).LaunchTemplates![0];
    assert.equal(t.DefaultVersionNumber, 2);
    assert.equal(t.LatestVersionNumber, 2);
    const [v] = (await c.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: lt.LaunchTemplateId, Versions: ['$Default'] }))).LaunchTemplateVersions!;
    assert.equal(v.LaunchTemplateData!.InstanceType, 't3.large');
    assert.equal(v.LaunchTemplateData!.ImageId, ami);
  });
});

