#!/usr/bin/env bash
# Instances as a user types them, with the CLI's own waiters: run an instance from an image,
# stop it, make an image of it, launch many from that image, terminate them all.
source "$(dirname "$0")/lib.sh"
echo "# $("$AWS_BIN" --version 2>&1)"

# transitions settle at once, so every waiter succeeds on its first poll (they sleep 15 s between)
start_imago dev --settle-ms 0
export AWS_ACCESS_KEY_ID=111111111111 AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1

volume=$(ec2 create-volume --availability-zone us-east-1a --size 1 --query VolumeId --output text)
ec2 wait volume-available --volume-ids "$volume"
snap=$(ec2 create-snapshot --volume-id "$volume" --query SnapshotId --output text)
ec2 wait snapshot-completed --snapshot-ids "$snap"
ami=$(ec2 register-image --name cli-base --root-device-name /dev/xvda --architecture x86_64 --virtualization-type hvm \
  --block-device-mappings "DeviceName=/dev/xvda,Ebs={SnapshotId=$snap}" --query ImageId --output text)
ok "an image to launch: $ami"

ec2 create-key-pair --key-name cli-key --query KeyMaterial --output text > "$WORK/cli-key.pem"
expect_contains "$(head -1 "$WORK/cli-key.pem")" "BEGIN RSA PRIVATE KEY" "create-key-pair returns the private key"
sg=$(ec2 create-security-group --group-name cli-web --description "web servers" --query GroupId --output text)
ec2 authorize-security-group-ingress --group-id "$sg" --protocol tcp --port 22 --cidr 0.0.0.0/0 >/dev/null
out=$(ec2 describe-security-groups --group-ids "$sg" --query 'SecurityGroups[0].IpPermissions[0].[IpProtocol,FromPort]' --output text)
[ "$out" = "$(printf 'tcp\t22')" ] && ok "authorize-security-group-ingress --protocol --port --cidr" || fail "rules: [$out]"

out=$(ec2 run-instances --image-id "$ami" --count 1 --instance-type t3.micro --key-name cli-key --security-group-ids "$sg" \
  --user-data 'echo hi' --tag-specifications 'ResourceType=instance,Tags=[{Key=Name,Value=web}]')
expect_contains "$out" '"Name": "pending"' "run-instances answers a pending instance"
instance=$(printf '%s' "$out" | sed -n 's/.*"InstanceId": "\(i-[0-9a-f]*\)".*/\1/p' | head -1)
[ -n "$instance" ] && ok "run-instances gave $instance" || fail "no instance id in: $out"
ec2 wait instance-running --instance-ids "$instance" && ok "aws ec2 wait instance-running"
ec2 wait instance-status-ok --instance-ids "$instance" && ok "aws ec2 wait instance-status-ok"
out=$(ec2 describe-instance-attribute --instance-id "$instance" --attribute userData --query UserData.Value --output text)
[ "$out" = "$(printf 'echo hi' | base64)" ] && ok "--user-data is stored base64-encoded" || fail "user data: [$out]"
out=$(ec2 describe-instances --filters Name=tag:Name,Values=web Name=instance-state-name,Values=running --query 'Reservations[].Instances[].[KeyName,SecurityGroups[0].GroupName]' --output text)
[ "$out" = "$(printf 'cli-key\tcli-web')" ] && ok "describe-instances with tag and state filters" || fail "describe gave [$out]"

ec2 stop-instances --instance-ids "$instance" >/dev/null
ec2 wait instance-stopped --instance-ids "$instance" && ok "aws ec2 wait instance-stopped"

image=$(ec2 create-image --instance-id "$instance" --name "app v1.2 (build) [x]" --no-reboot \
  --block-device-mappings '[{"DeviceName":"/dev/xvda","Ebs":{"DeleteOnTermination":true}}]' \
  --tag-specifications 'ResourceType=image,Tags=[{Key=Version,Value=1.2}]' 'ResourceType=snapshot,Tags=[{Key=Version,Value=1.2}]' --query ImageId --output text)
ec2 wait image-available --image-ids "$image" && ok "aws ec2 wait image-available ($image)"
# (SourceInstanceId is newer than Debian's CLI model; the SDK tests check it)
out=$(ec2 describe-images --image-ids "$image" --query 'Images[0].[Name,State,Tags[0].Value]' --output text)
[ "$out" = "$(printf 'app v1.2 (build) [x]\tavailable\t1.2')" ] && ok "create-image keeps the name and tags" || fail "image: [$out]"
newsnap=$(ec2 describe-images --image-ids "$image" --query 'Images[0].BlockDeviceMappings[0].Ebs.SnapshotId' --output text)
out=$(ec2 describe-snapshots --snapshot-ids "$newsnap" --query 'Snapshots[0].Description' --output text)
[ "$out" = "Created by CreateImage($instance) for $image" ] && ok "the image's snapshot says where it came from" || fail "snapshot: [$out]"

many=$(ec2 run-instances --image-id "$image" --count 5:10 --instance-type t3.micro --query 'Instances[].InstanceId' --output text)
count=$(printf '%s' "$many" | wc -w)
[ "$count" -eq 10 ] && ok "run-instances --count 5:10 launches 10" || fail "launched $count"
# shellcheck disable=SC2086
ec2 wait instance-running --instance-ids $many && ok "all ten running"
out=$(ec2 describe-instances --filters "Name=image-id,Values=$image" --query 'length(Reservations[].Instances[])')
[ "$out" = "10" ] && ok "describe-instances by image id" || fail "by image: [$out]"
out=$(ec2 describe-instances --page-size 5 --query 'length(Reservations[].Instances[])')
[ "$out" = "11" ] && ok "describe-instances in pages of 5 (the CLI follows NextToken)" || fail "paged: [$out]"

run_aws_fail --endpoint-url "$dev_URL" ec2 run-instances --image-id ami-0123456789abcdef0 --count 1
expect_contains "$OUT" "(InvalidAMIID.NotFound)" "run-instances of an unknown image"
run_aws_fail --endpoint-url "$dev_URL" ec2 run-instances --image-id "$image" --count 1 --dry-run
expect_contains "$OUT" "(DryRunOperation)" "run-instances --dry-run"
run_aws_fail --endpoint-url "$dev_URL" ec2 start-instances --instance-ids i-0123456789abcdef0
expect_contains "$OUT" "(InvalidInstanceID.NotFound)" "start-instances of an unknown instance"

# shellcheck disable=SC2086
ec2 terminate-instances --instance-ids $many "$instance" >/dev/null
# shellcheck disable=SC2086
ec2 wait instance-terminated --instance-ids $many "$instance" && ok "aws ec2 wait instance-terminated"

echo "1..$PASS"
