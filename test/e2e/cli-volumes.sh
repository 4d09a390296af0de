#!/usr/bin/env bash
# Volumes as a user types them: the aws CLI against `imago serve` (create, the volume-available
# waiter, describe with filters, modify, status and attributes, delete and its waiter).
# CopyVolumes is newer than Debian's CLI; the SDK tests cover it.
source "$(dirname "$0")/lib.sh"
echo "# $("$AWS_BIN" --version 2>&1)"

start_imago dev --settle-ms 50
export AWS_ACCESS_KEY_ID=111111111111 AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1

out=$(ec2 create-volume --availability-zone us-east-1a --size 8 --volume-type gp3 --tag-specifications 'ResourceType=volume,Tags=[{Key=Name,Value=cli-data}]')
expect_contains "$out" '"State": "creating"' "create-volume answers a creating volume"
expect_contains "$out" '"Iops": 3000' "gp3 gets its default IOPS"
vol=$(printf '%s' "$out" | sed -n 's/.*"VolumeId": "\(vol-[0-9a-f]*\)".*/\1/p')
[ -n "$vol" ] && ok "create-volume gave $vol" || fail "no volume id in: $out"

# the waiter polls at once, then every 15 s: the volume settles in 50 ms
ec2 wait volume-available --volume-ids "$vol" && ok "aws ec2 wait volume-available" || fail "the volume-available waiter failed"

plain=$(ec2 create-volume --availability-zone us-east-1b --size 1 --query VolumeId --output text)
ec2 wait volume-available --volume-ids "$plain"
out=$(ec2 describe-volumes --query 'Volumes[].VolumeId' --output text)
expect_contains "$out" "$vol" "describe-volumes with no parameters"
expect_contains "$out" "$plain" "and lists every volume"
out=$(ec2 describe-volumes --filters Name=tag:Name,Values='cli-*' Name=volume-type,Values=gp3 Name=status,Values=available --query 'Volumes[].VolumeId' --output text)
[ "$out" = "$vol" ] && ok "describe-volumes with tag, type and status filters" || fail "filtered describe gave [$out]"
out=$(ec2 describe-volumes --filters Name=availability-zone,Values=us-east-1b --query 'Volumes[].VolumeId' --output text)
[ "$out" = "$plain" ] && ok "describe-volumes --filters availability-zone" || fail "zone filter gave [$out]"
out=$(ec2 describe-volumes --volume-ids "$vol" --query 'Volumes[0].[Size,AvailabilityZone,Encrypted]' --output text)
[ "$out" = "$(printf '8\tus-east-1a\tFalse')" ] && ok "describe-volumes --volume-ids" || fail "describe by id gave [$out]"

run_aws_fail --endpoint-url "$dev_URL" ec2 describe-volumes --volume-ids vol-0123456789abcdef0
expect_contains "$OUT" "(InvalidVolume.NotFound)" "an unknown volume id is InvalidVolume.NotFound"
run_aws_fail --endpoint-url "$dev_URL" ec2 create-volume --availability-zone us-east-1a --size 10 --volume-type io1
expect_contains "$OUT" "(InvalidParameterCombination)" "io1 without --iops is refused"
run_aws_fail --endpoint-url "$dev_URL" ec2 create-volume --availability-zone us-east-1a --size 1 --kms-key-id alias/aws/ebs
expect_contains "$OUT" "(InvalidParameterDependency)" "--kms-key-id without --encrypted is refused"
run_aws_fail --endpoint-url "$dev_URL" ec2 create-volume --availability-zone us-east-1a --size 1 --dry-run
expect_contains "$OUT" "(DryRunOperation)" "create-volume --dry-run"

out=$(ec2 modify-volume --volume-id "$vol" --size 16 --iops 4000)
expect_contains "$out" '"ModificationState": "modifying"' "modify-volume starts a modification"
expect_contains "$out" '"TargetSize": 16' "with its target size"
state=""
for _ in $(seq 1 200); do
  state=$(ec2 describe-volumes-modifications --volume-ids "$vol" --query 'VolumesModifications[0].ModificationState' --output text)
  [ "$state" = completed ] && break
  sleep 0.05
done
[ "$state" = completed ] && ok "describe-volumes-modifications reaches completed" || fail "modification state [$state]"
out=$(ec2 describe-volumes --volume-ids "$vol" --query 'Volumes[0].[Size,Iops]' --output text)
[ "$out" = "$(printf '16\t4000')" ] && ok "the volume has its new size and IOPS" || fail "after modify: [$out]"
run_aws_fail --endpoint-url "$dev_URL" ec2 modify-volume --volume-id "$vol" --size 4
expect_contains "$OUT" "New size cannot be smaller than existing size" "a volume cannot shrink"

out=$(ec2 describe-volume-status --volume-ids "$vol" --query 'VolumeStatuses[0].VolumeStatus.Status' --output text)
[ "$out" = ok ] && ok "describe-volume-status" || fail "status [$out]"
ec2 modify-volume-attribute --volume-id "$vol" --auto-enable-io
out=$(ec2 describe-volume-attribute --volume-id "$vol" --attribute autoEnableIO --query 'AutoEnableIO.Value' --output text)
[ "$out" = True ] && ok "modify-volume-attribute --auto-enable-io" || fail "autoEnableIO [$out]"

out=$(as_bob describe-volumes --query 'length(Volumes)')
[ "$out" = "0" ] && ok "another account sees none of them" || fail "Bob saw [$out]"
AWS_ACCESS_KEY_ID=222222222222 run_aws_fail --endpoint-url "$dev_URL" ec2 delete-volume --volume-id "$vol"
expect_contains "$OUT" "(InvalidVolume.NotFound)" "and cannot delete them"

for v in "$vol" "$plain"; do ec2 delete-volume --volume-id "$v"; done
ec2 wait volume-deleted --volume-ids "$vol" "$plain" && ok "delete-volume, then aws ec2 wait volume-deleted" || fail "the volume-deleted waiter failed"
out=$(ec2 describe-volumes --query 'length(Volumes)')
[ "$out" = "0" ] && ok "no volumes left" || fail "left: [$out]"

echo "1..$PASS"
