#!/usr/bin/env bash
# The foundation as a user types it: the aws CLI against `imago serve`.
source "$(dirname "$0")/lib.sh"
echo "# $("$AWS_BIN" --version 2>&1)"

start_imago dev
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1

out=$("$AWS_BIN" --endpoint-url "$dev_URL" ec2 describe-regions)
expect_contains "$out" '"RegionName": "us-east-1"' "describe-regions lists us-east-1"
expect_contains "$out" '"Endpoint": "ec2.eu-west-1.amazonaws.com"' "describe-regions gives endpoints"

out=$("$AWS_BIN" --endpoint-url "$dev_URL" ec2 describe-regions --region-names eu-west-2 --query 'Regions[].RegionName' --output text)
[ "$out" = "eu-west-2" ] && ok "describe-regions --region-names" || fail "describe-regions --region-names gave [$out]"

out=$("$AWS_BIN" --endpoint-url "$dev_URL" ec2 describe-availability-zones --region eu-west-1 --query 'AvailabilityZones[].ZoneName' --output text)
[ "$out" = "$(printf 'eu-west-1a\teu-west-1b\teu-west-1c')" ] && ok "describe-availability-zones --region eu-west-1" || fail "zones: [$out]"

out=$("$AWS_BIN" --endpoint-url "$dev_URL" ec2 describe-availability-zones --region eu-west-1 --filters Name=zone-name,Values='*b')
expect_contains "$out" '"ZoneId": "euw1-az2"' "describe-availability-zones with a wildcard filter"

"$AWS_BIN" --endpoint-url "$dev_URL" ec2 enable-ebs-encryption-by-default --region eu-central-1 >/dev/null
out=$("$AWS_BIN" --endpoint-url "$dev_URL" ec2 get-ebs-encryption-by-default --region eu-central-1 --query EbsEncryptionByDefault)
[ "$out" = "true" ] && ok "a setting round-trips through the CLI" || fail "get-ebs-encryption-by-default gave [$out]"

run_aws_fail --endpoint-url "$dev_URL" ec2 enable-ebs-encryption-by-default --dry-run
expect_contains "$OUT" "(DryRunOperation)" "--dry-run answers DryRunOperation"

run_aws_fail --endpoint-url "$dev_URL" ec2 describe-regions --region-names nowhere-1
expect_contains "$OUT" "(InvalidParameterValue)" "an unknown region name is InvalidParameterValue"
[ "$RC" -eq 254 ] || [ "$RC" -eq 255 ] && ok "the CLI exits with its error status ($RC)" || fail "unexpected exit status $RC"

run_aws_fail --endpoint-url "$dev_URL" ec2 create-transit-gateway
expect_contains "$OUT" "(UnsupportedOperation)" "an operation outside Imago's scope answers UnsupportedOperation"
expect_contains "$OUT" "CreateTransitGateway" "… naming the operation"

# An action the server does not know: a one-operation service model for the CLI (AWS_DATA_PATH)
# sends Action=FlyToTheMoon with the EC2 protocol and signature.
mkdir -p "$WORK/models/imagotest/2016-11-15"
cat > "$WORK/models/imagotest/2016-11-15/service-2.json" <<'JSON'
{
  "version": "2.0",
  "metadata": {
    "apiVersion": "2016-11-15", "endpointPrefix": "ec2", "protocol": "ec2", "protocols": ["ec2"],
    "serviceFullName": "Imago Test", "serviceId": "ImagoTest", "signatureVersion": "v4",
    "signingName": "ec2", "uid": "imagotest-2016-11-15"
  },
  "operations": {
    "FlyToTheMoon": { "name": "FlyToTheMoon", "http": { "method": "POST", "requestUri": "/" } }
  },
  "shapes": {}
}
JSON
AWS_DATA_PATH="$WORK/models" run_aws_fail --endpoint-url "$dev_URL" imagotest fly-to-the-moon
expect_contains "$OUT" "(InvalidAction)" "an unknown action is InvalidAction"

# With a credentials file every signature is verified.
cat > "$WORK/server-credentials" <<'INI'
[alice]
aws_access_key_id = AKIAALICE000000000001
aws_secret_access_key = alice-secret
aws_account_id = 111111111111
INI
start_imago strict --credentials "$WORK/server-credentials"
out=$(AWS_ACCESS_KEY_ID=AKIAALICE000000000001 AWS_SECRET_ACCESS_KEY=alice-secret "$AWS_BIN" --endpoint-url "$strict_URL" ec2 describe-regions --region-names us-west-2 --query 'Regions[0].RegionName' --output text)
[ "$out" = "us-west-2" ] && ok "a correctly signed request passes verification" || fail "verified describe-regions gave [$out]"
AWS_ACCESS_KEY_ID=AKIAALICE000000000001 AWS_SECRET_ACCESS_KEY=wrong-secret run_aws_fail --endpoint-url "$strict_URL" ec2 describe-regions
expect_contains "$OUT" "(AuthFailure)" "a wrong secret is refused with AuthFailure"
expect_contains "$OUT" "AWS was not able to validate the provided access credentials" "with AWS's message"
AWS_ACCESS_KEY_ID=AKIAUNKNOWN00000000 AWS_SECRET_ACCESS_KEY=x run_aws_fail --endpoint-url "$strict_URL" ec2 describe-regions
expect_contains "$OUT" "(AuthFailure)" "an unknown key is refused with AuthFailure"

echo "1..$PASS"
