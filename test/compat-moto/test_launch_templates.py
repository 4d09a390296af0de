import boto3
import pytest
from botocore.exceptions import ClientError

from compat_helpers import EXAMPLE_AMI_ID, assert_dryrun_error


def test_launch_template_create():
    cli = boto3.client("ec2", region_name="us-east-1")
    resp = cli.create_launch_template(
        LaunchTemplateName="test-template",
        # the absolute minimum needed to create a template without other resources
        LaunchTemplateData={"TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "test", "Value": "value"}]}]},
    )
    assert "LaunchTemplate" in resp
    lt = resp["LaunchTemplate"]
    assert lt["LaunchTemplateName"] == "test-template"
    assert lt["DefaultVersionNumber"] == 1
    assert lt["LatestVersionNumber"] == 1

    with pytest.raises(ClientError) as ex:
        cli.create_launch_template(
            LaunchTemplateName="test-template",
            LaunchTemplateData={"TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "test", "Value": "value"}]}]},
        )
    assert ex.value.response["Error"]["Code"] == "InvalidLaunchTemplateName.AlreadyExistsException"
    assert ex.value.response["Error"]["Message"] == "Launch template name already in use."


def test_create_launch_template_dryrun():
    cli = boto3.client("ec2", region_name="us-east-1")
    with pytest.raises(ClientError) as ex:
        cli.create_launch_template(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID}, DryRun=True)
    assert_dryrun_error(ex)


def test_describe_launch_template_versions():
    template_data = {"ImageId": EXAMPLE_AMI_ID, "InstanceType": "t2.micro"}
    cli = boto3.client("ec2", region_name="us-east-1")
    create_resp = cli.create_launch_template(LaunchTemplateName="test-template", LaunchTemplateData=template_data)

    resp = cli.describe_launch_template_versions(LaunchTemplateName="test-template")
    templ = resp["LaunchTemplateVersions"][0]["LaunchTemplateData"]
    assert templ == template_data

    resp = cli.describe_launch_template_versions(LaunchTemplateId=create_resp["LaunchTemplate"]["LaunchTemplateId"])
    templ = resp["LaunchTemplateVersions"][0]["LaunchTemplateData"]
    assert templ == template_data


def test_create_launch_template_version():
    cli = boto3.client("ec2", region_name="us-east-1")
    create_resp = cli.create_launch_template(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID})
    version_resp = cli.create_launch_template_version(
        LaunchTemplateName="test-template",
        LaunchTemplateData={"ImageId": "ami-def456"},
        VersionDescription="new ami",
    )
    assert "LaunchTemplateVersion" in version_resp
    version = version_resp["LaunchTemplateVersion"]
    assert version["DefaultVersion"] is False
    assert version["LaunchTemplateId"] == create_resp["LaunchTemplate"]["LaunchTemplateId"]
    assert version["VersionDescription"] == "new ami"
    assert version["VersionNumber"] == 2


def test_create_launch_template_version_by_id():
    cli = boto3.client("ec2", region_name="us-east-1")
    create_resp = cli.create_launch_template(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID})
    version_resp = cli.create_launch_template_version(
        LaunchTemplateId=create_resp["LaunchTemplate"]["LaunchTemplateId"],
        LaunchTemplateData={"ImageId": "ami-def456"},
        VersionDescription="new ami",
    )
    version = version_resp["LaunchTemplateVersion"]
    assert version["VersionNumber"] == 2


def test_describe_launch_template_versions_with_multiple_versions():
    cli = boto3.client("ec2", region_name="us-east-1")
    cli.create_launch_template(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID})
    cli.create_launch_template_version(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": "ami-def456"}, VersionDescription="new ami")
    resp = cli.describe_launch_template_versions(LaunchTemplateName="test-template")
    assert len(resp["LaunchTemplateVersions"]) == 2
    images = sorted(v["LaunchTemplateData"]["ImageId"] for v in resp["LaunchTemplateVersions"])
    assert images == sorted([EXAMPLE_AMI_ID, "ami-def456"])


def test_describe_launch_template_versions_with_versions_option():
    cli = boto3.client("ec2", region_name="us-east-1")
    cli.create_launch_template(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID})
    cli.create_launch_template_version(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": "ami-def456"}, VersionDescription="new ami")
    cli.create_launch_template_version(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": "ami-hij789"}, VersionDescription="new ami, again")
    resp = cli.describe_launch_template_versions(LaunchTemplateName="test-template", Versions=["2", "3"])
    assert len(resp["LaunchTemplateVersions"]) == 2
    assert sorted(v["LaunchTemplateData"]["ImageId"] for v in resp["LaunchTemplateVersions"]) == ["ami-def456", "ami-hij789"]


def test_describe_launch_template_versions_with_min_and_max():
    cli = boto3.client("ec2", region_name="us-east-1")
    cli.create_launch_template(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID})
    cli.create_launch_template_version(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": "ami-def456"})
    cli.create_launch_template_version(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": "ami-hij789"})
    resp = cli.describe_launch_template_versions(LaunchTemplateName="test-template", MinVersion="2")
    assert sorted(v["VersionNumber"] for v in resp["LaunchTemplateVersions"]) == [2, 3]
    resp = cli.describe_launch_template_versions(LaunchTemplateName="test-template", MaxVersion="2")
    assert sorted(v["VersionNumber"] for v in resp["LaunchTemplateVersions"]) == [1, 2]


def test_describe_launch_templates_with_non_existent_name():
    cli = boto3.client("ec2", region_name="us-east-1")
    with pytest.raises(ClientError) as ex:
        cli.describe_launch_templates(LaunchTemplateNames=["non-existent-template"])
    assert ex.value.response["Error"]["Code"] == "InvalidLaunchTemplateName.NotFoundException"


def test_describe_launch_templates():
    cli = boto3.client("ec2", region_name="us-east-1")
    lt_ids = []
    r = cli.create_launch_template(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID})
    lt_ids.append(r["LaunchTemplate"]["LaunchTemplateId"])
    r = cli.create_launch_template(LaunchTemplateName="test-template2", LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID})
    lt_ids.append(r["LaunchTemplate"]["LaunchTemplateId"])

    resp = cli.describe_launch_templates(LaunchTemplateIds=lt_ids)
    assert len(resp["LaunchTemplates"]) == 2
    names = sorted(t["LaunchTemplateName"] for t in resp["LaunchTemplates"])
    assert names == ["test-template", "test-template2"]

    resp = cli.describe_launch_templates(LaunchTemplateNames=["test-template2"])
    assert [t["LaunchTemplateName"] for t in resp["LaunchTemplates"]] == ["test-template2"]


def test_describe_launch_templates_with_filters():
    cli = boto3.client("ec2", region_name="us-east-1")
    r = cli.create_launch_template(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID})
    cli.create_tags(Resources=[r["LaunchTemplate"]["LaunchTemplateId"]], Tags=[{"Key": "tag1", "Value": "a value"}, {"Key": "another-key", "Value": "this value"}])
    cli.create_launch_template(LaunchTemplateName="no-tags", LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID})

    resp = cli.describe_launch_templates(Filters=[{"Name": "tag:tag1", "Values": ["a value"]}])
    assert [t["LaunchTemplateName"] for t in resp["LaunchTemplates"]] == ["test-template"]
    resp = cli.describe_launch_templates(Filters=[{"Name": "launch-template-name", "Values": ["no-tags"]}])
    assert [t["LaunchTemplateName"] for t in resp["LaunchTemplates"]] == ["no-tags"]


def test_create_launch_template_with_tag_spec():
    cli = boto3.client("ec2", region_name="us-east-1")
    cli.create_launch_template(
        LaunchTemplateName="test-template",
        LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "key", "Value": "value"}]}],
    )
    resp = cli.describe_launch_templates(LaunchTemplateNames=["test-template"])
    assert resp["LaunchTemplates"][0]["Tags"] == [{"Key": "key", "Value": "value"}]


def test_delete_launch_template__dryrun():
    cli = boto3.client("ec2", region_name="us-east-1")
    cli.create_launch_template(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID})
    with pytest.raises(ClientError) as ex:
        cli.delete_launch_template(DryRun=True, LaunchTemplateName="test-template")
    assert_dryrun_error(ex)
    assert len(cli.describe_launch_templates(LaunchTemplateNames=["test-template"])["LaunchTemplates"]) == 1


def test_delete_launch_template__by_name():
    cli = boto3.client("ec2", region_name="us-east-1")
    cli.create_launch_template(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID})
    cli.delete_launch_template(LaunchTemplateName="test-template")
    with pytest.raises(ClientError) as ex:
        cli.describe_launch_templates(LaunchTemplateNames=["test-template"])
    assert ex.value.response["Error"]["Code"] == "InvalidLaunchTemplateName.NotFoundException"


def test_delete_launch_template__by_id():
    cli = boto3.client("ec2", region_name="us-east-1")
    template_id = cli.create_launch_template(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID})["LaunchTemplate"]["LaunchTemplateId"]
    cli.delete_launch_template(LaunchTemplateId=template_id)
    assert cli.describe_launch_templates()["LaunchTemplates"] == []


def test_modify_launch_template_default_version():
    cli = boto3.client("ec2", region_name="us-east-1")
    cli.create_launch_template(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": EXAMPLE_AMI_ID})
    cli.create_launch_template_version(LaunchTemplateName="test-template", LaunchTemplateData={"ImageId": "ami-def456"})
    cli.modify_launch_template(LaunchTemplateName="test-template", DefaultVersion="2")
    template = cli.describe_launch_templates(LaunchTemplateNames=["test-template"])["LaunchTemplates"][0]
    assert template["DefaultVersionNumber"] == 2
    assert template["LatestVersionNumber"] == 2
    version = cli.describe_launch_template_versions(LaunchTemplateName="test-template", Versions=["$Default"])["LaunchTemplateVersions"][0]
    assert version["LaunchTemplateData"]["ImageId"] == "ami-def456"


def test_run_instance_with_launch_template():
    cli = boto3.client("ec2", region_name="us-east-1")
    template = cli.create_launch_template(
        LaunchTemplateName="test-template",
        LaunchTemplateData={
            "ImageId": EXAMPLE_AMI_ID,
            "InstanceType": "t2.micro",
            "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "from", "Value": "template"}]}],
        },
    )["LaunchTemplate"]
    instance = cli.run_instances(MinCount=1, MaxCount=1, LaunchTemplate={"LaunchTemplateId": template["LaunchTemplateId"]})["Instances"][0]
    assert instance["ImageId"] == EXAMPLE_AMI_ID
    assert instance["InstanceType"] == "t2.micro"
    tags = {t["Key"]: t["Value"] for t in instance["Tags"]}
    assert tags["from"] == "template"
    assert tags["aws:ec2launchtemplate:id"] == template["LaunchTemplateId"]
    assert tags["aws:ec2launchtemplate:version"] == "1"


def test_get_launch_template_data():
    client = boto3.client("ec2", region_name="us-east-1")
    instance_id = client.run_instances(ImageId=EXAMPLE_AMI_ID, MinCount=1, MaxCount=1, InstanceType="t2.micro")["Instances"][0]["InstanceId"]
    data = client.get_launch_template_data(InstanceId=instance_id)["LaunchTemplateData"]
    assert data["ImageId"] == EXAMPLE_AMI_ID
    assert data["InstanceType"] == "t2.micro"
