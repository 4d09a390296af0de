// Instance profiles on instances (issue 11 §5), through @aws-sdk/client-ec2 and client-iam:
// RunInstances with IamInstanceProfile by name or ARN (directly, through a launch template, and
// an Auto Scaling group's template), AWS's errors for a profile that is missing, another
// account's or holds no role; DescribeInstances' IamInstanceProfile {Arn, Id};
// Associate/Describe/Replace/DisassociateIamInstanceProfile with their states, errors, filters
// and paging; everything as it was after a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AssociateIamInstanceProfileCommand,
  CreateLaunchTemplateCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DisassociateIamInstanceProfileCommand,
  ReplaceIamInstanceProfileAssociationCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateAutoScalingGroupCommand, DeleteAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, GetInstanceProfileCommand, type InstanceProfile } from '@aws-sdk/client-iam';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { autoscaling, ec2, expectAwsError, iam } from '../helpers/clients.js';
import { describeInstance, instanceIn, launchableImage, runOne } from '../helpers/instances.js';
import { until } from '../helpers/until.js';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

describe('instance profiles on instances', () => {
  let dir: string;
  let credentials: string;
  let server: TestServer;
  let image: string;
  let web: InstanceProfile;
  let db: InstanceProfile;
  const alice = (): EC2Client => ec2(server.url, { account: ALICE });
  const associations = async (input: ConstructorParameters<typeof DescribeIamInstanceProfileAssociationsCommand>[0] = {}) =>
    (await alice().send(new DescribeIamInstanceProfileAssociationsCommand(input))).IamInstanceProfileAssociations ?? [];

  before(async () => {
    dir = tempDir();
    credentials = writeCredentials(dir);
    server = await startServer({ credentials, args: ['--settle-ms', '20'] });
    image = await launchableImage(alice());
    const i = iam(server.url, { account: ALICE });
    for (const name of ['web', 'db']) {
      await i.send(new CreateRoleCommand({ RoleName: `${name}-role`, AssumeRolePolicyDocument: TRUST }));
      await i.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Path: name === 'db' ? '/data/' : '/' }));
      await i.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: `${name}-role` }));
    }
    await i.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'empty' }));
    [web, db] = await Promise.all(['web', 'db'].map(async (name) => (await i.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile!));
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  test('RunInstances with a profile by name: DescribeInstances and the associations show its ARN and IAM id', async () => {
    const launched = await runOne(alice(), image, { IamInstanceProfile: { Name: 'web' } });
    assert.deepEqual(launched.IamInstanceProfile, { Arn: web.Arn, Id: web.InstanceProfileId });
    assert.match(web.InstanceProfileId!, /^AIPA[A-Z2-7]{17}$/);
    const running = await instanceIn(alice(), launched.InstanceId!, 'running');
    assert.deepEqual(running.IamInstanceProfile, { Arn: web.Arn, Id: web.InstanceProfileId });
    const [a] = await associations({ Filters: [{ Name: 'instance-id', Values: [launched.InstanceId!] }] });
    assert.match(a.AssociationId!, /^iip-assoc-[0-9a-f]{17}$/);
    assert.equal(a.State, 'associated');
    assert.deepEqual(a.IamInstanceProfile, { Arn: web.Arn, Id: web.InstanceProfileId });
    assert.ok(a.Timestamp instanceof Date);
  });

  test('by ARN, with its path; a name of another case is the same profile, as in IAM', async () => {
    const byArn = await runOne(alice(), image, { IamInstanceProfile: { Arn: db.Arn } });
    assert.equal(byArn.IamInstanceProfile?.Arn, `arn:aws:iam::${ALICE.accountId}:instance-profile/data/db`);
    assert.equal((await runOne(alice(), image, { IamInstanceProfile: { Name: 'WEB' } })).IamInstanceProfile?.Arn, web.Arn);
  });

  test('a profile that does not exist, is another account’s, has another path or holds no role: InvalidParameterValue', async () => {
    const run = (IamInstanceProfile: { Name?: string; Arn?: string }) => alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, IamInstanceProfile }));
    await expectAwsError(run({ Name: 'nope' }), 'InvalidParameterValue', /^Value \(nope\) for parameter iamInstanceProfile\.name is invalid\. Invalid IAM Instance Profile name$/);
    await expectAwsError(run({ Name: 'empty' }), 'InvalidParameterValue', /Invalid IAM Instance Profile name/);
    // an empty name is no profile at all (what Packer sends when none is configured)
    const none = (await run({ Name: '' })).Instances![0];
    assert.equal(none.IamInstanceProfile, undefined);
    await expectAwsError(run({ Arn: `arn:aws:iam::${ALICE.accountId}:instance-profile/db` }), 'InvalidParameterValue', /^Value \(arn:aws:iam::111111111111:instance-profile\/db\) for parameter iamInstanceProfile\.arn is invalid\. Invalid IAM Instance Profile ARN$/);
    const bob = ec2(server.url, { account: BOB });
    const bobs = await launchableImage(bob);
    const runAsBob = (IamInstanceProfile: { Name?: string; Arn?: string }) => bob.send(new RunInstancesCommand({ ImageId: bobs, MinCount: 1, MaxCount: 1, IamInstanceProfile }));
    await expectAwsError(runAsBob({ Name: 'web' }), 'InvalidParameterValue', /Invalid IAM Instance Profile name/);
    await expectAwsError(runAsBob({ Arn: web.Arn }), 'InvalidParameterValue', /Invalid IAM Instance Profile ARN/);
  });

  test('a launch template and an Auto Scaling group launch with the template’s profile', async () => {
    await alice().send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'with-profile', LaunchTemplateData: { ImageId: image, InstanceType: 't3.micro', IamInstanceProfile: { Name: 'db' } } }));
    const viaTemplate = (await alice().send(new RunInstancesCommand({ LaunchTemplate: { LaunchTemplateName: 'with-profile' }, MinCount: 1, MaxCount: 1 }))).Instances![0];
    assert.equal(viaTemplate.IamInstanceProfile?.Arn, db.Arn);
    // the request's own profile wins over the template's
    const overridden = (await alice().send(new RunInstancesCommand({ LaunchTemplate: { LaunchTemplateName: 'with-profile' }, IamInstanceProfile: { Name: 'web' }, MinCount: 1, MaxCount: 1 }))).Instances![0];
    assert.equal(overridden.IamInstanceProfile?.Arn, web.Arn);

    const asg = autoscaling(server.url, { account: ALICE });
    await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'profiled', MinSize: 1, MaxSize: 1, LaunchTemplate: { LaunchTemplateName: 'with-profile' }, AvailabilityZones: ['us-east-1a'] }));
    const id = await until('a group instance', async () => (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['profiled'] }))).AutoScalingGroups?.[0].Instances?.[0]?.InstanceId, 200, 50);
    assert.deepEqual((await describeInstance(alice(), id!))?.IamInstanceProfile, { Arn: db.Arn, Id: db.InstanceProfileId });
    await asg.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'profiled', ForceDelete: true }));
  });

  describe('associations', () => {
    let plain: string;
    let first: string;
    let second: string;

    test('AssociateIamInstanceProfile: associating, then associated; DescribeInstances shows the profile', async () => {
      plain = (await runOne(alice(), image)).InstanceId!;
      assert.equal((await describeInstance(alice(), plain))?.IamInstanceProfile, undefined);
      const out = (await alice().send(new AssociateIamInstanceProfileCommand({ InstanceId: plain, IamInstanceProfile: { Arn: web.Arn } }))).IamInstanceProfileAssociation!;
      assert.equal(out.State, 'associating');
      assert.equal(out.InstanceId, plain);
      assert.deepEqual(out.IamInstanceProfile, { Arn: web.Arn, Id: web.InstanceProfileId });
      first = out.AssociationId!;
      assert.deepEqual((await associations({ AssociationIds: [first] })).map((a) => a.State), ['associated']);
      assert.equal((await describeInstance(alice(), plain))?.IamInstanceProfile?.Arn, web.Arn);
    });

    test('errors: an existing association, unknown instances and associations, bad ids, bad profiles', async () => {
      await expectAwsError(alice().send(new AssociateIamInstanceProfileCommand({ InstanceId: plain, IamInstanceProfile: { Name: 'db' } })), 'IncorrectState', new RegExp(`^There is an existing association for instance ${plain}$`));
      await expectAwsError(alice().send(new AssociateIamInstanceProfileCommand({ InstanceId: 'i-0123456789abcdef0', IamInstanceProfile: { Name: 'db' } })), 'InvalidInstanceID.NotFound');
      await expectAwsError(ec2(server.url, { account: BOB }).send(new AssociateIamInstanceProfileCommand({ InstanceId: plain, IamInstanceProfile: { Name: 'db' } })), 'InvalidInstanceID.NotFound');
      const other = (await runOne(alice(), image)).InstanceId!;
      await expectAwsError(alice().send(new AssociateIamInstanceProfileCommand({ InstanceId: other, IamInstanceProfile: { Name: 'empty' } })), 'InvalidParameterValue', /iamInstanceProfile\.name is invalid/);
      await expectAwsError(alice().send(new DisassociateIamInstanceProfileCommand({ AssociationId: 'iip-assoc-0123456789abcdef0' })), 'InvalidAssociationID.NotFound', /^The association ID 'iip-assoc-0123456789abcdef0' does not exist$/);
      await expectAwsError(alice().send(new DisassociateIamInstanceProfileCommand({ AssociationId: plain })), 'InvalidParameterValue', /^Invalid value for associationId\.$/);
      await expectAwsError(ec2(server.url, { account: BOB }).send(new DisassociateIamInstanceProfileCommand({ AssociationId: first })), 'InvalidAssociationID.NotFound');
      await expectAwsError(associations({ AssociationIds: ['iip-assoc-0123456789abcdef0'] }), 'InvalidAssociationID.NotFound');
    });

    test('ReplaceIamInstanceProfileAssociation: a new association, the old one disassociated', async () => {
      await instanceIn(alice(), plain, 'running');
      const out = (await alice().send(new ReplaceIamInstanceProfileAssociationCommand({ AssociationId: first, IamInstanceProfile: { Name: 'db' } }))).IamInstanceProfileAssociation!;
      assert.equal(out.State, 'associating');
      assert.notEqual(out.AssociationId, first);
      second = out.AssociationId!;
      assert.equal((await describeInstance(alice(), plain))?.IamInstanceProfile?.Arn, db.Arn);
      const mine = await associations({ Filters: [{ Name: 'instance-id', Values: [plain] }] });
      assert.deepEqual(Object.fromEntries(mine.map((a) => [a.AssociationId, a.State])), { [first]: 'disassociated', [second]: 'associated' });
      await expectAwsError(alice().send(new ReplaceIamInstanceProfileAssociationCommand({ AssociationId: first, IamInstanceProfile: { Name: 'web' } })), 'IncorrectState', new RegExp(`^The association ${first} is not the active association$`));
    });

    test('DisassociateIamInstanceProfile: disassociating, then the instance holds none; filters by state', async () => {
      const out = (await alice().send(new DisassociateIamInstanceProfileCommand({ AssociationId: second }))).IamInstanceProfileAssociation!;
      assert.equal(out.State, 'disassociating');
      assert.equal(out.AssociationId, second);
      assert.equal((await describeInstance(alice(), plain))?.IamInstanceProfile, undefined);
      await expectAwsError(alice().send(new DisassociateIamInstanceProfileCommand({ AssociationId: second })), 'IncorrectState');
      const ended = await associations({ Filters: [{ Name: 'state', Values: ['disassociated'] }] });
      assert.deepEqual(ended.map((a) => a.AssociationId).sort(), [first, second].sort());
      assert.ok((await associations({ Filters: [{ Name: 'state', Values: ['associated'] }] })).every((a) => a.State === 'associated' && a.InstanceId !== plain));
      // a stopped instance takes a profile too (Replace needs a running one)
      await alice().send(new StopInstancesCommand({ InstanceIds: [plain] }));
      await instanceIn(alice(), plain, 'stopped');
      const again = (await alice().send(new AssociateIamInstanceProfileCommand({ InstanceId: plain, IamInstanceProfile: { Name: 'web' } }))).IamInstanceProfileAssociation!;
      await expectAwsError(alice().send(new ReplaceIamInstanceProfileAssociationCommand({ AssociationId: again.AssociationId, IamInstanceProfile: { Name: 'db' } })), 'IncorrectState', /is not the active association/);
    });

    test('paging: MaxResults and NextToken over every association, none twice', async () => {
      await alice().send(new RunInstancesCommand({ ImageId: image, MinCount: 6, MaxCount: 6, IamInstanceProfile: { Name: 'web' } }));
      const all = await associations();
      assert.ok(all.length >= 12, `${all.length}`);
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await alice().send(new DescribeIamInstanceProfileAssociationsCommand({ MaxResults: 5, NextToken: token }));
        assert.ok(page.IamInstanceProfileAssociations!.length <= 5);
        seen.push(...page.IamInstanceProfileAssociations!.map((a) => a.AssociationId!));
        token = page.NextToken;
      } while (token);
      assert.deepEqual(seen, all.map((a) => a.AssociationId));
      await expectAwsError(alice().send(new DescribeIamInstanceProfileAssociationsCommand({ AssociationIds: [first], MaxResults: 5 })), 'InvalidParameterCombination');
    });

    test('after a restart: the same associations, the same profiles on the instances', async () => {
      const before = await associations();
      const instance = await describeInstance(alice(), plain);
      await server.stop();
      server = await startServer({ credentials, dataDir: server.dataDir, args: ['--settle-ms', '20'] });
      assert.deepEqual(await associations(), before);
      assert.deepEqual((await describeInstance(alice(), plain))?.IamInstanceProfile, instance?.IamInstanceProfile);
    });
  });
});
