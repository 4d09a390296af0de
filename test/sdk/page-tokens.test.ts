// NextToken survives a restart (tokens are keyed from the data directory's master key): a page
// of DescribeImages and of DescribeAutoScalingGroups is continued by a new server process.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeImagesCommand, CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { autoscaling, ec2, expectAwsError } from '../helpers/clients.js';
import { startServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
after(() => server?.stop());

test('page tokens are valid after a restart, and still bound to their query', async () => {
  server = await startServer({ args: ['--settle-ms', '0'] });
  let client = ec2(server.url);
  const first = await client.send(new DescribeImagesCommand({ Owners: ['amazon'], MaxResults: 5 }));
  assert.ok(first.NextToken);
  const expected = await client.send(new DescribeImagesCommand({ Owners: ['amazon'], MaxResults: 5, NextToken: first.NextToken }));

  let asg = autoscaling(server.url);
  await client.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'paged-lt', LaunchTemplateData: { ImageId: first.Images![0].ImageId, InstanceType: 't3.micro' } }));
  for (const name of ['a', 'b']) await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: 0, MaxSize: 1, LaunchTemplate: { LaunchTemplateName: 'paged-lt' }, AvailabilityZones: ['us-east-1a'] }));
  const groups = await asg.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 1 }));
  assert.equal(groups.AutoScalingGroups![0].AutoScalingGroupName, 'a');

  await server.stop();
  server = await startServer({ dataDir: server.dataDir, args: ['--settle-ms', '0'] });
  client = ec2(server.url);
  asg = autoscaling(server.url);
  const second = await client.send(new DescribeImagesCommand({ Owners: ['amazon'], MaxResults: 5, NextToken: first.NextToken }));
  assert.deepEqual(second.Images!.map((i) => i.ImageId), expected.Images!.map((i) => i.ImageId));
  const rest = await asg.send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 1, NextToken: groups.NextToken }));
  assert.equal(rest.AutoScalingGroups![0].AutoScalingGroupName, 'b');
  await expectAwsError(client.send(new DescribeImagesCommand({ Owners: ['self'], MaxResults: 5, NextToken: first.NextToken })), 'InvalidNextToken');
});
