#!/usr/bin/env bash
# The AMI life cycle as the seed articles type it: register from a snapshot, describe with
# owners and filters, `aws ec2 wait image-available`, copy across regions, share and unshare,
# make public, tag versions and find the latest by name pattern, deprecate, deregister and
# clean up the snapshots — the aws CLI against `imago serve`.
source "$(dirname "$0")/lib.sh"
echo "# $("$AWS_BIN" --version 2>&1)"

start_imago dev --settle-ms 50
ALICE=111111111111
BOB=222222222222
export AWS_ACCESS_KEY_ID=$ALICE AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1

# a snapshot to build from
volume=$(ec2 create-volume --availability-zone us-east-1a --size 8 --query VolumeId --output text)
wait_for "volume available" available ec2 describe-volumes --volume-ids "$volume" --query 'Volumes[0].State' --output text
snap=$(ec2 create-snapshot --volume-id "$volume" --description "root of app" --query SnapshotId --output text)
wait_for "snapshot completed" completed ec2 describe-snapshots --snapshot-ids "$snap" --query 'Snapshots[0].State' --output text

# register, then wait the way scripts do
register() { # NAME VERSION: registers, then tags the version (this CLI's register-image has no --tag-specifications)
  local id
  id=$(ec2 register-image --name "$1" --description "app $2" --architecture x86_64 --virtualization-type hvm --ena-support \
    --root-device-name /dev/xvda --block-device-mappings "[{\"DeviceName\":\"/dev/xvda\",\"Ebs\":{\"SnapshotId\":\"$snap\",\"VolumeType\":\"gp3\",\"DeleteOnTermination\":true}}]" \
    --query ImageId --output text)
  ec2 create-tags --resources "$id" --tags "Key=Version,Value=$2" Key=App,Value=web
  echo "$id"
}
v1=$(register app-1.0.0 1.0.0)
case "$v1" in ami-*) ok "register-image from a snapshot gave $v1" ;; *) fail "register-image gave [$v1]" ;; esac
"$AWS_BIN" --endpoint-url "$dev_URL" ec2 wait image-available --image-ids "$v1" && ok "aws ec2 wait image-available"
out=$(ec2 describe-images --image-ids "$v1" --query 'Images[0].[State,Architecture,RootDeviceName,BlockDeviceMappings[0].Ebs.SnapshotId,EnaSupport]' --output text)
[ "$out" = "$(printf 'available\tx86_64\t/dev/xvda\t%s\tTrue' "$snap")" ] && ok "describe-images shows what was registered" || fail "describe gave [$out]"
run_aws_fail --endpoint-url "$dev_URL" ec2 register-image --name app-1.0.0 --root-device-name /dev/xvda --block-device-mappings "[{\"DeviceName\":\"/dev/xvda\",\"Ebs\":{\"SnapshotId\":\"$snap\"}}]"
expect_contains "$OUT" "(InvalidAMIName.Duplicate)" "a name is unique per account and region"
expect_contains "$OUT" "AMI name app-1.0.0 is already in use by AMI $v1" "with AWS's message"
run_aws_fail --endpoint-url "$dev_URL" ec2 register-image --name app-x --root-device-name /dev/xvda --block-device-mappings "[{\"DeviceName\":\"/dev/xvda\",\"Ebs\":{\"SnapshotId\":\"$snap\"}}]" --dry-run
expect_contains "$OUT" "(DryRunOperation)" "register-image --dry-run"

# versions: tag them, find the latest by name pattern and by tag
v2=$(register app-1.1.0 1.1.0)
v3=$(register app-1.2.0 1.2.0)
out=$(ec2 describe-images --owners self --filters 'Name=name,Values=app-*' Name=state,Values=available --query 'sort_by(Images,&CreationDate)[-1].ImageId' --output text)
[ "$out" = "$v3" ] && ok "the latest by name pattern, sorted by CreationDate" || fail "latest gave [$out], expected $v3"
out=$(ec2 describe-images --owners self --filters 'Name=tag:Version,Values=1.1.*' --query 'Images[].ImageId' --output text)
[ "$out" = "$v2" ] && ok "a version found by tag with a wildcard" || fail "tag filter gave [$out]"
out=$(ec2 describe-images --owners self --filters 'Name=name,Values=app-1.?.0' --query 'length(Images)')
[ "$out" = "3" ] && ok "? matches one character" || fail "? gave [$out]"
out=$(ec2 describe-images --owners amazon --filters 'Name=name,Values=app-*' --query 'length(Images)')
[ "$out" = "0" ] && ok "--owners amazon does not list the account's images" || fail "owners amazon gave [$out]"
run_aws_fail --endpoint-url "$dev_URL" ec2 describe-images --owners someone
expect_contains "$OUT" "(InvalidUserID.Malformed)" "a malformed owner"
run_aws_fail --endpoint-url "$dev_URL" ec2 describe-images --image-ids ami-0123456789abcdef0
expect_contains "$OUT" "(InvalidAMIID.NotFound)" "an unknown image id"
expect_contains "$OUT" "The image id '[ami-0123456789abcdef0]' does not exist" "with AWS's message"
run_aws_fail --endpoint-url "$dev_URL" ec2 describe-images --filters Name=colour,Values=blue
expect_contains "$OUT" "(InvalidParameterValue)" "an unknown filter"

# copy across regions, in the destination region
copy=$(ec2 copy-image --region us-west-2 --source-region us-east-1 --source-image-id "$v3" --name app-1.2.0 --description "west copy" --query ImageId --output text)
"$AWS_BIN" --endpoint-url "$dev_URL" ec2 wait image-available --region us-west-2 --image-ids "$copy" && ok "copy-image to us-west-2; wait image-available there"
# (SourceImageId/SourceImageRegion are newer than this CLI's model; the SDK tests check them)
out=$(ec2 describe-images --region us-west-2 --image-ids "$copy" --query 'Images[0].[Name,Description,OwnerId]' --output text)
[ "$out" = "$(printf 'app-1.2.0\twest copy\t%s' "$ALICE")" ] && ok "the copy keeps the name in the other region" || fail "copy gave [$out]"
csnap=$(ec2 describe-images --region us-west-2 --image-ids "$copy" --query 'Images[0].BlockDeviceMappings[0].Ebs.SnapshotId' --output text)
out=$(ec2 describe-snapshots --region us-west-2 --snapshot-ids "$csnap" --query 'Snapshots[0].Description' --output text)
expect_contains "$out" "Copied for DestinationAmi $copy from SourceAmi $v3 for SourceSnapshot $snap" "the copy's snapshot says where it came from"
run_aws_fail --endpoint-url "$dev_URL" ec2 copy-image --source-region us-east-1 --source-image-id "$v3" --name k --kms-key-id alias/aws/ebs
expect_contains "$OUT" "(InvalidParameterDependency)" "--kms-key-id without --encrypted"

# share with an account, and take it back
AWS_ACCESS_KEY_ID=$BOB run_aws_fail --endpoint-url "$dev_URL" ec2 describe-images --image-ids "$v3"
expect_contains "$OUT" "(InvalidAMIID.NotFound)" "Bob does not see Alice's private image (NotFound, as a missing one)"
ec2 modify-image-attribute --image-id "$v3" --launch-permission "Add=[{UserId=$BOB}]"
out=$(ec2 describe-image-attribute --image-id "$v3" --attribute launchPermission --query 'LaunchPermissions[].UserId' --output text)
[ "$out" = "$BOB" ] && ok "modify-image-attribute --launch-permission Add shares" || fail "permissions [$out]"
out=$(as_bob describe-images --executable-users self --query 'Images[].ImageId' --output text)
expect_contains "$out" "$v3" "Bob sees it with --executable-users self"
AWS_ACCESS_KEY_ID=$BOB run_aws_fail --endpoint-url "$dev_URL" ec2 deregister-image --image-id "$v3"
expect_contains "$OUT" "(AuthFailure)" "Bob cannot deregister Alice's image"
expect_contains "$OUT" "Not authorized for image:$v3" "with AWS's message"
ec2 modify-image-attribute --image-id "$v3" --attribute launchPermission --operation-type remove --user-ids "$BOB"
AWS_ACCESS_KEY_ID=$BOB run_aws_fail --endpoint-url "$dev_URL" ec2 describe-images --image-ids "$v3"
expect_contains "$OUT" "(InvalidAMIID.NotFound)" "--operation-type remove unshares"

# public, where allowed
ec2 modify-image-attribute --image-id "$v2" --launch-permission "Add=[{Group=all}]"
out=$(as_bob describe-images --image-ids "$v2" --query 'Images[0].[Public,DeprecationTime!=null]' --output text)
[ "$out" = "$(printf 'True\tTrue')" ] && ok "a public image: everyone sees it, with a default deprecation time" || fail "public gave [$out]"
ec2 reset-image-attribute --image-id "$v2" --attribute launchPermission
AWS_ACCESS_KEY_ID=$BOB run_aws_fail --endpoint-url "$dev_URL" ec2 describe-images --image-ids "$v2"
expect_contains "$OUT" "(InvalidAMIID.NotFound)" "reset-image-attribute makes it private again"
# (image block public access is newer than this CLI; the SDK tests cover it)

# deprecate the old version
ec2 enable-image-deprecation --image-id "$v1" --deprecate-at 2030-01-01T00:00:00Z >/dev/null
out=$(ec2 describe-images --image-ids "$v1" --query 'Images[0].DeprecationTime' --output text)
[ "$out" = "2030-01-01T00:00:00.000Z" ] && ok "enable-image-deprecation" || fail "deprecation [$out]"

# the catalog as built so far survives a restart: copies, shares, tags, deprecation
restart_imago dev --settle-ms 50
out=$(ec2 describe-images --image-ids "$v1" --query 'Images[0].DeprecationTime' --output text)
[ "$out" = "2030-01-01T00:00:00.000Z" ] && ok "after a restart: the deprecation time" || fail "deprecation after restart [$out]"
out=$(ec2 describe-images --owners self --filters 'Name=tag:Version,Values=1.1.*' --query 'length(Images)')
[ "$out" -ge 1 ] && ok "after a restart: tags still filter" || fail "tag filter after restart [$out]"
out=$(ec2 describe-images --region us-west-2 --image-ids "$copy" --query 'Images[0].[Name,State]' --output text)
[ "$out" = "app-1.2.0	available" ] && ok "after a restart: the cross-region copy" || fail "copy after restart [$out]"

# deregister, then clean up the snapshot once no image uses it
run_aws_fail --endpoint-url "$dev_URL" ec2 delete-snapshot --snapshot-id "$snap"
expect_contains "$OUT" "(InvalidSnapshot.InUse)" "a snapshot used by an image cannot be deleted"
for image in "$v1" "$v2" "$v3"; do ec2 deregister-image --image-id "$image"; done
out=$(ec2 describe-images --image-ids "$v1" --query 'Images[0].State' --output text)
[ "$out" = "deregistered" ] && ok "deregister-image: briefly listed as deregistered" || fail "state [$out]"
run_aws_fail --endpoint-url "$dev_URL" ec2 deregister-image --image-id "$v1"
expect_contains "$OUT" "(InvalidAMIID.Unavailable)" "deregistering twice"
ec2 delete-snapshot --snapshot-id "$snap"
run_aws_fail --endpoint-url "$dev_URL" ec2 describe-snapshots --snapshot-ids "$snap"
expect_contains "$OUT" "(InvalidSnapshot.NotFound)" "the snapshot is gone with its images"
again=$(register app-1.0.0 1.0.1 2>&1 || true)
expect_contains "$again" "InvalidSnapshot.NotFound" "(the snapshot really is gone)"
out=$(ec2 describe-images --region us-west-2 --image-ids "$copy" --query 'Images[0].State' --output text)
[ "$out" = "available" ] && ok "the copy in us-west-2 is not affected" || fail "copy state [$out]"

echo "1..$PASS"
