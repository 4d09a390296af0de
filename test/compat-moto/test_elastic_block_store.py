import boto3
import pytest
from botocore.exceptions import ClientError

from compat_helpers import ACCOUNT_ID, EXAMPLE_AMI_ID, assert_dryrun_error


def test_create_and_delete_volume():
    client = boto3.client("ec2", region_name="us-east-1")
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    volume = ec2.create_volume(Size=80, AvailabilityZone="us-east-1a")

    all_volumes = client.describe_volumes()["Volumes"]
    current_volume = [item for item in all_volumes if item["VolumeId"] == volume.id]
    assert len(current_volume) == 1
    assert current_volume[0]["Size"] == 80
    assert current_volume[0]["AvailabilityZone"] == "us-east-1a"
    assert current_volume[0]["Encrypted"] is False

    with pytest.raises(ClientError) as ex:
        volume.delete(DryRun=True)
    assert_dryrun_error(ex)

    volume.delete()
    all_volumes = client.describe_volumes()["Volumes"]
    assert volume.id not in [v["VolumeId"] for v in all_volumes]

    with pytest.raises(ClientError) as ex:
        volume.delete()
    assert ex.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "RequestId" in ex.value.response["ResponseMetadata"]
    assert ex.value.response["Error"]["Code"] == "InvalidVolume.NotFound"


def test_modify_volume():
    client = boto3.client("ec2", region_name="us-east-1")
    volume_id = client.create_volume(Size=10, AvailabilityZone="us-east-1a")["VolumeId"]
    modification = client.modify_volume(VolumeId=volume_id, Size=20)["VolumeModification"]
    assert modification["VolumeId"] == volume_id
    assert modification["OriginalSize"] == 10
    assert modification["TargetSize"] == 20
    assert client.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]["Size"] == 20

    modifications = client.describe_volumes_modifications(VolumeIds=[volume_id])["VolumesModifications"]
    assert len(modifications) == 1
    assert modifications[0]["TargetSize"] == 20


def test_delete_attached_volume():
    client = boto3.client("ec2", region_name="us-east-1")
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]
    volume = ec2.create_volume(Size=10, AvailabilityZone=instance.placement["AvailabilityZone"])
    volume.attach_to_instance(InstanceId=instance.id, Device="/dev/sdh")
    volume.reload()
    assert volume.state == "in-use"
    assert len(volume.attachments) == 1
    assert volume.attachments[0]["InstanceId"] == instance.id
    assert volume.attachments[0]["State"] == "attached"

    with pytest.raises(ClientError) as ex:
        volume.delete()
    assert ex.value.response["Error"]["Code"] == "VolumeInUse"

    volume.detach_from_instance(InstanceId=instance.id)
    volume.reload()
    assert volume.state == "available"
    volume.delete()
    assert volume.id not in [v["VolumeId"] for v in client.describe_volumes()["Volumes"]]


def test_create_encrypted_volume_dryrun():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    with pytest.raises(ClientError) as ex:
        ec2.create_volume(Size=80, AvailabilityZone="us-east-1a", DryRun=True)
    assert_dryrun_error(ex)


def test_create_encrypted_volume():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    client = boto3.client("ec2", region_name="us-east-1")
    volume = ec2.create_volume(Size=80, AvailabilityZone="us-east-1a", Encrypted=True)
    all_volumes = client.describe_volumes(VolumeIds=[volume.id])["Volumes"]
    assert all_volumes[0]["Encrypted"] is True
    assert "KmsKeyId" in all_volumes[0]


def test_filter_volume_by_id():
    client = boto3.client("ec2", region_name="us-east-1")
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    volume1 = ec2.create_volume(Size=80, AvailabilityZone="us-east-1a")
    volume2 = ec2.create_volume(Size=36, AvailabilityZone="us-east-1b")
    volume3 = ec2.create_volume(Size=20, AvailabilityZone="us-east-1c")

    vol3 = client.describe_volumes(VolumeIds=[volume3.id])["Volumes"]
    assert len(vol3) == 1
    assert vol3[0]["Size"] == 20
    assert vol3[0]["AvailabilityZone"] == "us-east-1c"

    vol12 = client.describe_volumes(VolumeIds=[volume1.id, volume2.id])["Volumes"]
    assert len(vol12) == 2

    with pytest.raises(ClientError) as ex:
        client.describe_volumes(VolumeIds=["vol-does_not_exist"])
    assert ex.value.response["Error"]["Code"] in ("InvalidVolume.NotFound", "InvalidVolumeID.Malformed")

    with pytest.raises(ClientError) as ex:
        client.describe_volumes(VolumeIds=["vol-0123456789abcdef0"])
    assert ex.value.response["Error"]["Code"] == "InvalidVolume.NotFound"


def test_volume_filters():
    client = boto3.client("ec2", region_name="us-east-1")
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]
    zone = instance.placement["AvailabilityZone"]
    volume1 = ec2.create_volume(Size=25, AvailabilityZone=zone, Encrypted=True)
    volume2 = ec2.create_volume(Size=36, AvailabilityZone=zone, Encrypted=False)
    volume3 = ec2.create_volume(Size=20, AvailabilityZone=zone, Encrypted=True)
    volume4 = ec2.create_volume(Size=25, AvailabilityZone=zone)
    client.create_tags(Resources=[volume1.id], Tags=[{"Key": "testkey1", "Value": "testvalue1"}])
    client.create_tags(Resources=[volume2.id], Tags=[{"Key": "testkey2", "Value": "testvalue2"}])
    volume4.attach_to_instance(InstanceId=instance.id, Device="/dev/sdh")

    def ids(filters):
        return {v["VolumeId"] for v in client.describe_volumes(Filters=filters)["Volumes"]}

    root_volume_id = instance.block_device_mappings[0]["Ebs"]["VolumeId"]
    assert ids([{"Name": "attachment.instance-id", "Values": [instance.id]}]) == {root_volume_id, volume4.id}
    assert ids([{"Name": "attachment.device", "Values": ["/dev/sdh"]}]) == {volume4.id}
    assert ids([{"Name": "size", "Values": ["25"]}]) == {volume1.id, volume4.id}
    assert ids([{"Name": "status", "Values": ["in-use"]}]) == {root_volume_id, volume4.id}
    assert ids([{"Name": "tag-key", "Values": ["testkey1"]}]) == {volume1.id}
    assert ids([{"Name": "tag:testkey1", "Values": ["testvalue1"]}]) == {volume1.id}
    assert ids([{"Name": "encrypted", "Values": ["true"]}]) == {volume1.id, volume3.id}
    assert ids([{"Name": "availability-zone", "Values": [zone]}]) >= {volume1.id, volume2.id, volume3.id, volume4.id}


@pytest.mark.aws_not_moto
def test_volume_attach_and_detach():
    # AWS: InvalidVolume.NotFound for an unknown volume; moto's server answers with a body that is not XML
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    client = boto3.client("ec2", region_name="us-east-1")
    instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]
    volume = ec2.create_volume(Size=80, AvailabilityZone=instance.placement["AvailabilityZone"])
    volume.reload()
    assert volume.state == "available"
    assert not volume.attachments

    with pytest.raises(ClientError) as ex:
        volume.attach_to_instance(InstanceId=instance.id, Device="/dev/sdh", DryRun=True)
    assert_dryrun_error(ex)

    attachment = client.attach_volume(VolumeId=volume.id, InstanceId=instance.id, Device="/dev/sdh")
    assert attachment["State"] == "attaching"
    assert attachment["Device"] == "/dev/sdh"
    volume.reload()
    assert volume.state == "in-use"
    assert volume.attachments[0]["State"] == "attached"
    assert volume.attachments[0]["InstanceId"] == instance.id

    with pytest.raises(ClientError) as ex:
        volume.detach_from_instance(DryRun=True)
    assert_dryrun_error(ex)

    detachment = client.detach_volume(VolumeId=volume.id)
    assert detachment["State"] == "detaching"
    volume.reload()
    assert volume.state == "available"

    with pytest.raises(ClientError) as ex:
        client.attach_volume(VolumeId="vol-abcd1234", InstanceId=instance.id, Device="/dev/sdh")
    assert ex.value.response["Error"]["Code"] == "InvalidVolume.NotFound"

    with pytest.raises(ClientError) as ex:
        client.attach_volume(VolumeId=volume.id, InstanceId="i-abcd1234", Device="/dev/sdh")
    assert ex.value.response["Error"]["Code"] == "InvalidInstanceID.NotFound"


@pytest.mark.aws_not_moto
def test_create_snapshot():
    # OwnerIds=[self] lists only the caller's snapshots on AWS; moto also lists its example images' snapshots
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    client = boto3.client("ec2", region_name="us-east-1")
    volume = ec2.create_volume(Size=80, AvailabilityZone="us-east-1a")

    with pytest.raises(ClientError) as ex:
        volume.create_snapshot(Description="a dryrun snapshot", DryRun=True)
    assert_dryrun_error(ex)

    snapshot = volume.create_snapshot(Description="a test snapshot")
    snapshot.reload()
    assert snapshot.state == "completed"

    snapshots = client.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    assert len(snapshots) == 1
    assert snapshots[0]["Description"] == "a test snapshot"
    assert snapshots[0]["StartTime"] is not None
    assert snapshots[0]["Encrypted"] is False
    assert snapshots[0]["OwnerId"] == ACCOUNT_ID

    volume.create_snapshot(Description="another snapshot")
    assert len(client.describe_snapshots(OwnerIds=["self"])["Snapshots"]) == 2

    snapshot.delete()
    assert len(client.describe_snapshots(OwnerIds=["self"])["Snapshots"]) == 1

    with pytest.raises(ClientError) as ex:
        snapshot.delete()
    assert ex.value.response["Error"]["Code"] == "InvalidSnapshot.NotFound"


def test_create_encrypted_snapshot():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    client = boto3.client("ec2", region_name="us-east-1")
    volume = ec2.create_volume(Size=80, AvailabilityZone="us-east-1a", Encrypted=True)
    snapshot = volume.create_snapshot(Description="a test snapshot")
    snapshot.reload()
    assert snapshot.encrypted is True
    snapshots = client.describe_snapshots(SnapshotIds=[snapshot.id])["Snapshots"]
    assert snapshots[0]["Encrypted"] is True


def test_filter_snapshot_by_id():
    client = boto3.client("ec2", region_name="us-east-1")
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    volume1 = ec2.create_volume(Size=36, AvailabilityZone="us-east-1a")
    snap1 = volume1.create_snapshot(Description="a test snapshot 1")
    volume2 = ec2.create_volume(Size=42, AvailabilityZone="us-east-1a")
    snap2 = volume2.create_snapshot(Description="a test snapshot 2")
    snap3 = volume2.create_snapshot(Description="a test snapshot 3")

    snapshots1 = client.describe_snapshots(SnapshotIds=[snap1.id])["Snapshots"]
    assert len(snapshots1) == 1
    assert snapshots1[0]["VolumeId"] == volume1.id
    snapshots2 = client.describe_snapshots(SnapshotIds=[snap2.id, snap3.id])["Snapshots"]
    assert len(snapshots2) == 2
    for s in snapshots2:
        assert s["VolumeId"] == volume2.id

    with pytest.raises(ClientError) as ex:
        client.describe_snapshots(SnapshotIds=["snap-0123456789abcdef0"])
    assert ex.value.response["Error"]["Code"] == "InvalidSnapshot.NotFound"


@pytest.mark.aws_not_moto
def test_snapshot_filters():
    # OwnerIds=[self] lists only the caller's snapshots on AWS; moto also lists its example images' snapshots
    client = boto3.client("ec2", region_name="us-east-1")
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    volume1 = ec2.create_volume(Size=20, AvailabilityZone="us-east-1a", Encrypted=False)
    volume2 = ec2.create_volume(Size=25, AvailabilityZone="us-east-1a", Encrypted=True)
    snapshot1 = volume1.create_snapshot(Description="testsnapshot1")
    snapshot2 = volume1.create_snapshot(Description="testsnapshot2")
    snapshot3 = volume2.create_snapshot(Description="testsnapshot3")
    client.create_tags(Resources=[snapshot1.id], Tags=[{"Key": "testkey1", "Value": "testvalue1"}])
    client.create_tags(Resources=[snapshot2.id], Tags=[{"Key": "testkey2", "Value": "testvalue2"}])

    def ids(filters):
        return {s["SnapshotId"] for s in client.describe_snapshots(OwnerIds=["self"], Filters=filters)["Snapshots"]}

    assert ids([{"Name": "description", "Values": ["testsnapshot1"]}]) == {snapshot1.id}
    assert ids([{"Name": "snapshot-id", "Values": [snapshot1.id]}]) == {snapshot1.id}
    assert ids([{"Name": "volume-id", "Values": [volume1.id]}]) == {snapshot1.id, snapshot2.id}
    assert ids([{"Name": "volume-size", "Values": [str(volume1.size)]}]) == {snapshot1.id, snapshot2.id}
    assert ids([{"Name": "tag-key", "Values": ["testkey1"]}]) == {snapshot1.id}
    assert ids([{"Name": "tag:testkey1", "Values": ["testvalue1"]}]) == {snapshot1.id}
    assert ids([{"Name": "encrypted", "Values": ["true"]}]) == {snapshot3.id}
    assert ids([{"Name": "owner-id", "Values": [ACCOUNT_ID]}]) == {snapshot1.id, snapshot2.id, snapshot3.id}
    assert ids([{"Name": "status", "Values": ["completed"]}]) == {snapshot1.id, snapshot2.id, snapshot3.id}


def test_snapshot_attribute():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    client = boto3.client("ec2", region_name="us-east-1")
    volume = ec2.create_volume(Size=80, AvailabilityZone="us-east-1a")
    snapshot = volume.create_snapshot()

    def permissions():
        return client.describe_snapshot_attribute(SnapshotId=snapshot.id, Attribute="createVolumePermission")["CreateVolumePermissions"]

    assert permissions() == []

    add_group = {"SnapshotId": snapshot.id, "Attribute": "createVolumePermission", "OperationType": "add", "GroupNames": ["all"]}
    with pytest.raises(ClientError) as ex:
        client.modify_snapshot_attribute(**add_group, DryRun=True)
    assert_dryrun_error(ex)

    client.modify_snapshot_attribute(**add_group)
    assert permissions() == [{"Group": "all"}]
    client.modify_snapshot_attribute(**add_group)  # idempotent

    client.modify_snapshot_attribute(SnapshotId=snapshot.id, Attribute="createVolumePermission", OperationType="remove", GroupNames=["all"])
    assert permissions() == []

    client.modify_snapshot_attribute(SnapshotId=snapshot.id, Attribute="createVolumePermission", OperationType="add", UserIds=["111122223333"])
    assert permissions() == [{"UserId": "111122223333"}]

    with pytest.raises(ClientError) as ex:
        client.modify_snapshot_attribute(SnapshotId=snapshot.id, Attribute="createVolumePermission", OperationType="add", GroupNames=["everyone"])
    assert ex.value.response["Error"]["Code"] in ("InvalidAMIAttributeItemValue", "InvalidParameterValue")


def test_create_volume_from_snapshot():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    client = boto3.client("ec2", region_name="us-east-1")
    volume = ec2.create_volume(Size=80, AvailabilityZone="us-east-1a")
    snapshot = volume.create_snapshot(Description="a test snapshot")
    snapshot.reload()
    assert snapshot.state == "completed"

    new_volume = client.create_volume(SnapshotId=snapshot.id, AvailabilityZone="us-east-1a")
    assert new_volume["SnapshotId"] == snapshot.id
    assert new_volume["Size"] == 80


def test_create_volume_from_encrypted_snapshot():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    volume = ec2.create_volume(Size=80, AvailabilityZone="us-east-1a", Encrypted=True)
    snapshot = volume.create_snapshot(Description="a test snapshot")
    new_volume = ec2.create_volume(SnapshotId=snapshot.id, AvailabilityZone="us-east-1a")
    assert new_volume.encrypted is True


def test_modify_attribute_blockDeviceMapping():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    client = boto3.client("ec2", region_name="us-east-1")
    instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]
    device = instance.block_device_mappings[0]["DeviceName"]

    with pytest.raises(ClientError) as ex:
        instance.modify_attribute(BlockDeviceMappings=[{"DeviceName": device, "Ebs": {"DeleteOnTermination": False}}], DryRun=True)
    assert_dryrun_error(ex)

    instance.modify_attribute(BlockDeviceMappings=[{"DeviceName": device, "Ebs": {"DeleteOnTermination": False}}])
    instance = client.describe_instances(InstanceIds=[instance.id])["Reservations"][0]["Instances"][0]
    assert instance["BlockDeviceMappings"][0]["Ebs"]["DeleteOnTermination"] is False


def test_volume_tag_escaping():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    client = boto3.client("ec2", region_name="us-east-1")
    volume = ec2.create_volume(Size=10, AvailabilityZone="us-east-1a")
    snapshot = ec2.create_snapshot(VolumeId=volume.id, Description="Desc")

    snapshot.create_tags(Tags=[{"Key": "key", "Value": "</closed>"}])
    snaps = client.describe_snapshots(SnapshotIds=[snapshot.id])["Snapshots"]
    assert snaps[0]["Tags"] == [{"Key": "key", "Value": "</closed>"}]


def test_copy_snapshot():
    ec2_client = boto3.client("ec2", region_name="eu-west-1")
    dest_ec2_client = boto3.client("ec2", region_name="eu-west-2")
    volume_id = ec2_client.create_volume(Size=10, AvailabilityZone="eu-west-1a")["VolumeId"]
    create_snapshot_response = ec2_client.create_snapshot(VolumeId=volume_id)
    ec2_client.create_tags(Resources=[create_snapshot_response["SnapshotId"]], Tags=[{"Key": "k", "Value": "v"}])

    copy_snapshot_response = dest_ec2_client.copy_snapshot(
        SourceSnapshotId=create_snapshot_response["SnapshotId"],
        SourceRegion="eu-west-1",
    )
    source = ec2_client.describe_snapshots(SnapshotIds=[create_snapshot_response["SnapshotId"]])["Snapshots"][0]
    dest = dest_ec2_client.describe_snapshots(SnapshotIds=[copy_snapshot_response["SnapshotId"]])["Snapshots"][0]
    for attrib in ["VolumeSize", "Encrypted", "OwnerId"]:
        assert source[attrib] == dest[attrib]
    assert dest["State"] == "completed"

    with pytest.raises(ClientError) as ex:
        dest_ec2_client.copy_snapshot(SourceSnapshotId="snap-0123456789abcdef0", SourceRegion="eu-west-1")
    assert ex.value.response["Error"]["Code"] == "InvalidSnapshot.NotFound"


def test_search_for_many_snapshots():
    ec2_client = boto3.client("ec2", region_name="eu-west-1")
    volume_id = ec2_client.create_volume(Size=10, AvailabilityZone="eu-west-1a")["VolumeId"]
    snapshot_ids = [ec2_client.create_snapshot(VolumeId=volume_id)["SnapshotId"] for _ in range(1, 20)]
    snapshots = ec2_client.describe_snapshots(SnapshotIds=snapshot_ids)["Snapshots"]
    assert len(snapshots) == len(snapshot_ids)


@pytest.mark.xfail(strict=True, reason="not in Imago yet: CreateSnapshots (multi-volume snapshot sets) answers UnsupportedOperation")
def test_create_snapshots():
    client = boto3.client("ec2", region_name="us-east-1")
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    instance = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]
    instance = client.describe_instances(InstanceIds=[instance["InstanceId"]])["Reservations"][0]["Instances"][0]
    boot_volume = instance["BlockDeviceMappings"][0]["Ebs"]
    zone = instance["Placement"]["AvailabilityZone"]
    volume1 = ec2.create_volume(Size=80, AvailabilityZone=zone)
    volume1.attach_to_instance(InstanceId=instance["InstanceId"], Device="/dev/sdh")

    snapshots = client.create_snapshots(InstanceSpecification={"InstanceId": instance["InstanceId"]})["Snapshots"]
    assert len(snapshots) == 2
    assert len({s["SnapshotId"] for s in snapshots}) == 2
    boot_snapshot = next(s for s in snapshots if s["VolumeId"] == boot_volume["VolumeId"])
    assert boot_snapshot["VolumeSize"] == 8
    snapshot1 = next(s for s in snapshots if s["VolumeId"] == volume1.volume_id)
    assert snapshot1["VolumeSize"] == 80


@pytest.mark.aws_not_moto
def test_describe_volume_status():
    # DescribeVolumeStatus by id answers on AWS; moto's server fails on it
    client = boto3.client("ec2", region_name="us-east-1")
    volume_id = client.create_volume(Size=10, AvailabilityZone="us-east-1a")["VolumeId"]
    statuses = client.describe_volume_status(VolumeIds=[volume_id])["VolumeStatuses"]
    assert statuses[0]["VolumeId"] == volume_id
    assert statuses[0]["VolumeStatus"]["Status"] == "ok"


@pytest.mark.aws_not_moto
def test_ebs_encryption_by_default():
    # with encryption by default on, AWS encrypts new volumes; moto does not
    client = boto3.client("ec2", region_name="eu-central-1")
    assert client.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is False
    client.enable_ebs_encryption_by_default()
    assert client.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is True
    volume = client.create_volume(Size=10, AvailabilityZone="eu-central-1a")
    assert volume["Encrypted"] is True
    client.disable_ebs_encryption_by_default()
    assert client.get_ebs_encryption_by_default()["EbsEncryptionByDefault"] is False
