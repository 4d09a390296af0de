import boto3
import pytest
from botocore.exceptions import ClientError

from compat_helpers import ACCOUNT_ID, EXAMPLE_AMI_ID, EXAMPLE_AMI_ID2, EXAMPLE_AMI_PARAVIRTUAL, assert_dryrun_error


def test_describe_example_amis():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    images = ec2.describe_images(ImageIds=[EXAMPLE_AMI_ID, EXAMPLE_AMI_ID2])["Images"]
    assert {i["ImageId"] for i in images} == {EXAMPLE_AMI_ID, EXAMPLE_AMI_ID2}
    image = next(i for i in images if i["ImageId"] == EXAMPLE_AMI_ID)
    assert image["Name"] == "Windows_Server-2008-R2_SP1-English-64Bit-Base-2017.10.13"
    assert image["OwnerId"] == "801119661308"
    assert image["Public"] is True
    assert image["State"] == "available"
    assert image["Platform"] == "windows"
    assert image["RootDeviceType"] == "ebs"
    assert image["RootDeviceName"] == "/dev/sda1"


def test_example_ami_in_other_regions():
    for region in ["us-west-1", "eu-west-1", "ap-southeast-2"]:
        ec2 = boto3.client("ec2", region_name=region)
        image = ec2.describe_images(ImageIds=[EXAMPLE_AMI_ID])["Images"][0]
        assert image["ImageId"] == EXAMPLE_AMI_ID
        instance = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]
        assert instance["ImageId"] == EXAMPLE_AMI_ID


def test_example_ami_paravirtual():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    image = ec2.describe_images(ImageIds=[EXAMPLE_AMI_PARAVIRTUAL])["Images"][0]
    assert image["VirtualizationType"] == "paravirtual"
    assert "Platform" not in image


def test_example_ami_filter_by_owner_alias():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    images = ec2.describe_images(Owners=["amazon"], Filters=[{"Name": "name", "Values": ["Windows_Server-2008-R2_SP1*"]}])["Images"]
    assert EXAMPLE_AMI_ID in [i["ImageId"] for i in images]
    assert all(i["ImageOwnerAlias"] == "amazon" for i in images)


def test_snapshots_for_example_amis():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    image = ec2.describe_images(ImageIds=[EXAMPLE_AMI_ID])["Images"][0]
    snapshot_id = image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    snapshot = ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]
    assert snapshot["State"] == "completed"
    assert snapshot["OwnerId"] == image["OwnerId"]


def test_ami_create_and_delete():
    ec2 = boto3.client("ec2", region_name="us-east-1")

    reservation = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)
    instance = reservation["Instances"][0]
    instance_id = instance["InstanceId"]

    with pytest.raises(ClientError) as ex:
        ec2.create_image(InstanceId=instance_id, Name="test-ami", DryRun=True)
    assert_dryrun_error(ex)

    image_id = ec2.create_image(InstanceId=instance_id, Name="test-ami", Description="this is a test ami")["ImageId"]

    all_images = ec2.describe_images(Owners=["self"])["Images"]
    assert image_id in {i["ImageId"] for i in all_images}
    retrieved_image = [i for i in all_images if i["ImageId"] == image_id][0]
    assert retrieved_image["VirtualizationType"] == instance["VirtualizationType"]
    assert retrieved_image["Architecture"] == instance["Architecture"]
    assert retrieved_image["Platform"] == instance["Platform"]
    assert retrieved_image["OwnerId"] == ACCOUNT_ID

    snapshot_id = retrieved_image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    snapshot = ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]
    assert snapshot["Description"] == f"Created by CreateImage({instance_id}) for {image_id}"

    root_mapping = [m for m in retrieved_image["BlockDeviceMappings"] if m["DeviceName"] == retrieved_image["RootDeviceName"]]
    assert root_mapping != []

    with pytest.raises(ClientError) as ex:
        ec2.deregister_image(ImageId=image_id, DryRun=True)
    assert_dryrun_error(ex)

    success = ec2.deregister_image(ImageId=image_id)
    assert success["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.aws_not_moto
def test_deregister_image__unknown():
    # an id of 7 hex digits is InvalidAMIID.Malformed on AWS; moto answers NotFound
    ec2 = boto3.client("ec2", region_name="us-east-1")
    with pytest.raises(ClientError) as ex:
        ec2.deregister_image(ImageId="ami-bcd1234")
    assert ex.value.response["Error"]["Code"] == "InvalidAMIID.Malformed"

    with pytest.raises(ClientError) as ex:
        ec2.deregister_image(ImageId="ami-abcd1234")
    assert ex.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert ex.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


@pytest.mark.aws_not_moto
def test_deregister_image__and_describe():
    # AWS lists a deregistered image to its owner for about an hour, in state `deregistered`;
    # moto forgets it at once
    ec2 = boto3.client("ec2", region_name="us-east-1")
    instance_id = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image_id = ec2.create_image(InstanceId=instance_id, Name="test-ami")["ImageId"]
    ec2.deregister_image(ImageId=image_id)
    images = ec2.describe_images(ImageIds=[image_id])["Images"]
    assert [i["State"] for i in images] in ([], ["deregistered"])
    assert image_id not in [i["ImageId"] for i in ec2.describe_images(Owners=["self"])["Images"] if i["State"] != "deregistered"]


def test_ami_copy():
    ec2 = boto3.client("ec2", region_name="us-west-1")
    instance = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]
    source_image_id = ec2.create_image(InstanceId=instance["InstanceId"], Name="test-ami", Description="this is a test ami")["ImageId"]
    ec2.terminate_instances(InstanceIds=[instance["InstanceId"]])
    source_image = ec2.describe_images(ImageIds=[source_image_id])["Images"][0]

    copy_image_id = ec2.copy_image(
        SourceRegion="us-west-1",
        SourceImageId=source_image["ImageId"],
        Name="test-copy-ami",
        Description="this is a test copy ami",
    )["ImageId"]
    copy_image = ec2.describe_images(ImageIds=[copy_image_id])["Images"][0]

    assert copy_image["Name"] == "test-copy-ami"
    assert copy_image["Description"] == "this is a test copy ami"
    assert copy_image["ImageId"] == copy_image_id
    assert copy_image["VirtualizationType"] == source_image["VirtualizationType"]
    assert copy_image["Architecture"] == source_image["Architecture"]
    assert copy_image["Platform"] == source_image["Platform"]

    source_snapshot_id = source_image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    copied_snapshot_id = copy_image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    snapshot_ids = [s["SnapshotId"] for s in ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]]
    assert source_snapshot_id in snapshot_ids
    assert copied_snapshot_id in snapshot_ids
    assert copied_snapshot_id != source_snapshot_id


def test_ami_copy_nonexistent_source_id():
    ec2 = boto3.client("ec2", region_name="us-west-1")
    with pytest.raises(ClientError) as ex:
        ec2.copy_image(SourceRegion="us-west-1", SourceImageId="ami-abcd1234", Name="test-copy-ami")
    assert ex.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "RequestId" in ex.value.response["ResponseMetadata"]
    assert ex.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


def test_ami_copy_nonexisting_source_region():
    ec2 = boto3.client("ec2", region_name="us-west-1")
    instance = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]
    source_image_id = ec2.create_image(InstanceId=instance["InstanceId"], Name="test-ami")["ImageId"]
    with pytest.raises(ClientError) as ex:
        ec2.copy_image(SourceRegion="us-east-1", SourceImageId=source_image_id, Name="test-copy-ami")
    assert ex.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert ex.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


def test_copy_image_changes_owner_id():
    conn = boto3.client("ec2", region_name="us-east-1")
    source_ami_id = EXAMPLE_AMI_ID2
    assert conn.describe_images(ImageIds=[source_ami_id])["Images"][0]["OwnerId"] != ACCOUNT_ID

    copy_resp = conn.copy_image(SourceImageId=source_ami_id, Name="copy-of-nano", Description="a copy of an image", SourceRegion="us-east-1")
    describe_resp = conn.describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": ["copy-of-nano"]}])["Images"]
    assert len(describe_resp) == 1
    assert describe_resp[0]["OwnerId"] == ACCOUNT_ID
    assert describe_resp[0]["ImageId"] == copy_resp["ImageId"]


def test_ami_tagging():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    res = boto3.resource("ec2", region_name="us-east-1")
    instance = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]
    image_id = ec2.create_image(InstanceId=instance["InstanceId"], Name="test-ami", Description="this is a test ami")["ImageId"]
    image = res.Image(image_id)

    with pytest.raises(ClientError) as ex:
        image.create_tags(Tags=[{"Key": "a key", "Value": "some value"}], DryRun=True)
    assert_dryrun_error(ex)

    image.create_tags(Tags=[{"Key": "a key", "Value": "some value"}])
    assert image.tags == [{"Value": "some value", "Key": "a key"}]
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert image["Tags"] == [{"Value": "some value", "Key": "a key"}]


def test_ami_create_from_missing_instance():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    with pytest.raises(ClientError) as ex:
        ec2.create_image(InstanceId="i-abcdefg", Name="test-ami", Description="this is a test ami")
    assert ex.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert ex.value.response["Error"]["Code"] in ("InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed")


@pytest.mark.aws_not_moto
def test_ami_pulls_attributes_from_instance():
    # AWS changes an instance's kernel only while it is stopped (IncorrectInstanceState);
    # moto changes it while the instance runs
    ec2 = boto3.client("ec2", region_name="us-east-1")
    instance_id = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    with pytest.raises(ClientError) as ex:
        ec2.modify_instance_attribute(InstanceId=instance_id, Kernel={"Value": "test-kernel"})
    assert ex.value.response["Error"]["Code"] == "IncorrectInstanceState"
    ec2.stop_instances(InstanceIds=[instance_id])
    ec2.modify_instance_attribute(InstanceId=instance_id, Kernel={"Value": "test-kernel"})
    image_id = ec2.create_image(InstanceId=instance_id, Name="test-ami")["ImageId"]
    image = boto3.resource("ec2", region_name="us-east-1").Image(image_id)
    assert image.kernel_id == "test-kernel"


def test_ami_filters():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    instance_a = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]
    image_a = ec2.create_image(InstanceId=instance_a["InstanceId"], Name="test-ami-A", Description="this is a test ami")["ImageId"]
    instance_b = ec2.run_instances(ImageId=EXAMPLE_AMI_PARAVIRTUAL, MinCount=1, MaxCount=1)["Instances"][0]
    image_b = ec2.create_image(InstanceId=instance_b["InstanceId"], Name="test-ami-B", Description="this is a test ami")["ImageId"]

    def ids(filters):
        return {i["ImageId"] for i in ec2.describe_images(Owners=["self"], Filters=filters)["Images"]}

    assert ids([{"Name": "virtualization-type", "Values": ["paravirtual"]}]) == {image_b}
    assert ids([{"Name": "virtualization-type", "Values": ["hvm"]}]) == {image_a}
    assert ids([{"Name": "image-id", "Values": [image_a]}]) == {image_a}
    assert ids([{"Name": "state", "Values": ["available"]}]) == {image_a, image_b}
    assert ids([{"Name": "name", "Values": ["test-ami-A"]}]) == {image_a}
    assert ids([{"Name": "is-public", "Values": ["false"]}]) == {image_a, image_b}


def test_ami_filtering_via_tag():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    instance_a = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]
    image_a = ec2.create_image(InstanceId=instance_a["InstanceId"], Name="test-ami-A")["ImageId"]
    ec2.create_tags(Resources=[image_a], Tags=[{"Key": "a key", "Value": "some value"}])
    image_b = ec2.create_image(InstanceId=instance_a["InstanceId"], Name="test-ami-B")["ImageId"]
    ec2.create_tags(Resources=[image_b], Tags=[{"Key": "another key", "Value": "some other value"}])

    images = ec2.describe_images(Filters=[{"Name": "tag:a key", "Values": ["some value"]}])["Images"]
    assert [i["ImageId"] for i in images] == [image_a]
    images = ec2.describe_images(Filters=[{"Name": "tag-key", "Values": ["another key"]}])["Images"]
    assert [i["ImageId"] for i in images] == [image_b]


def test_getting_missing_ami():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    with pytest.raises(ClientError) as ex:
        ec2.Image("ami-missing").load()
    assert ex.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert ex.value.response["Error"]["Code"] in ("InvalidAMIID.NotFound", "InvalidAMIID.Malformed")


def test_getting_malformed_ami():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    with pytest.raises(ClientError) as ex:
        ec2.Image("foo-missing").load()
    assert ex.value.response["Error"]["Code"] == "InvalidAMIID.Malformed"


def test_ami_attribute_group_permissions():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    instance = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]
    image_id = ec2.create_image(InstanceId=instance["InstanceId"], Name="test-ami-A")["ImageId"]
    image = boto3.resource("ec2", region_name="us-east-1").Image(image_id)

    assert image.describe_attribute(Attribute="launchPermission")["LaunchPermissions"] == []
    add = {"ImageId": image_id, "Attribute": "launchPermission", "OperationType": "add", "UserGroups": ["all"]}
    remove = {"ImageId": image_id, "Attribute": "launchPermission", "OperationType": "remove", "UserGroups": ["all"]}

    image.modify_attribute(**add)
    assert image.describe_attribute(Attribute="launchPermission")["LaunchPermissions"] == [{"Group": "all"}]
    image.reload()
    assert image.public is True
    image.modify_attribute(**add)

    image.modify_attribute(**remove)
    assert image.describe_attribute(Attribute="launchPermission")["LaunchPermissions"] == []
    image.reload()
    assert image.public is False
    image.modify_attribute(**remove)


def test_ami_attribute_user_permissions():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    instance = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]
    image_id = ec2.create_image(InstanceId=instance["InstanceId"], Name="test-ami-A")["ImageId"]
    image = boto3.resource("ec2", region_name="us-east-1").Image(image_id)

    user_a, user_b = "111122223333", "444455556666"
    image.modify_attribute(ImageId=image_id, Attribute="launchPermission", OperationType="add", UserIds=[user_a, user_b])
    permissions = image.describe_attribute(Attribute="launchPermission")["LaunchPermissions"]
    assert sorted(permissions, key=lambda p: p["UserId"]) == [{"UserId": user_a}, {"UserId": user_b}]
    image.reload()
    assert image.public is False

    image.modify_attribute(ImageId=image_id, Attribute="launchPermission", OperationType="remove", UserIds=[user_a, user_b])
    assert image.describe_attribute(Attribute="launchPermission")["LaunchPermissions"] == []


def test_ami_attribute_launch_permission_structure():
    # what boto3's LaunchPermission={"Add": [...]} sends (Terraform's aws_ami_launch_permission too)
    ec2 = boto3.client("ec2", region_name="us-east-1")
    instance = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]
    image_id = ec2.create_image(InstanceId=instance["InstanceId"], Name="test-ami-A")["ImageId"]
    ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Add": [{"UserId": "111122223333"}]})
    permissions = ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")["LaunchPermissions"]
    assert permissions == [{"UserId": "111122223333"}]
    ec2.modify_image_attribute(ImageId=image_id, LaunchPermission={"Remove": [{"UserId": "111122223333"}]})
    assert ec2.describe_image_attribute(ImageId=image_id, Attribute="launchPermission")["LaunchPermissions"] == []


@pytest.mark.aws_not_moto
def test_ami_describe_executable_users():
    # ExecutableUsers=[account] lists images with an explicit launch permission for it (AWS's docs); moto adds public images
    conn = boto3.client("ec2", region_name="us-east-1")
    instance_id = conn.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image_id = conn.create_image(InstanceId=instance_id, Name="TestImage")["ImageId"]
    user_id = "111111111111"
    conn.modify_image_attribute(ImageId=image_id, Attribute="launchPermission", OperationType="add", UserIds=[user_id])

    images = conn.describe_images(ExecutableUsers=[user_id])["Images"]
    assert [i["ImageId"] for i in images] == [image_id]

    images = conn.describe_images(ExecutableUsers=["222222222222"])["Images"]
    assert image_id not in [i["ImageId"] for i in images]


def test_filter_description():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    instance_id = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ec2.create_image(InstanceId=instance_id, Name="image-a", Description="an image for testing")
    ec2.create_image(InstanceId=instance_id, Name="image-b", Description="another image")
    images = ec2.describe_images(Owners=["self"], Filters=[{"Name": "description", "Values": ["an image*"]}])["Images"]
    assert [i["Name"] for i in images] == ["image-a"]


def test_ami_attribute_error_cases():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    instance_id = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image_id = ec2.create_image(InstanceId=instance_id, Name="test-ami-A")["ImageId"]

    with pytest.raises(ClientError) as ex:
        ec2.modify_image_attribute(ImageId=image_id, Attribute="launchPermission", OperationType="add", UserGroups=["everyone"])
    assert ex.value.response["Error"]["Code"] == "InvalidAMIAttributeItemValue"

    with pytest.raises(ClientError) as ex:
        ec2.modify_image_attribute(ImageId="ami-abcd1234", Attribute="launchPermission", OperationType="add", UserGroups=["all"])
    assert ex.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


def test_ami_describe_non_existent():
    ec2 = boto3.client("ec2", region_name="us-west-1")
    with pytest.raises(ClientError) as ex:
        ec2.describe_images(ImageIds=["ami-abcd1234"])
    assert ex.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


@pytest.mark.aws_not_moto
def test_ami_registration():
    # AWS needs a root device (RootDeviceName with its mapping, or an S3 ImageLocation) to
    # register an image; moto registers one from a name alone
    ec2 = boto3.client("ec2", region_name="us-east-1")
    with pytest.raises(ClientError) as ex:
        ec2.register_image(Name="test-register-image")
    assert ex.value.response["Error"]["Code"] == "MissingParameter"
    volume_id = ec2.create_volume(Size=8, AvailabilityZone="us-east-1a")["VolumeId"]
    snapshot_id = ec2.create_snapshot(VolumeId=volume_id)["SnapshotId"]
    image_id = ec2.register_image(
        Name="test-register-image",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot_id}}],
    )["ImageId"]
    images = ec2.describe_images(ImageIds=[image_id])["Images"]
    assert images[0]["State"] == "available"
    assert images[0]["OwnerId"] == ACCOUNT_ID


@pytest.mark.aws_not_moto
def test_ami_registration_from_snapshot():
    # AWS maps the given snapshot as the root device; moto invents a snapshot
    ec2 = boto3.client("ec2", region_name="us-east-1")
    volume_id = ec2.create_volume(Size=8, AvailabilityZone="us-east-1a")["VolumeId"]
    snapshot_id = ec2.create_snapshot(VolumeId=volume_id)["SnapshotId"]
    image_id = ec2.register_image(
        Name="from-snapshot",
        Architecture="x86_64",
        VirtualizationType="hvm",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"SnapshotId": snapshot_id}}],
    )["ImageId"]
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"] == snapshot_id
    instance = ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1)["Instances"][0]
    assert instance["ImageId"] == image_id


def test_ami_filter_wildcard():
    ec2 = boto3.client("ec2", region_name="us-west-1")
    instance_id = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ec2.create_image(InstanceId=instance_id, Name="test-image")
    ec2.create_image(InstanceId=instance_id, Name="image-test")
    images = ec2.describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": ["test*"]}])["Images"]
    assert [i["Name"] for i in images] == ["test-image"]


def test_ami_filter_by_owner_id():
    client = boto3.client("ec2", region_name="us-east-1")
    ubuntu_ids = ["099720109477"]
    ubuntu_images = client.describe_images(Owners=ubuntu_ids)["Images"]
    assert len(ubuntu_images) > 0
    assert all(i["OwnerId"] == "099720109477" for i in ubuntu_images)


def test_ami_filter_by_self():
    ec2 = boto3.client("ec2", region_name="us-west-1")
    assert ec2.describe_images(Owners=["self"])["Images"] == []
    instance_id = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    ec2.create_image(InstanceId=instance_id, Name="test-image")
    assert len(ec2.describe_images(Owners=["self"])["Images"]) == 1


def test_ami_snapshots_have_correct_owner():
    ec2 = boto3.client("ec2", region_name="us-west-1")
    images = ec2.describe_images(ImageIds=[EXAMPLE_AMI_ID, EXAMPLE_AMI_ID2])["Images"]
    for image in images:
        snapshot_ids = [m["Ebs"]["SnapshotId"] for m in image["BlockDeviceMappings"] if "Ebs" in m]
        for snapshot in ec2.describe_snapshots(SnapshotIds=snapshot_ids)["Snapshots"]:
            assert snapshot["OwnerId"] == image["OwnerId"]


@pytest.mark.aws_not_moto
def test_create_image_with_tag_specification():
    # AWS tags the snapshots CreateImage makes (ResourceType snapshot); moto's server fails on it
    ec2 = boto3.client("ec2", region_name="us-west-1")
    instance_id = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image_id = ec2.create_image(
        InstanceId=instance_id,
        Name="test-image",
        TagSpecifications=[
            {"ResourceType": "image", "Tags": [{"Key": "Base_AMI_Name", "Value": "Deep Learning Base AMI"}]},
            {"ResourceType": "snapshot", "Tags": [{"Key": "role", "Value": "root"}]},
        ],
    )["ImageId"]
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert image["Tags"] == [{"Key": "Base_AMI_Name", "Value": "Deep Learning Base AMI"}]
    snapshot_id = image["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    snapshot = ec2.describe_snapshots(SnapshotIds=[snapshot_id])["Snapshots"][0]
    assert snapshot["Tags"] == [{"Key": "role", "Value": "root"}]


def test_ami_filter_by_source_instance_id():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    instance_id = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image_id = ec2.create_image(InstanceId=instance_id, Name="test-ami")["ImageId"]
    images = ec2.describe_images(Filters=[{"Name": "source-instance-id", "Values": [instance_id]}])["Images"]
    assert [i["ImageId"] for i in images] == [image_id]
    assert images[0]["SourceInstanceId"] == instance_id


def test_describe_images_dryrun():
    client = boto3.client("ec2", region_name="us-east-1")
    with pytest.raises(ClientError) as ex:
        client.describe_images(DryRun=True)
    assert_dryrun_error(ex)


@pytest.mark.aws_not_moto
def test_ami_describe_image_attribute():
    # ModifyImageAttribute Description changes the description on AWS; moto keeps the old one
    ec2 = boto3.client("ec2", region_name="us-east-1")
    instance_id = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image_id = ec2.create_image(InstanceId=instance_id, Name="test-ami", Description="my description")["ImageId"]
    description = ec2.describe_image_attribute(ImageId=image_id, Attribute="description")
    assert description["Description"]["Value"] == "my description"
    ec2.modify_image_attribute(ImageId=image_id, Description={"Value": "new description"})
    assert ec2.describe_image_attribute(ImageId=image_id, Attribute="description")["Description"]["Value"] == "new description"


def test_ami_describe_image_attribute_block_device_fail():
    # AWS: "The blockDeviceMapping attribute is deprecated. Using this attribute returns the
    # Client.AuthFailure error."
    ec2 = boto3.client("ec2", region_name="us-east-1")
    instance_id = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image_id = ec2.create_image(InstanceId=instance_id, Name="test-ami")["ImageId"]
    with pytest.raises(ClientError) as ex:
        ec2.describe_image_attribute(ImageId=image_id, Attribute="blockDeviceMapping")
    assert ex.value.response["Error"]["Code"] == "AuthFailure"


def test_ami_describe_image_attribute_invalid_param():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    with pytest.raises(ClientError) as ex:
        ec2.describe_image_attribute(ImageId=EXAMPLE_AMI_ID, Attribute="invalid")
    assert ex.value.response["Error"]["Code"] in ("InvalidRequest", "InvalidParameterValue")


def test_deregister_snapshot_in_use():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    instance_id = ec2.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    image_id = ec2.create_image(InstanceId=instance_id, Name="test-ami")["ImageId"]
    snapshot_id = ec2.describe_images(ImageIds=[image_id])["Images"][0]["BlockDeviceMappings"][0]["Ebs"]["SnapshotId"]
    with pytest.raises(ClientError) as ex:
        ec2.delete_snapshot(SnapshotId=snapshot_id)
    assert ex.value.response["Error"]["Code"] == "InvalidSnapshot.InUse"
    ec2.deregister_image(ImageId=image_id)
    ec2.delete_snapshot(SnapshotId=snapshot_id)
