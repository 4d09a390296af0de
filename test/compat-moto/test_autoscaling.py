import boto3
import pytest
from botocore.exceptions import ClientError

from compat_helpers import EXAMPLE_AMI_ID


def _template(ec2, name="test_launch_template", image_id=EXAMPLE_AMI_ID):
    return ec2.create_launch_template(LaunchTemplateName=name, LaunchTemplateData={"ImageId": image_id, "InstanceType": "t2.micro"})["LaunchTemplate"]


def test_create_autoscaling_group_from_template():
    ec2 = boto3.client("ec2", region_name="us-west-1")
    client = boto3.client("autoscaling", region_name="us-west-1")
    template = _template(ec2)
    response = client.create_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"], "Version": str(template["LatestVersionNumber"])},
        MinSize=1,
        MaxSize=3,
        DesiredCapacity=2,
        AvailabilityZones=["us-west-1a"],
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200

    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]
    assert group["AutoScalingGroupName"] == "test_asg"
    assert group["LaunchTemplate"]["LaunchTemplateId"] == template["LaunchTemplateId"]
    assert group["MinSize"] == 1
    assert group["MaxSize"] == 3
    assert group["DesiredCapacity"] == 2
    assert len(group["Instances"]) == 2
    for instance in group["Instances"]:
        assert instance["LifecycleState"] == "InService"
        assert instance["HealthStatus"] == "Healthy"
        assert instance["LaunchTemplate"]["LaunchTemplateId"] == template["LaunchTemplateId"]


def test_create_autoscaling_group_from_template_by_name():
    ec2 = boto3.client("ec2", region_name="us-west-1")
    client = boto3.client("autoscaling", region_name="us-west-1")
    _template(ec2)
    client.create_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template", "Version": "$Latest"},
        MinSize=1,
        MaxSize=1,
        AvailabilityZones=["us-west-1a"],
    )
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]
    assert group["LaunchTemplate"]["LaunchTemplateName"] == "test_launch_template"
    assert group["LaunchTemplate"]["Version"] == "$Latest"
    assert len(group["Instances"]) == 1


def test_create_autoscaling_group_no_template_ref():
    client = boto3.client("autoscaling", region_name="us-west-1")
    with pytest.raises(ClientError) as ex:
        client.create_auto_scaling_group(
            AutoScalingGroupName="test_asg",
            LaunchTemplate={"Version": "1"},
            MinSize=0,
            MaxSize=20,
            DesiredCapacity=5,
            AvailabilityZones=["us-west-1a"],
        )
    assert ex.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert ex.value.response["Error"]["Code"] == "ValidationError"


def test_create_autoscaling_group_multiple_template_ref():
    ec2 = boto3.client("ec2", region_name="us-west-1")
    client = boto3.client("autoscaling", region_name="us-west-1")
    template = _template(ec2)
    with pytest.raises(ClientError) as ex:
        client.create_auto_scaling_group(
            AutoScalingGroupName="test_asg",
            LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"], "LaunchTemplateName": template["LaunchTemplateName"], "Version": "1"},
            MinSize=0,
            MaxSize=20,
            DesiredCapacity=5,
            AvailabilityZones=["us-west-1a"],
        )
    assert ex.value.response["Error"]["Code"] == "ValidationError"


@pytest.mark.aws_not_moto
def test_create_auto_scaling_group_with_duplicate_name():
    # AWS: AlreadyExists for a second group of the same name; moto replaces the group
    ec2 = boto3.client("ec2", region_name="us-east-1")
    client = boto3.client("autoscaling", region_name="us-east-1")
    template = _template(ec2)
    kwargs = {
        "AutoScalingGroupName": "tester_group",
        "LaunchTemplate": {"LaunchTemplateId": template["LaunchTemplateId"]},
        "MinSize": 0,
        "MaxSize": 2,
        "AvailabilityZones": ["us-east-1a"],
    }
    client.create_auto_scaling_group(**kwargs)
    with pytest.raises(ClientError) as ex:
        client.create_auto_scaling_group(**kwargs)
    assert ex.value.response["Error"]["Code"] == "AlreadyExists"


def test_describe_autoscaling_groups_launch_template_instances():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    client = boto3.client("autoscaling", region_name="us-east-1")
    template = _template(ec2)
    client.create_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template", "Version": "1"},
        MinSize=0,
        MaxSize=20,
        DesiredCapacity=5,
        AvailabilityZones=["us-east-1a"],
    )
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]
    assert len(group["Instances"]) == 5
    instance_ids = [i["InstanceId"] for i in group["Instances"]]
    reservations = ec2.describe_instances(InstanceIds=instance_ids)["Reservations"]
    instances = [i for r in reservations for i in r["Instances"]]
    assert len(instances) == 5
    for instance in instances:
        assert instance["ImageId"] == EXAMPLE_AMI_ID
        assert instance["InstanceType"] == "t2.micro"
        tags = {t["Key"]: t["Value"] for t in instance["Tags"]}
        assert tags["aws:autoscaling:groupName"] == "test_asg"
        assert tags["aws:ec2launchtemplate:id"] == template["LaunchTemplateId"]


@pytest.mark.aws_not_moto
def test_describe_autoscaling_instances_launch_template():
    # DescribeAutoScalingInstances says HEALTHY (AWS's API reference sample); moto says Healthy
    ec2 = boto3.client("ec2", region_name="us-east-1")
    client = boto3.client("autoscaling", region_name="us-east-1")
    template = _template(ec2)
    client.create_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template", "Version": "1"},
        MinSize=0,
        MaxSize=20,
        DesiredCapacity=5,
        AvailabilityZones=["us-east-1a"],
    )
    instances = client.describe_auto_scaling_instances()["AutoScalingInstances"]
    assert len(instances) == 5
    for instance in instances:
        assert instance["LaunchTemplate"]["LaunchTemplateId"] == template["LaunchTemplateId"]
        assert instance["AutoScalingGroupName"] == "test_asg"
        assert instance["LifecycleState"] == "InService"
        assert instance["HealthStatus"] == "HEALTHY"


def test_set_desired_capacity_up_and_down():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    client = boto3.client("autoscaling", region_name="us-east-1")
    _template(ec2)
    client.create_auto_scaling_group(
        AutoScalingGroupName="tester_group",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template"},
        MinSize=1,
        MaxSize=5,
        DesiredCapacity=2,
        AvailabilityZones=["us-east-1a"],
    )
    client.set_desired_capacity(AutoScalingGroupName="tester_group", DesiredCapacity=4)
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=["tester_group"])["AutoScalingGroups"][0]
    assert group["DesiredCapacity"] == 4
    assert len(group["Instances"]) == 4

    client.set_desired_capacity(AutoScalingGroupName="tester_group", DesiredCapacity=1)
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=["tester_group"])["AutoScalingGroups"][0]
    assert group["DesiredCapacity"] == 1
    in_service = [i for i in group["Instances"] if i["LifecycleState"] == "InService"]
    assert len(in_service) == 1


def test_update_autoscaling_group_launch_template():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    client = boto3.client("autoscaling", region_name="us-east-1")
    ec2.create_launch_template(LaunchTemplateName="test_launch_template", LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID, "InstanceType": "t2.micro"})
    template = ec2.create_launch_template(LaunchTemplateName="test_launch_template_new", LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID, "InstanceType": "t2.micro"})["LaunchTemplate"]
    client.create_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template", "Version": "1"},
        MinSize=1,
        MaxSize=1,
        AvailabilityZones=["us-east-1a"],
    )
    client.update_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template_new", "Version": "1"},
    )
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]
    assert group["LaunchTemplate"]["LaunchTemplateId"] == template["LaunchTemplateId"]
    assert group["LaunchTemplate"]["LaunchTemplateName"] == "test_launch_template_new"
    assert group["LaunchTemplate"]["Version"] == "1"


def test_update_autoscaling_group_min_size_desired_capacity_change():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    client = boto3.client("autoscaling", region_name="us-east-1")
    _template(ec2)
    client.create_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template"},
        MinSize=2,
        MaxSize=20,
        DesiredCapacity=3,
        AvailabilityZones=["us-east-1a"],
    )
    client.update_auto_scaling_group(AutoScalingGroupName="test_asg", MinSize=5)
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]
    assert group["DesiredCapacity"] == 5
    assert group["MinSize"] == 5
    assert len(group["Instances"]) == 5


def test_delete_autoscaling_group():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    client = boto3.client("autoscaling", region_name="us-east-1")
    _template(ec2)
    client.create_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template"},
        MinSize=0,
        MaxSize=2,
        AvailabilityZones=["us-east-1a"],
    )
    client.delete_auto_scaling_group(AutoScalingGroupName="test_asg")
    assert client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"] == []


@pytest.mark.aws_not_moto
def test_delete_autoscaling_group_with_instances_needs_force():
    # AWS refuses to delete a group with instances without ForceDelete (ResourceInUse); moto deletes it
    ec2 = boto3.client("ec2", region_name="us-east-1")
    client = boto3.client("autoscaling", region_name="us-east-1")
    _template(ec2)
    client.create_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template"},
        MinSize=1,
        MaxSize=2,
        AvailabilityZones=["us-east-1a"],
    )
    with pytest.raises(ClientError) as ex:
        client.delete_auto_scaling_group(AutoScalingGroupName="test_asg")
    assert ex.value.response["Error"]["Code"] in ("ResourceInUse", "ScalingActivityInProgress")
    client.delete_auto_scaling_group(AutoScalingGroupName="test_asg", ForceDelete=True)
    groups = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"]
    assert groups == [] or groups[0]["Status"] == "Delete in progress"


def test_autoscaling_tags_propagate_to_instances():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    client = boto3.client("autoscaling", region_name="us-east-1")
    _template(ec2)
    client.create_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template"},
        MinSize=1,
        MaxSize=1,
        AvailabilityZones=["us-east-1a"],
        Tags=[
            {"ResourceId": "test_asg", "ResourceType": "auto-scaling-group", "Key": "propogated-tag-key", "Value": "propagate-tag-value", "PropagateAtLaunch": True},
            {"ResourceId": "test_asg", "ResourceType": "auto-scaling-group", "Key": "not-propogated-tag-key", "Value": "not-propagate-tag-value", "PropagateAtLaunch": False},
        ],
    )
    instance_id = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]["Instances"][0]["InstanceId"]
    instance = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    tags = {t["Key"]: t["Value"] for t in instance["Tags"]}
    assert tags["propogated-tag-key"] == "propagate-tag-value"
    assert "not-propogated-tag-key" not in tags


def test_create_or_update_and_describe_tags():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    client = boto3.client("autoscaling", region_name="us-east-1")
    _template(ec2)
    client.create_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template"},
        MinSize=0,
        MaxSize=2,
        AvailabilityZones=["us-east-1a"],
    )
    client.create_or_update_tags(
        Tags=[{"ResourceId": "test_asg", "ResourceType": "auto-scaling-group", "Key": "key1", "Value": "value1", "PropagateAtLaunch": True}]
    )
    tags = client.describe_tags(Filters=[{"Name": "auto-scaling-group", "Values": ["test_asg"]}])["Tags"]
    assert tags == [{"ResourceId": "test_asg", "ResourceType": "auto-scaling-group", "Key": "key1", "Value": "value1", "PropagateAtLaunch": True}]

    client.delete_tags(Tags=[{"ResourceId": "test_asg", "ResourceType": "auto-scaling-group", "Key": "key1"}])
    assert client.describe_tags(Filters=[{"Name": "auto-scaling-group", "Values": ["test_asg"]}])["Tags"] == []


def test_terminate_instance_in_auto_scaling_group_decrement():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    client = boto3.client("autoscaling", region_name="us-east-1")
    _template(ec2)
    client.create_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template"},
        MinSize=0,
        DesiredCapacity=1,
        MaxSize=1,
        AvailabilityZones=["us-east-1a"],
    )
    original_instance_id = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]["Instances"][0]["InstanceId"]
    activity = client.terminate_instance_in_auto_scaling_group(InstanceId=original_instance_id, ShouldDecrementDesiredCapacity=True)["Activity"]
    assert activity["AutoScalingGroupName"] == "test_asg"
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]
    assert group["Instances"] == []
    assert group["DesiredCapacity"] == 0
    instance = ec2.describe_instances(InstanceIds=[original_instance_id])["Reservations"][0]["Instances"][0]
    assert instance["State"]["Name"] == "terminated"


def test_terminate_instance_in_auto_scaling_group_no_decrement():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    client = boto3.client("autoscaling", region_name="us-east-1")
    _template(ec2)
    client.create_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template"},
        MinSize=0,
        DesiredCapacity=1,
        MaxSize=1,
        AvailabilityZones=["us-east-1a"],
    )
    original_instance_id = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]["Instances"][0]["InstanceId"]
    client.terminate_instance_in_auto_scaling_group(InstanceId=original_instance_id, ShouldDecrementDesiredCapacity=False)
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]
    replacement = [i["InstanceId"] for i in group["Instances"] if i["LifecycleState"] == "InService"]
    assert len(replacement) == 1
    assert original_instance_id not in replacement
    assert group["DesiredCapacity"] == 1


def test_set_instance_protection():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    client = boto3.client("autoscaling", region_name="us-east-1")
    _template(ec2)
    client.create_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template"},
        MinSize=0,
        MaxSize=20,
        DesiredCapacity=5,
        AvailabilityZones=["us-east-1a"],
        NewInstancesProtectedFromScaleIn=False,
    )
    instance_ids = [i["InstanceId"] for i in client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]["Instances"]]
    protected = instance_ids[:3]
    client.set_instance_protection(AutoScalingGroupName="test_asg", InstanceIds=protected, ProtectedFromScaleIn=True)
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]
    for instance in group["Instances"]:
        assert instance["ProtectedFromScaleIn"] is (instance["InstanceId"] in protected)


def test_standby_enter_and_exit():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    client = boto3.client("autoscaling", region_name="us-east-1")
    _template(ec2)
    client.create_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template"},
        MinSize=0,
        MaxSize=3,
        DesiredCapacity=2,
        AvailabilityZones=["us-east-1a"],
    )
    instance_id = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]["Instances"][0]["InstanceId"]
    activities = client.enter_standby(AutoScalingGroupName="test_asg", InstanceIds=[instance_id], ShouldDecrementDesiredCapacity=True)["Activities"]
    assert activities[0]["AutoScalingGroupName"] == "test_asg"
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]
    states = {i["InstanceId"]: i["LifecycleState"] for i in group["Instances"]}
    assert states[instance_id] == "Standby"
    assert group["DesiredCapacity"] == 1

    client.exit_standby(AutoScalingGroupName="test_asg", InstanceIds=[instance_id])
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]
    states = {i["InstanceId"]: i["LifecycleState"] for i in group["Instances"]}
    assert states[instance_id] == "InService"
    assert group["DesiredCapacity"] == 2


@pytest.mark.aws_not_moto
def test_describe_scaling_activities():
    # AWS records a launch activity per instance; moto lists none
    ec2 = boto3.client("ec2", region_name="us-east-1")
    client = boto3.client("autoscaling", region_name="us-east-1")
    _template(ec2)
    client.create_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template"},
        MinSize=1,
        MaxSize=1,
        AvailabilityZones=["us-east-1a"],
    )
    activities = client.describe_scaling_activities(AutoScalingGroupName="test_asg")["Activities"]
    assert len(activities) >= 1
    assert all(a["AutoScalingGroupName"] == "test_asg" for a in activities)


def test_put_and_describe_scaling_policy():
    ec2 = boto3.client("ec2", region_name="us-east-1")
    client = boto3.client("autoscaling", region_name="us-east-1")
    _template(ec2)
    client.create_auto_scaling_group(
        AutoScalingGroupName="test_asg",
        LaunchTemplate={"LaunchTemplateName": "test_launch_template"},
        MinSize=0,
        MaxSize=5,
        DesiredCapacity=1,
        AvailabilityZones=["us-east-1a"],
    )
    client.put_scaling_policy(
        AutoScalingGroupName="test_asg",
        PolicyName="ScaleUp",
        PolicyType="SimpleScaling",
        AdjustmentType="ChangeInCapacity",
        ScalingAdjustment=1,
        Cooldown=60,
    )
    policies = client.describe_policies(AutoScalingGroupName="test_asg")["ScalingPolicies"]
    assert len(policies) == 1
    assert policies[0]["PolicyName"] == "ScaleUp"
    assert policies[0]["ScalingAdjustment"] == 1

    client.execute_policy(AutoScalingGroupName="test_asg", PolicyName="ScaleUp", HonorCooldown=False)
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]
    assert group["DesiredCapacity"] == 2

    client.delete_policy(AutoScalingGroupName="test_asg", PolicyName="ScaleUp")
    assert client.describe_policies(AutoScalingGroupName="test_asg")["ScalingPolicies"] == []


def test_create_and_describe_launch_configuration():
    client = boto3.client("autoscaling", region_name="us-east-1")
    client.create_launch_configuration(
        LaunchConfigurationName="tester",
        ImageId=EXAMPLE_AMI_ID,
        InstanceType="t1.micro",
        UserData="This is some user_data",
        InstanceMonitoring={"Enabled": True},
        EbsOptimized=True,
        AssociatePublicIpAddress=True,
        MetadataOptions={"HttpPutResponseHopLimit": 2, "HttpEndpoint": "disabled", "HttpTokens": "required"},
    )
    launch_config = client.describe_launch_configurations()["LaunchConfigurations"][0]
    assert launch_config["LaunchConfigurationName"] == "tester"
    assert launch_config["LaunchConfigurationARN"].startswith("arn:aws:autoscaling:us-east-1:123456789012:launchConfiguration:")
    assert launch_config["ImageId"] == EXAMPLE_AMI_ID
    assert launch_config["InstanceType"] == "t1.micro"
    assert launch_config["InstanceMonitoring"] == {"Enabled": True}
    assert launch_config["EbsOptimized"] is True
    assert launch_config["AssociatePublicIpAddress"] is True
    assert launch_config["MetadataOptions"] == {"HttpPutResponseHopLimit": 2, "HttpEndpoint": "disabled", "HttpTokens": "required"}
    with pytest.raises(ClientError) as err:
        client.create_launch_configuration(LaunchConfigurationName="tester", ImageId=EXAMPLE_AMI_ID, InstanceType="t1.micro")
    assert err.value.response["Error"]["Code"] == "AlreadyExists"


def test_group_from_launch_configuration_and_delete_in_use():
    client = boto3.client("autoscaling", region_name="us-east-1")
    client.create_launch_configuration(LaunchConfigurationName="test_lc", ImageId=EXAMPLE_AMI_ID, InstanceType="t2.medium")
    client.create_auto_scaling_group(AutoScalingGroupName="test_asg", LaunchConfigurationName="test_lc", MinSize=2, MaxSize=2, AvailabilityZones=["us-east-1a"])
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]
    assert group["LaunchConfigurationName"] == "test_lc"
    assert len(group["Instances"]) == 2
    assert all(i["LaunchConfigurationName"] == "test_lc" and i["InstanceType"] == "t2.medium" for i in group["Instances"])
    with pytest.raises(ClientError) as err:
        client.delete_launch_configuration(LaunchConfigurationName="test_lc")
    assert err.value.response["Error"]["Code"] == "ResourceInUse"
    limits = client.describe_account_limits()
    assert limits["NumberOfLaunchConfigurations"] == 1
    client.delete_auto_scaling_group(AutoScalingGroupName="test_asg", ForceDelete=True)


def test_scheduled_actions_put_describe_delete():
    client = boto3.client("autoscaling", region_name="us-east-1")
    ec2 = boto3.client("ec2", region_name="us-east-1")
    _template(ec2)
    client.create_auto_scaling_group(AutoScalingGroupName="test_asg", LaunchTemplate={"LaunchTemplateName": "test_launch_template"}, MinSize=0, MaxSize=2, AvailabilityZones=["us-east-1a"])
    for i in range(3):
        client.put_scheduled_update_group_action(
            AutoScalingGroupName="test_asg",
            ScheduledActionName=f"my-scheduled-action-{i}",
            Recurrence="0 9 * * *",
            TimeZone="Europe/Paris",
            MinSize=1,
            MaxSize=5,
            DesiredCapacity=3,
        )
    actions = client.describe_scheduled_actions(AutoScalingGroupName="test_asg")["ScheduledUpdateGroupActions"]
    assert [a["ScheduledActionName"] for a in actions] == [f"my-scheduled-action-{i}" for i in range(3)]
    assert actions[0]["Recurrence"] == "0 9 * * *"
    assert actions[0]["TimeZone"] == "Europe/Paris"
    assert actions[0]["DesiredCapacity"] == 3
    client.delete_scheduled_action(AutoScalingGroupName="test_asg", ScheduledActionName="my-scheduled-action-0")
    failed = client.batch_delete_scheduled_action(AutoScalingGroupName="test_asg", ScheduledActionNames=["my-scheduled-action-1", "nope"])["FailedScheduledActions"]
    assert [f["ScheduledActionName"] for f in failed] == ["nope"]
    actions = client.describe_scheduled_actions(AutoScalingGroupName="test_asg")["ScheduledUpdateGroupActions"]
    assert [a["ScheduledActionName"] for a in actions] == ["my-scheduled-action-2"]


def test_suspend_resume_processes_and_metrics_collection():
    client = boto3.client("autoscaling", region_name="us-east-1")
    ec2 = boto3.client("ec2", region_name="us-east-1")
    _template(ec2)
    client.create_auto_scaling_group(AutoScalingGroupName="test_asg", LaunchTemplate={"LaunchTemplateName": "test_launch_template"}, MinSize=0, MaxSize=2, AvailabilityZones=["us-east-1a"])
    client.suspend_processes(AutoScalingGroupName="test_asg", ScalingProcesses=["Launch"])
    client.suspend_processes(AutoScalingGroupName="test_asg", ScalingProcesses=["Terminate"])
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]
    assert sorted(p["ProcessName"] for p in group["SuspendedProcesses"]) == ["Launch", "Terminate"]
    client.resume_processes(AutoScalingGroupName="test_asg")
    client.disable_metrics_collection(AutoScalingGroupName="test_asg")
    client.enable_metrics_collection(AutoScalingGroupName="test_asg", Metrics=["GroupMinSize"], Granularity="1Minute")
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=["test_asg"])["AutoScalingGroups"][0]
    assert group["SuspendedProcesses"] == []
    assert group["EnabledMetrics"] == [{"Metric": "GroupMinSize", "Granularity": "1Minute"}]
