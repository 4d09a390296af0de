#!/usr/bin/env bash
# Snapshots, their sharing and tags as a user types them: the aws CLI against `imago serve`.
source "$(dirname "$0")/lib.sh"
echo "# $("$AWS_BIN" --version 2>&1)"

start_imago dev --settle-ms 50
ALICE=111111111111
BOB=222222222222
export AWS_ACCESS_KEY_ID=$ALICE AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1


volume=$(ec2 create-volume --availability-zone us-east-1a --size 1 --query VolumeId --output text)
wait_for "volume available" available ec2 describe-volumes --volume-ids "$volume" --query 'Volumes[0].State' --output text

out=$(ec2 create-snapshot --volume-id "$volume" --description "cli nightly" --tag-specifications '[{"ResourceType":"snapshot","Tags":[{"Key":"Name","Value":"cli"},{"Key":"Empty","Value":""}]}]')
expect_contains "$out" '"State": "pending"' "create-snapshot answers a pending snapshot"
expect_contains "$out" '"Key": "Name"' "create-snapshot echoes its tags"
snap=$(printf '%s' "$out" | sed -n 's/.*"SnapshotId": "\(snap-[0-9a-f]*\)".*/\1/p')
[ -n "$snap" ] && ok "create-snapshot gave $snap" || fail "no snapshot id in: $out"
wait_for "snapshot completed" completed ec2 describe-snapshots --snapshot-ids "$snap" --query 'Snapshots[0].State' --output text

out=$(ec2 describe-snapshots --owner-ids self --query 'Snapshots[].SnapshotId' --output text)
expect_contains "$out" "$snap" "describe-snapshots --owner-ids self (the CLI adds MaxResults=1000)"
out=$(ec2 describe-snapshots --filters Name=tag:Name,Values=c?i Name=status,Values=completed --query 'Snapshots[].Description' --output text)
[ "$out" = "cli nightly" ] && ok "describe-snapshots with tag and status filters" || fail "filtered describe gave [$out]"

run_aws_fail --endpoint-url "$dev_URL" ec2 describe-snapshots --snapshot-ids snap-0123456789abcdef0
expect_contains "$OUT" "(InvalidSnapshot.NotFound)" "an unknown snapshot id is InvalidSnapshot.NotFound"

# copy, in the destination region: the CLI adds a presigned URL and DestinationRegion
copy=$(ec2 copy-snapshot --region us-west-2 --source-region us-east-1 --source-snapshot-id "$snap" --description "west copy" --query SnapshotId --output text)
wait_for "copy completed" completed ec2 describe-snapshots --region us-west-2 --snapshot-ids "$copy" --query 'Snapshots[0].State' --output text
out=$(ec2 describe-snapshots --region us-west-2 --snapshot-ids "$copy" --query 'Snapshots[0].[VolumeId,Description]' --output text)
[ "$out" = "$(printf 'vol-ffffffff\twest copy')" ] && ok "copy-snapshot --source-region makes a copy in the destination region" || fail "copy gave [$out]"
run_aws_fail --endpoint-url "$dev_URL" ec2 copy-snapshot --source-region us-east-1 --source-snapshot-id "$snap" --kms-key-id alias/aws/ebs
expect_contains "$OUT" "(InvalidParameterDependency)" "--kms-key-id without --encrypted is refused"

# sharing: private until shared, in either form of modify-snapshot-attribute
AWS_ACCESS_KEY_ID=$BOB run_aws_fail --endpoint-url "$dev_URL" ec2 describe-snapshots --snapshot-ids "$snap"
expect_contains "$OUT" "(InvalidSnapshot.NotFound)" "Bob does not see Alice's private snapshot (NotFound, as a missing one)"
ec2 modify-snapshot-attribute --snapshot-id "$snap" --attribute createVolumePermission --operation-type add --user-ids "$BOB"
out=$(ec2 describe-snapshot-attribute --snapshot-id "$snap" --attribute createVolumePermission --query 'CreateVolumePermissions[].UserId' --output text)
[ "$out" = "$BOB" ] && ok "modify-snapshot-attribute --operation-type add --user-ids shares" || fail "permissions: [$out]"
out=$(as_bob describe-snapshots --restorable-by-user-ids self --query 'Snapshots[].SnapshotId' --output text)
expect_contains "$out" "$snap" "Bob sees it with --restorable-by-user-ids self"
AWS_ACCESS_KEY_ID=$BOB run_aws_fail --endpoint-url "$dev_URL" ec2 delete-snapshot --snapshot-id "$snap"
expect_contains "$OUT" "(UnauthorizedOperation)" "Bob cannot delete Alice's shared snapshot"
ec2 modify-snapshot-attribute --snapshot-id "$snap" --create-volume-permission "Remove=[{UserId=$BOB}]"
AWS_ACCESS_KEY_ID=$BOB run_aws_fail --endpoint-url "$dev_URL" ec2 describe-snapshots --snapshot-ids "$snap"
expect_contains "$OUT" "(InvalidSnapshot.NotFound)" "--create-volume-permission Remove unshares"
run_aws_fail --endpoint-url "$dev_URL" ec2 modify-snapshot-attribute --snapshot-id "$snap" --attribute createVolumePermission --operation-type add --user-ids bob
expect_contains "$OUT" "(InvalidUserID.Malformed)" "a malformed account id is refused"

# tags
ec2 create-tags --resources "$snap" "$volume" --tags Key=Team,Value=storage Key=Blank,Value=
out=$(ec2 describe-tags --filters Name=key,Values=Team --query 'Tags[].ResourceType' --output text | tr '\t' '\n' | sort | tr '\n' ' ')
[ "$out" = "snapshot volume " ] && ok "create-tags on a snapshot and a volume; describe-tags by key" || fail "describe-tags gave [$out]"
ec2 delete-tags --resources "$snap" --tags Key=Team
out=$(ec2 describe-tags --filters "Name=resource-id,Values=$snap" --query 'Tags[].Key' --output text | tr '\t' ' ')
[ "$out" = "Blank Empty Name" ] && ok "delete-tags by key" || fail "tags left: [$out]"
run_aws_fail --endpoint-url "$dev_URL" ec2 create-tags --resources snap-nothex --tags Key=a,Value=b
expect_contains "$OUT" "(InvalidID)" "a malformed resource id is InvalidID"

# the default KMS key for EBS
out=$(ec2 get-ebs-default-kms-key-id --query KmsKeyId --output text)
[ "$out" = "arn:aws:kms:us-east-1:$ALICE:alias/aws/ebs" ] && ok "get-ebs-default-kms-key-id names alias/aws/ebs" || fail "default key [$out]"

# deletion
run_aws_fail --endpoint-url "$dev_URL" ec2 delete-snapshot --snapshot-id "$snap" --dry-run
expect_contains "$OUT" "(DryRunOperation)" "delete-snapshot --dry-run"
ec2 delete-snapshot --snapshot-id "$snap"
run_aws_fail --endpoint-url "$dev_URL" ec2 describe-snapshots --snapshot-ids "$snap"
expect_contains "$OUT" "(InvalidSnapshot.NotFound)" "delete-snapshot deletes"

echo "1..$PASS"
