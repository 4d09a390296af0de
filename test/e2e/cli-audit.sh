#!/usr/bin/env bash
# The audit trail as a user reads it: `aws cloudtrail lookup-events` finds who deregistered an
# image (and a refused call's error code), pages, and refuses what CloudTrail refuses; `imago
# audit` prints the same trail from the data dir while the server runs.
source "$(dirname "$0")/lib.sh"
echo "# $("$AWS_BIN" --version 2>&1)"

start_imago dev --settle-ms 50
ALICE=111111111111
BOB=222222222222
export AWS_ACCESS_KEY_ID=$ALICE AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1
trail() { "$AWS_BIN" --endpoint-url "$dev_URL" cloudtrail "$@"; }

volume=$(ec2 create-volume --availability-zone us-east-1a --size 1 --query VolumeId --output text)
wait_for "volume available" available ec2 describe-volumes --volume-ids "$volume" --query 'Volumes[0].State' --output text
snap=$(ec2 create-snapshot --volume-id "$volume" --query SnapshotId --output text)
wait_for "snapshot completed" completed ec2 describe-snapshots --snapshot-ids "$snap" --query 'Snapshots[0].State' --output text
image=$(ec2 register-image --name audited --root-device-name /dev/xvda --block-device-mappings "[{\"DeviceName\":\"/dev/xvda\",\"Ebs\":{\"SnapshotId\":\"$snap\"}}]" --query ImageId --output text)
run_aws_fail --endpoint-url "$dev_URL" ec2 deregister-image --image-id "$image" --dry-run
AWS_ACCESS_KEY_ID=$BOB run_aws_fail --endpoint-url "$dev_URL" ec2 deregister-image --image-id "$image"
ec2 deregister-image --image-id "$image" >/dev/null

out=$(trail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=DeregisterImage \
  --query 'Events[?!contains(CloudTrailEvent, `errorCode`)].[Username,AccessKeyId,EventSource,Resources[0].ResourceType,Resources[0].ResourceName]' --output text)
[ "$out" = "$(printf 'root\t%s\tec2.amazonaws.com\tAWS::EC2::Image\t%s' "$ALICE" "$image")" ] && ok "lookup-events finds who deregistered $image" || fail "lookup-events gave [$out]"
out=$(trail lookup-events --lookup-attributes AttributeKey=ResourceName,AttributeValue="$image" --query 'Events[].EventName' --output text)
expect_contains "$out" "RegisterImage" "by resource name: the image's registration"
expect_contains "$out" "DeregisterImage" "by resource name: its deregistration"
out=$(trail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=DeregisterImage --query 'Events[].CloudTrailEvent' --output text)
expect_contains "$out" '"errorCode":"DryRunOperation"' "the dry run is in the trail with its code"
out=$(AWS_ACCESS_KEY_ID=$BOB trail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=DeregisterImage --query 'Events[0].CloudTrailEvent' --output text)
expect_contains "$out" '"errorCode":"InvalidAMIID.' "Bob's refused attempt is in Bob's trail with its error code"
expect_contains "$out" "\"imageId\":\"$image\"" "with its request parameters"

# paging: the CLI follows NextToken (one event a page) and stops at --max-items
out=$(trail lookup-events --lookup-attributes AttributeKey=EventSource,AttributeValue=ec2.amazonaws.com --page-size 1 --max-items 3 --query 'length(Events)')
[ "$out" = "3" ] && ok "pages of one, three items" || fail "paging gave [$out]"
out=$(trail lookup-events --start-time 2001-01-01T00:00:00Z --end-time 2001-01-02T00:00:00Z --query 'length(Events)')
[ "$out" = "0" ] && ok "a time range with nothing in it" || fail "time range gave [$out]"

run_aws_fail --endpoint-url "$dev_URL" cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=RunInstances AttributeKey=Username,AttributeValue=root
expect_contains "$OUT" "InvalidLookupAttributes" "two lookup attributes are refused"
run_aws_fail --endpoint-url "$dev_URL" cloudtrail lookup-events --start-time 2030-01-02T00:00:00Z --end-time 2030-01-01T00:00:00Z
expect_contains "$OUT" "InvalidTimeRange" "a start after the end is refused"

out=$(node "$ROOT/bin/imago.mjs" audit --data-dir "$WORK/dev-data" --account "$ALICE" --event-name DeregisterImage)
expect_contains "$out" "$ALICE  arn:aws:iam::$ALICE:root  ec2.amazonaws.com  DeregisterImage  DryRunOperation" "imago audit: the dry run"
expect_contains "$out" "$ALICE  arn:aws:iam::$ALICE:root  ec2.amazonaws.com  DeregisterImage  -" "imago audit: the deregistration, beside the running server"
echo "# $PASS checks passed"
