import base64

import boto3
import pytest
from botocore.exceptions import ClientError

from compat_helpers import ACCOUNT_ID, EXAMPLE_AMI_ID, EXAMPLE_AMI_PARAVIRTUAL, assert_dryrun_error


def test_add_servers():
    client = boto3.client("ec2", region_name="us-east-1")
    resp = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=2, MaxCount=2)
    for i in resp["Instances"]:
        assert i["ImageId"] == EXAMPLE_AMI_ID
    instances = client.describe_instances(InstanceIds=[i["InstanceId"] for i in resp["Instances"]])["Reservations"][0]["Instances"]
    assert len(instances) == 2
    for i in instances:
        assert i["ImageId"] == EXAMPLE_AMI_ID


def test_instance_launch_and_terminate():
    client = boto3.client("ec2", region_name="us-east-1")

    with pytest.raises(ClientError) as ex:
        client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1, DryRun=True)
    assert_dryrun_error(ex)

    reservation = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)
    assert len(reservation["Instances"]) == 1
    instance = reservation["Instances"][0]
    assert instance["State"] == {"Code": 0, "Name": "pending"}
    instance_id = instance["InstanceId"]

    reservations = client.describe_instances(InstanceIds=[instance_id])["Reservations"]
    assert len(reservations) == 1
    assert reservations[0]["ReservationId"] == reservation["ReservationId"]
    assert reservations[0]["OwnerId"] == ACCOUNT_ID
    instances = reservations[0]["Instances"]
    assert len(instances) == 1
    instance = instances[0]
    assert instance["InstanceId"] == instance_id
    assert instance["State"] == {"Code": 16, "Name": "running"}
    assert instance["Placement"]["AvailabilityZone"].startswith("us-east-1")
    root_device_name = instance["RootDeviceName"]
    mapping = instance["BlockDeviceMappings"][0]
    assert mapping["DeviceName"] == root_device_name
    assert mapping["Ebs"]["Status"] == "attached"
    volume_id = mapping["Ebs"]["VolumeId"]
    assert volume_id.startswith("vol-")

    volume = client.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]
    assert volume["Attachments"][0]["InstanceId"] == instance_id
    assert volume["State"] == "in-use"

    with pytest.raises(ClientError) as ex:
        client.terminate_instances(InstanceIds=[instance_id], DryRun=True)
    assert_dryrun_error(ex)

    response = client.terminate_instances(InstanceIds=[instance_id])
    assert len(response["TerminatingInstances"]) == 1
    assert response["TerminatingInstances"][0]["InstanceId"] == instance_id
    assert response["TerminatingInstances"][0]["PreviousState"] == {"Code": 16, "Name": "running"}

    instance = client.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert instance["State"] == {"Code": 48, "Name": "terminated"}


@pytest.mark.aws_not_moto
def test_instance_terminate_discard_volumes():
    # AWS answers DescribeVolumes for a deleted volume's id with InvalidVolume.NotFound;
    # moto with an empty list
    ec2_resource = boto3.resource("ec2", "us-west-1")
    result = ec2_resource.create_instances(
        ImageId=EXAMPLE_AMI_ID,
        MinCount=1,
        MaxCount=1,
        BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 50, "DeleteOnTermination": True}}],
    )
    instance = result[0]
    instance_volume_ids = [volume.id for volume in instance.volumes.all()]
    assert len(instance_volume_ids) == 1
    instance.terminate()
    instance.wait_until_terminated()
    with pytest.raises(ClientError) as ex:
        list(ec2_resource.volumes.filter(VolumeIds=instance_volume_ids))
    assert ex.value.response["Error"]["Code"] == "InvalidVolume.NotFound"


def test_instance_terminate_keep_volumes_explicit():
    ec2_resource = boto3.resource("ec2", "us-west-1")
    result = ec2_resource.create_instances(
        ImageId=EXAMPLE_AMI_ID,
        MinCount=1,
        MaxCount=1,
        BlockDeviceMappings=[{"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 50, "DeleteOnTermination": False}}],
    )
    instance = result[0]
    instance_volume_ids = [volume.id for volume in instance.volumes.all()]
    instance.terminate()
    instance.wait_until_terminated()
    volumes = list(ec2_resource.volumes.filter(VolumeIds=instance_volume_ids))
    assert len(volumes) == 1
    assert volumes[0].size == 50
    assert volumes[0].state == "available"


def test_instance_attach_volume():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]
    zone = instance.placement["AvailabilityZone"]
    vol1 = ec2.create_volume(Size=36, AvailabilityZone=zone)
    vol1.attach_to_instance(InstanceId=instance.id, Device="/dev/sdh")
    vol2 = ec2.create_volume(Size=65, AvailabilityZone=zone)
    vol2.attach_to_instance(InstanceId=instance.id, Device="/dev/sdi")
    vol3 = ec2.create_volume(Size=130, AvailabilityZone=zone)
    vol3.attach_to_instance(InstanceId=instance.id, Device="/dev/sdj")

    instance.reload()
    assert len(instance.block_device_mappings) == 4
    expected_vol3_id = [m["Ebs"]["VolumeId"] for m in instance.block_device_mappings if m["DeviceName"] == "/dev/sdj"][0]
    assert expected_vol3_id == vol3.id
    for volume in instance.volumes.all():
        assert volume.attachments[0]["InstanceId"] == instance.id


def test_get_instances_by_id():
    client = boto3.client("ec2", region_name="us-east-1")
    reservation = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=2, MaxCount=2)
    instance1, instance2 = reservation["Instances"]

    reservations = client.describe_instances(InstanceIds=[instance1["InstanceId"]])["Reservations"]
    assert len(reservations) == 1
    assert [i["InstanceId"] for i in reservations[0]["Instances"]] == [instance1["InstanceId"]]

    reservations = client.describe_instances(InstanceIds=[instance1["InstanceId"], instance2["InstanceId"]])["Reservations"]
    assert len(reservations[0]["Instances"]) == 2

    with pytest.raises(ClientError) as ex:
        client.describe_instances(InstanceIds=[instance1["InstanceId"], "i-1234abcd"])
    assert ex.value.response["Error"]["Code"] == "InvalidInstanceID.NotFound"
    assert ex.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_get_paginated_instances():
    client = boto3.client("ec2", region_name="us-east-1")
    for _ in range(12):
        client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)
    resp1 = client.describe_instances(MaxResults=5)
    assert len(resp1["Reservations"]) == 5
    next_token = resp1["NextToken"]
    resp2 = client.describe_instances(NextToken=next_token, MaxResults=5)
    assert len(resp2["Reservations"]) == 5
    resp3 = client.describe_instances(NextToken=resp2["NextToken"])
    assert len(resp3["Reservations"]) == 2
    assert "NextToken" not in resp3
    all_ids = {r["Instances"][0]["InstanceId"] for resp in (resp1, resp2, resp3) for r in resp["Reservations"]}
    assert len(all_ids) == 12


def test_get_instances_filtering_by_state():
    client = boto3.client("ec2", region_name="us-east-1")
    instance1, instance2, instance3 = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=3, MaxCount=3)["Instances"]
    client.terminate_instances(InstanceIds=[instance1["InstanceId"]])

    reservations = client.describe_instances(Filters=[{"Name": "instance-state-name", "Values": ["running"]}])["Reservations"]
    instance_ids = [i["InstanceId"] for r in reservations for i in r["Instances"]]
    assert instance1["InstanceId"] not in instance_ids
    assert {instance2["InstanceId"], instance3["InstanceId"]} <= set(instance_ids)

    reservations = client.describe_instances(
        InstanceIds=[instance2["InstanceId"]], Filters=[{"Name": "instance-state-name", "Values": ["running"]}]
    )["Reservations"]
    assert [i["InstanceId"] for r in reservations for i in r["Instances"]] == [instance2["InstanceId"]]

    reservations = client.describe_instances(
        InstanceIds=[instance2["InstanceId"]], Filters=[{"Name": "instance-state-name", "Values": ["terminated"]}]
    )["Reservations"]
    assert reservations == []


def test_get_instances_filtering_by_instance_id():
    client = boto3.client("ec2", region_name="us-east-1")
    instance1, instance2, _ = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=3, MaxCount=3)["Instances"]

    def ids(values):
        reservations = client.describe_instances(Filters=[{"Name": "instance-id", "Values": values}])["Reservations"]
        return sorted(i["InstanceId"] for r in reservations for i in r["Instances"])

    assert ids([instance1["InstanceId"]]) == [instance1["InstanceId"]]
    assert ids([instance1["InstanceId"], instance2["InstanceId"]]) == sorted([instance1["InstanceId"], instance2["InstanceId"]])
    assert ids(["i-1234abcd"]) == []


def test_get_instances_filtering_by_instance_type():
    client = boto3.client("ec2", region_name="us-east-1")
    small = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1, InstanceType="m1.small")["Instances"][0]
    large = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1, InstanceType="t2.large")["Instances"][0]

    reservations = client.describe_instances(Filters=[{"Name": "instance-type", "Values": ["m1.small"]}])["Reservations"]
    assert [i["InstanceId"] for r in reservations for i in r["Instances"]] == [small["InstanceId"]]
    reservations = client.describe_instances(Filters=[{"Name": "instance-type", "Values": ["t2.large"]}])["Reservations"]
    assert [i["InstanceId"] for r in reservations for i in r["Instances"]] == [large["InstanceId"]]
    reservations = client.describe_instances(Filters=[{"Name": "instance-type", "Values": ["bogus"]}])["Reservations"]
    assert reservations == []


def test_get_instances_filtering_by_image_id():
    client = boto3.client("ec2", region_name="us-east-1")
    client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)
    client.run_instances(ImageId=EXAMPLE_AMI_PARAVIRTUAL, MinCount=1, MaxCount=1)
    reservations = client.describe_instances(Filters=[{"Name": "image-id", "Values": [EXAMPLE_AMI_ID]}])["Reservations"]
    assert len(reservations[0]["Instances"]) == 1
    assert reservations[0]["Instances"][0]["ImageId"] == EXAMPLE_AMI_ID


def test_get_instances_filtering_by_tag():
    client = boto3.client("ec2", region_name="us-east-1")
    instance1, instance2, instance3 = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=3, MaxCount=3)["Instances"]
    client.create_tags(Resources=[instance1["InstanceId"]], Tags=[{"Key": "tag1", "Value": "value1"}, {"Key": "tag2", "Value": "value2"}])
    client.create_tags(Resources=[instance2["InstanceId"]], Tags=[{"Key": "tag1", "Value": "value1"}, {"Key": "tag2", "Value": "wrong value"}])
    client.create_tags(Resources=[instance3["InstanceId"]], Tags=[{"Key": "tag2", "Value": "value2"}])

    def ids(filters):
        reservations = client.describe_instances(Filters=filters)["Reservations"]
        return {i["InstanceId"] for r in reservations for i in r["Instances"]}

    assert ids([{"Name": "tag:tag0", "Values": ["value0"]}]) == set()
    assert ids([{"Name": "tag:tag1", "Values": ["value1"]}]) == {instance1["InstanceId"], instance2["InstanceId"]}
    assert ids([{"Name": "tag:tag1", "Values": ["value1"]}, {"Name": "tag:tag2", "Values": ["value2"]}]) == {instance1["InstanceId"]}
    assert ids([{"Name": "tag:tag2", "Values": ["value2", "bogus"]}]) == {instance1["InstanceId"], instance3["InstanceId"]}
    assert ids([{"Name": "tag-key", "Values": ["tag1"]}]) == {instance1["InstanceId"], instance2["InstanceId"]}


def test_instance_start_and_stop():
    client = boto3.client("ec2", region_name="us-west-1")
    instance1, instance2 = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=2, MaxCount=2)["Instances"]
    instance_ids = [instance1["InstanceId"], instance2["InstanceId"]]

    with pytest.raises(ClientError) as ex:
        client.stop_instances(InstanceIds=instance_ids, DryRun=True)
    assert_dryrun_error(ex)

    stopped = client.stop_instances(InstanceIds=instance_ids)["StoppingInstances"]
    for instance in stopped:
        assert instance["PreviousState"] == {"Code": 16, "Name": "running"}
        assert instance["CurrentState"] == {"Code": 64, "Name": "stopping"}

    instance1 = client.describe_instances(InstanceIds=[instance1["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert instance1["State"] == {"Code": 80, "Name": "stopped"}
    assert instance1["StateTransitionReason"].startswith("User initiated")

    started = client.start_instances(InstanceIds=[instance1["InstanceId"]])["StartingInstances"]
    assert started[0]["PreviousState"] == {"Code": 80, "Name": "stopped"}
    assert started[0]["CurrentState"] == {"Code": 0, "Name": "pending"}
    instance1 = client.describe_instances(InstanceIds=[instance1["InstanceId"]])["Reservations"][0]["Instances"][0]
    assert instance1["State"] == {"Code": 16, "Name": "running"}
    assert instance1["StateTransitionReason"] == ""


def test_instance_reboot():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]
    with pytest.raises(ClientError) as ex:
        instance.reboot(DryRun=True)
    assert_dryrun_error(ex)
    instance.reboot()
    instance.reload()
    assert instance.state == {"Code": 16, "Name": "running"}


def test_terminate_unknown_instances():
    client = boto3.client("ec2", region_name="us-west-1")
    with pytest.raises(ClientError) as ex:
        client.terminate_instances(InstanceIds=["i-12345678"])
    assert ex.value.response["Error"]["Code"] == "InvalidInstanceID.NotFound"
    assert "RequestId" in ex.value.response["ResponseMetadata"]


def test_instance_attribute_instance_type():
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]
    instance.stop()
    instance.wait_until_stopped()

    with pytest.raises(ClientError) as ex:
        instance.modify_attribute(InstanceType={"Value": "m1.medium"}, DryRun=True)
    assert_dryrun_error(ex)

    instance.modify_attribute(InstanceType={"Value": "m1.medium"})
    attribute = instance.describe_attribute(Attribute="instanceType")["InstanceType"]
    assert attribute["Value"] == "m1.medium"


@pytest.mark.aws_not_moto
def test_modify_instance_type_of_running_instance():
    # AWS: "To change the instance type, the instance must be stopped" (IncorrectInstanceState);
    # moto changes it while the instance runs
    client = boto3.client("ec2", region_name="us-east-1")
    instance_id = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    with pytest.raises(ClientError) as ex:
        client.modify_instance_attribute(InstanceId=instance_id, InstanceType={"Value": "m1.medium"})
    assert ex.value.response["Error"]["Code"] == "IncorrectInstanceState"


@pytest.mark.aws_not_moto
def test_instance_attribute_user_data():
    # ModifyInstanceAttribute UserData is a blob (boto3 base64-encodes it once); moto expects it encoded twice
    ec2 = boto3.resource("ec2", region_name="us-east-1")
    instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]
    instance.stop()
    instance.wait_until_stopped()

    instance.modify_attribute(UserData={"Value": b"this is my user data"})
    attribute = instance.describe_attribute(Attribute="userData")["UserData"]
    assert base64.b64decode(attribute["Value"]) == b"this is my user data"


def test_run_instance_with_user_data():
    client = boto3.client("ec2", region_name="us-east-1")
    user_data = b"#!/bin/bash\necho hello\n"
    instance_id = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1, UserData=user_data)["Instances"][0]["InstanceId"]
    attribute = client.describe_instance_attribute(InstanceId=instance_id, Attribute="userData")["UserData"]
    assert base64.b64decode(attribute["Value"]) == user_data


def test_instance_attribute_source_dest_check():
    ec2 = boto3.resource("ec2", region_name="us-west-1")
    instance = ec2.create_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)[0]
    assert instance.describe_attribute(Attribute="sourceDestCheck")["SourceDestCheck"]["Value"] is True

    instance.modify_attribute(SourceDestCheck={"Value": False})
    instance.load()
    assert instance.source_dest_check is False
    assert instance.describe_attribute(Attribute="sourceDestCheck")["SourceDestCheck"]["Value"] is False

    instance.modify_attribute(SourceDestCheck={"Value": True})
    instance.load()
    assert instance.source_dest_check is True


@pytest.mark.aws_not_moto
def test_instance_disable_api_termination():
    # AWS refuses to terminate with DisableApiTermination (OperationNotPermitted); moto terminates
    client = boto3.client("ec2", region_name="us-east-1")
    instance_id = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1, DisableApiTermination=True)["Instances"][0]["InstanceId"]
    attribute = client.describe_instance_attribute(InstanceId=instance_id, Attribute="disableApiTermination")
    assert attribute["DisableApiTermination"]["Value"] is True

    with pytest.raises(ClientError) as ex:
        client.terminate_instances(InstanceIds=[instance_id])
    assert ex.value.response["Error"]["Code"] == "OperationNotPermitted"

    client.modify_instance_attribute(InstanceId=instance_id, DisableApiTermination={"Value": False})
    client.terminate_instances(InstanceIds=[instance_id])
    instance = client.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert instance["State"]["Name"] == "terminated"


def test_run_instance_with_security_group_name():
    client = boto3.client("ec2", region_name="us-east-1")
    group_id = client.create_security_group(GroupName="group1", Description="some description")["GroupId"]
    instance = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1, SecurityGroups=["group1"])["Instances"][0]
    assert instance["SecurityGroups"] == [{"GroupName": "group1", "GroupId": group_id}]


def test_run_instance_with_placement():
    client = boto3.client("ec2", region_name="us-east-1")
    instance = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1, Placement={"AvailabilityZone": "us-east-1b"})["Instances"][0]
    assert instance["Placement"]["AvailabilityZone"] == "us-east-1b"


@pytest.mark.aws_not_moto
def test_run_instance_with_block_device_mappings():
    # AWS keeps the image's root device beside the added mapping; moto drops it
    ec2_client = boto3.client("ec2", region_name="us-east-1")
    instance_id = ec2_client.run_instances(
        ImageId=EXAMPLE_AMI_ID,
        MinCount=1,
        MaxCount=1,
        BlockDeviceMappings=[{"DeviceName": "/dev/sda2", "Ebs": {"VolumeSize": 50}}],
    )["Instances"][0]["InstanceId"]
    instance = ec2_client.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    mappings = {m["DeviceName"]: m["Ebs"]["VolumeId"] for m in instance["BlockDeviceMappings"]}
    assert set(mappings) == {"/dev/sda1", "/dev/sda2"}
    volume = ec2_client.describe_volumes(VolumeIds=[mappings["/dev/sda2"]])["Volumes"][0]
    assert volume["Size"] == 50


def test_run_instance_with_nic_autocreated():
    client = boto3.client("ec2", region_name="us-west-1")
    instance = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]
    assert len(instance["NetworkInterfaces"]) == 1
    nic = instance["NetworkInterfaces"][0]
    assert nic["Attachment"]["DeviceIndex"] == 0
    assert instance["PrivateIpAddress"] == nic["PrivateIpAddress"]
    assert instance["SubnetId"] == nic["SubnetId"]


def test_run_instance_with_keypair():
    client = boto3.client("ec2", region_name="us-east-1")
    client.create_key_pair(KeyName="keypair_name")
    instance = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1, KeyName="keypair_name")["Instances"][0]
    assert instance["KeyName"] == "keypair_name"


@pytest.mark.aws_not_moto
def test_run_instance_with_invalid_keypair():
    # AWS: InvalidKeyPair.NotFound; moto launches
    client = boto3.client("ec2", region_name="us-east-1")
    with pytest.raises(ClientError) as ex:
        client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1, KeyName="not a key")
    assert ex.value.response["Error"]["Code"] == "InvalidKeyPair.NotFound"


@pytest.mark.aws_not_moto
def test_run_instance_with_unknown_image():
    # AWS: InvalidAMIID.NotFound; moto launches
    client = boto3.client("ec2", region_name="us-east-1")
    with pytest.raises(ClientError) as ex:
        client.run_instances(ImageId="ami-abcd1234", MinCount=1, MaxCount=1)
    assert ex.value.response["Error"]["Code"] == "InvalidAMIID.NotFound"


def test_describe_instance_status_no_instances():
    client = boto3.client("ec2", region_name="us-east-1")
    assert client.describe_instance_status()["InstanceStatuses"] == []


def test_describe_instance_status_with_instances():
    client = boto3.client("ec2", region_name="us-east-1")
    instance_id = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    statuses = client.describe_instance_status()["InstanceStatuses"]
    assert statuses[0]["InstanceId"] == instance_id
    assert statuses[0]["InstanceState"]["Code"] == 16
    assert statuses[0]["InstanceState"]["Name"] == "running"


def test_describe_instance_status_with_non_running_instances():
    client = boto3.client("ec2", region_name="us-east-1")
    instance1, instance2, instance3 = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=3, MaxCount=3)["Instances"]
    client.stop_instances(InstanceIds=[instance1["InstanceId"]])
    client.terminate_instances(InstanceIds=[instance2["InstanceId"]])

    all_running = client.describe_instance_status()["InstanceStatuses"]
    assert [s["InstanceId"] for s in all_running] == [instance3["InstanceId"]]

    all_status = client.describe_instance_status(IncludeAllInstances=True)["InstanceStatuses"]
    states = {s["InstanceId"]: s["InstanceState"]["Name"] for s in all_status}
    assert states[instance1["InstanceId"]] == "stopped"
    assert states[instance3["InstanceId"]] == "running"


def test_get_instance_by_security_group():
    client = boto3.client("ec2", region_name="us-east-1")
    instance_id = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]
    group_id = client.create_security_group(GroupName="test", Description="test")["GroupId"]
    client.modify_instance_attribute(InstanceId=instance_id, Groups=[group_id])
    reservations = client.describe_instances(Filters=[{"Name": "instance.group-id", "Values": [group_id]}])["Reservations"]
    assert [i["InstanceId"] for r in reservations for i in r["Instances"]] == [instance_id]


def test_run_instances_with_tag_specifications():
    client = boto3.client("ec2", region_name="us-east-1")
    instance = client.run_instances(
        ImageId=EXAMPLE_AMI_ID,
        MinCount=1,
        MaxCount=1,
        TagSpecifications=[
            {"ResourceType": "instance", "Tags": [{"Key": "MY_TAG1", "Value": "MY_VALUE1"}]},
            {"ResourceType": "volume", "Tags": [{"Key": "MY_TAG2", "Value": "MY_VALUE2"}]},
        ],
    )["Instances"][0]
    assert instance["Tags"] == [{"Key": "MY_TAG1", "Value": "MY_VALUE1"}]
    volume_id = client.describe_instances(InstanceIds=[instance["InstanceId"]])["Reservations"][0]["Instances"][0]["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    volume = client.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]
    assert volume["Tags"] == [{"Key": "MY_TAG2", "Value": "MY_VALUE2"}]


@pytest.mark.xfail(strict=True, reason="not in Imago yet: DescribeInstanceCreditSpecifications (burstable credit options)")
def test_describe_instance_credit_specifications():
    client = boto3.client("ec2", region_name="us-west-1")
    instance_id = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1, InstanceType="t2.micro")["Instances"][0]["InstanceId"]
    result = client.describe_instance_credit_specifications(InstanceIds=[instance_id])
    assert result["InstanceCreditSpecifications"][0]["InstanceId"] == instance_id


@pytest.mark.aws_not_moto
def test_create_instance_with_default_options():
    # AWS reports CpuOptions for every instance; moto omits them
    client = boto3.client("ec2", region_name="eu-west-1")
    instance = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1)["Instances"][0]
    assert instance["CpuOptions"]["CoreCount"] >= 1
    assert instance["Monitoring"] == {"State": "disabled"}
    assert instance["EbsOptimized"] is False
    assert instance["MetadataOptions"]["HttpEndpoint"] == "enabled"
    assert instance["InstanceType"] == "m1.small"
    assert instance["Placement"]["Tenancy"] == "default"


def test_run_multiple_instances_in_same_command():
    client = boto3.client("ec2", region_name="us-east-1")
    reservation = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=3, MaxCount=3)
    assert sorted(i["AmiLaunchIndex"] for i in reservation["Instances"]) == [0, 1, 2]
    assert len({i["InstanceId"] for i in reservation["Instances"]}) == 3
