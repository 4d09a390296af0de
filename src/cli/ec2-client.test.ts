import { test } from 'node:test';
import assert from 'node:assert/strict';
import { xmlItems, xmlText } from './ec2-client.js';

const XML = `<DescribeImagesResponse><requestId>r</requestId><imagesSet><item><imageId>ami-1</imageId>
<blockDeviceMapping><item><deviceName>/dev/sdb</deviceName><ebs><snapshotId>snap-b</snapshotId></ebs></item>
<item><deviceName>/dev/xvda</deviceName><ebs><snapshotId>snap-a</snapshotId></ebs></item></blockDeviceMapping>
<tagSet><item><key>k</key><value>a &amp; b</value></item></tagSet><rootDeviceName>/dev/xvda</rootDeviceName></item>
<item><imageId>ami-2</imageId><blockDeviceMapping/></item></imagesSet></DescribeImagesResponse>`;

test('xmlItems keeps nested items inside their parent and stops at the list end', () => {
  const images = xmlItems(XML, 'imagesSet');
  assert.equal(images.length, 2);
  assert.equal(xmlText(images[0], 'imageId'), 'ami-1');
  assert.equal(xmlText(images[1], 'imageId'), 'ami-2');
  const mappings = xmlItems(images[0], 'blockDeviceMapping');
  assert.deepEqual(mappings.map((m) => xmlText(m, 'snapshotId')), ['snap-b', 'snap-a']);
  assert.deepEqual(xmlItems(images[1], 'blockDeviceMapping'), []);
  assert.equal(xmlText(images[0], 'value'), 'a & b');
  assert.equal(xmlText(XML, 'missing'), undefined);
});
