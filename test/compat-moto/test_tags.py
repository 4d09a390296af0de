import boto3
import pytest
from botocore.exceptions import ClientError

from compat_helpers import EXAMPLE_AMI_ID, assert_dryrun_error


def test_instance_create_tags():
    ec2 = boto3.resource("ec2", "us-west-1")
    client = boto3.client("ec2", "us-west-1")
    instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]

    with pytest.raises(ClientError) as ex:
        instance.create_tags(Tags=[{"Key": "a key", "Value": "some value"}], DryRun=True)
    assert_dryrun_error(ex)

    instance.create_tags(Tags=[{"Key": "a key", "Value": "some value"}])
    existing_instance = client.describe_instances(InstanceIds=[instance.id])["Reservations"][0]["Instances"][0]
    assert existing_instance["Tags"] == [{"Key": "a key", "Value": "some value"}]


def test_instance_delete_tags():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    client = boto3.client("ec2", region_name="us-east-1")
    instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]
    instance.create_tags(Tags=[{"Key": "a key", "Value": "some value"}])

    tags = client.describe_tags(Filters=[{"Name": "resource-id", "Values": [instance.id]}])["Tags"]
    assert len(tags) == 1
    assert tags[0]["Key"] == "a key"
    assert tags[0]["Value"] == "some value"
    assert tags[0]["ResourceType"] == "instance"

    with pytest.raises(ClientError) as ex:
        instance.delete_tags(DryRun=True)
    assert_dryrun_error(ex)

    # removing the tag by key and value
    instance.delete_tags(Tags=[{"Key": "a key", "Value": "some value"}])
    assert client.describe_tags(Filters=[{"Name": "resource-id", "Values": [instance.id]}])["Tags"] == []

    instance.create_tags(Tags=[{"Key": "a key", "Value": "some value"}])
    # a different value leaves the tag
    instance.delete_tags(Tags=[{"Key": "a key", "Value": "other value"}])
    assert len(client.describe_tags(Filters=[{"Name": "resource-id", "Values": [instance.id]}])["Tags"]) == 1
    # the key alone removes it
    instance.delete_tags(Tags=[{"Key": "a key"}])
    assert client.describe_tags(Filters=[{"Name": "resource-id", "Values": [instance.id]}])["Tags"] == []


def test_get_all_tags_with_special_characters():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    client = boto3.client("ec2", region_name="us-east-1")
    instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]
    instance.create_tags(Tags=[{"Key": "a key", "Value": "some<> value"}])
    tag = client.describe_tags(Filters=[{"Name": "resource-id", "Values": [instance.id]}])["Tags"][0]
    assert tag["Key"] == "a key"
    assert tag["Value"] == "some<> value"


def test_create_tags():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    client = boto3.client("ec2", region_name="us-east-1")
    instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]
    tag_list = [
        {"Key": "a key", "Value": "some value"},
        {"Key": "another key", "Value": "some other value"},
        {"Key": "blank key", "Value": ""},
    ]
    with pytest.raises(ClientError) as ex:
        client.create_tags(Resources=[instance.id], Tags=tag_list, DryRun=True)
    assert_dryrun_error(ex)

    client.create_tags(Resources=[instance.id], Tags=tag_list)
    tags = client.describe_tags(Filters=[{"Name": "resource-id", "Values": [instance.id]}])["Tags"]
    assert len(tags) == 3
    for expected in tag_list:
        assert {"Key": expected["Key"], "ResourceId": instance.id, "ResourceType": "instance", "Value": expected["Value"]} in tags


def test_tag_limit_exceeded():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    client = boto3.client("ec2", region_name="us-east-1")
    instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]
    tag_list = [{"Key": f"{i:02d}", "Value": ""} for i in range(51)]

    with pytest.raises(ClientError) as ex:
        client.create_tags(Resources=[instance.id], Tags=tag_list)
    assert ex.value.response["Error"]["Code"] == "TagLimitExceeded"

    instance.create_tags(Tags=[{"Key": "a key", "Value": "a value"}])
    with pytest.raises(ClientError) as ex:
        client.create_tags(Resources=[instance.id], Tags=tag_list[:50])
    assert ex.value.response["Error"]["Code"] == "TagLimitExceeded"

    tags = client.describe_tags(Filters=[{"Name": "resource-id", "Values": [instance.id]}])["Tags"]
    assert tags == [{"Key": "a key", "ResourceId": instance.id, "ResourceType": "instance", "Value": "a value"}]


def test_get_all_tags_resource_filter():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    client = boto3.client("ec2", region_name="us-east-1")
    instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]
    instance.create_tags(Tags=[{"Key": "an instance key", "Value": "some value"}])
    image = instance.create_image(Name="test-ami", Description="this is a test ami")
    image.create_tags(Tags=[{"Key": "an image key", "Value": "some value"}])

    def keys(filters):
        return [t["Key"] for t in client.describe_tags(Filters=filters)["Tags"]]

    assert keys([{"Name": "resource-id", "Values": [instance.id]}]) == ["an instance key"]
    assert keys([{"Name": "resource-type", "Values": ["instance"]}]) == ["an instance key"]
    assert keys([{"Name": "resource-type", "Values": ["image"]}]) == ["an image key"]
    assert keys([{"Name": "key", "Values": ["an image key"]}]) == ["an image key"]
    assert sorted(keys([{"Name": "value", "Values": ["some value"]}])) == ["an image key", "an instance key"]
    assert keys([{"Name": "resource-id", "Values": ["i-0123456789abcdef0"]}]) == []


def test_get_all_tags_value_filter():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    client = boto3.client("ec2", region_name="us-east-1")

    def create_instance_with_tag(value):
        instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]
        instance.create_tags(Tags=[{"Key": "an instance key", "Value": value}])
        return instance

    create_instance_with_tag("some value")
    create_instance_with_tag("some other value")
    create_instance_with_tag("an other value")
    create_instance_with_tag("value with spaces")

    def count(values):
        return len(client.describe_tags(Filters=[{"Name": "value", "Values": values}])["Tags"])

    assert count(["some value"]) == 1
    assert count(["some*value"]) == 2
    assert count(["*some*value"]) == 2
    assert count(["*other*value"]) == 2
    assert count(["*value*"]) == 4
    assert count(["*value with spaces"]) == 1


def test_retrieved_instances_must_contain_their_tags():
    tag_key = "Tag name"
    tag_value = "Tag value"
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    client = boto3.client("ec2", region_name="us-east-1")
    instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]
    reservations = client.describe_instances(InstanceIds=[instance.id])["Reservations"]
    assert "Tags" not in reservations[0]["Instances"][0]

    client.create_tags(Resources=[instance.id], Tags=[{"Key": tag_key, "Value": tag_value}])
    retrieved_tags = client.describe_instances(InstanceIds=[instance.id])["Reservations"][0]["Instances"][0]["Tags"]
    assert retrieved_tags == [{"Key": tag_key, "Value": tag_value}]


def test_retrieved_volumes_must_contain_their_tags():
    ec2 = boto3.resource("ec2", region_name="eu-west-1")
    client = boto3.client("ec2", region_name="eu-west-1")
    volume = ec2.create_volume(Size=80, AvailabilityZone="eu-west-1a")
    assert volume.tags is None
    client.create_tags(Resources=[volume.id], Tags=[{"Key": "Tag name", "Value": "Tag value"}])
    volume.reload()
    assert volume.tags == [{"Key": "Tag name", "Value": "Tag value"}]


def test_retrieved_snapshots_must_contain_their_tags():
    ec2 = boto3.resource("ec2", region_name="eu-west-1")
    client = boto3.client("ec2", region_name="eu-west-1")
    volume = ec2.create_volume(Size=80, AvailabilityZone="eu-west-1a")
    snapshot = ec2.create_snapshot(VolumeId=volume.id)
    client.create_tags(Resources=[snapshot.id], Tags=[{"Key": "Tag name", "Value": "Tag value"}])
    snapshots = client.describe_snapshots(SnapshotIds=[snapshot.id])["Snapshots"]
    assert snapshots[0]["Tags"] == [{"Key": "Tag name", "Value": "Tag value"}]


def test_create_tag_empty_resource():
    client = boto3.client("ec2", region_name="us-east-1")
    with pytest.raises(ClientError) as ex:
        client.create_tags(Resources=[], Tags=[{"Key": "Tag", "Value": "Tag"}])
    assert ex.value.response["Error"]["Code"] == "MissingParameter"


def test_delete_tag_empty_resource():
    client = boto3.client("ec2", region_name="us-east-1")
    with pytest.raises(ClientError) as ex:
        client.delete_tags(Resources=[], Tags=[{"Key": "Tag", "Value": "Tag"}])
    assert ex.value.response["Error"]["Code"] == "MissingParameter"


def test_create_volume_with_tags():
    client = boto3.client("ec2", "us-west-2")
    response = client.create_volume(
        AvailabilityZone="us-west-2a",
        Encrypted=False,
        Size=40,
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "TEST_TAG", "Value": "TEST_VALUE"}]}],
    )
    assert response["Tags"][0]["Key"] == "TEST_TAG"


def test_create_snapshot_with_tags():
    client = boto3.client("ec2", "us-west-2")
    volume_id = client.create_volume(AvailabilityZone="us-west-2a", Size=40)["VolumeId"]
    snapshot = client.create_snapshot(
        VolumeId=volume_id,
        TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "TEST_TAG", "Value": "TEST_VALUE"}]}],
    )
    assert snapshot["Tags"] == [{"Key": "TEST_TAG", "Value": "TEST_VALUE"}]


@pytest.mark.aws_not_moto
def test_describe_tags_paginated():
    # DescribeTags pages by MaxResults on AWS; moto answers everything at once
    client = boto3.client("ec2", region_name="us-east-1")
    instance_id = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    client.create_tags(Resources=[instance_id], Tags=[{"Key": f"key{i:02d}", "Value": "v"} for i in range(12)])
    first = client.describe_tags(MaxResults=5)
    assert len(first["Tags"]) == 5
    keys = [t["Key"] for t in first["Tags"]]
    token = first["NextToken"]
    while token:
        page = client.describe_tags(MaxResults=5, NextToken=token)
        keys += [t["Key"] for t in page["Tags"]]
        token = page.get("NextToken")
    assert sorted(keys) == [f"key{i:02d}" for i in range(12)]
