# What moto's tests import from `tests` and `tests.test_ec2.helpers`.
EXAMPLE_AMI_ID = "ami-12c6146b"
EXAMPLE_AMI_ID2 = "ami-03cf127a"
EXAMPLE_AMI_PARAVIRTUAL = "ami-fa7cdd89"
EXAMPLE_AMI_WINDOWS = "ami-f4cf1d8d"
# moto.core.DEFAULT_ACCOUNT_ID
ACCOUNT_ID = "123456789012"


def assert_dryrun_error(ex):
    error = ex.value.response["Error"]
    assert error["Code"] == "DryRunOperation"
    assert ex.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412
    assert "Request would have succeeded, but DryRun flag is set" in error["Message"]
