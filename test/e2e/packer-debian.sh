#!/usr/bin/env bash
# Packer (Debian's packer, amazon-ebs builder, unchanged) bakes an image from Imago's Debian 12
# image end to end: source_ami_filter, temporary key pair and security group, a real VM
# provisioned over SSH, stop, CreateImage, a copy to a second region, sharing with another
# account, tags, clean-up. Then the aws CLI checks the result, and the baked snapshot is
# exported and read (debugfs) to find the provisioner's file in it.
source "$(dirname "$0")/lib.sh"
command -v packer >/dev/null || fail "packer is not installed (scripts/setup-test-host.sh installs it)"
echo "# $(packer version | head -1), $("$AWS_BIN" --version 2>&1)"

start_imago dev --compute qemu --settle-ms 0 --public-address-pool 127.103.0.0/24 --vm-stop-timeout-ms 60000
export AWS_ACCESS_KEY_ID=111111111111 AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1

debian=$(debian_image)
[[ "$debian" == ami-* ]] && ok "Imago's Debian 12 image is published: $debian" || fail "no Debian image"

cat > "$WORK/debian.json" <<JSON
{
  "builders": [{
    "type": "amazon-ebs",
    "region": "us-east-1",
    "custom_endpoint_ec2": "$dev_URL",
    "skip_region_validation": true,
    "source_ami_filter": {
      "filters": { "name": "debian-12-amd64-*", "virtualization-type": "hvm", "root-device-type": "ebs" },
      "owners": ["136693071363"],
      "most_recent": true
    },
    "instance_type": "t3.micro",
    "ssh_username": "admin",
    "ssh_timeout": "15m",
    "ami_name": "packer-debian-{{timestamp}}",
    "ami_description": "baked by Packer on Imago",
    "ami_regions": ["us-west-2"],
    "ami_users": ["222222222222"],
    "snapshot_users": ["222222222222"],
    "tags": { "Builder": "packer", "Base": "{{ .SourceAMIName }}" },
    "run_tags": { "Name": "packer-builder" }
  }],
  "provisioners": [{
    "type": "shell",
    "inline": [
      "cloud-init status --wait",
      "echo baked-by-packer | sudo tee /etc/packer-marker",
      "sudo sync"
    ]
  }]
}
JSON

# Packer's waiters poll every 15 s by default; the AWS SDK for Go takes these from the environment
export AWS_POLL_DELAY_SECONDS=2 AWS_MAX_ATTEMPTS=600 PACKER_NO_COLOR=1 CHECKPOINT_DISABLE=1
set +e
(cd "$WORK" && packer build -machine-readable debian.json > "$WORK/packer.log" 2>&1)
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  grep -E 'ui,(error|say)|error' "$WORK/packer.log" | tail -40 >&2
  fail "packer build failed (rc $rc)"
fi
ok "packer build succeeded"
artifact=$(grep -a ',artifact,0,id,' "$WORK/packer.log" | tail -1 | cut -d, -f6)
expect_contains "$artifact" "us-east-1:ami-" "Packer's artifact names the image in us-east-1"
expect_contains "$artifact" "us-west-2:ami-" "and its copy in us-west-2"
east=$(printf '%s' "$artifact" | tr '%!(PACKER_COMMA)' '\n' | sed -n 's/.*us-east-1:\(ami-[0-9a-f]*\).*/\1/p' | head -1)
[ -n "$east" ] || east=$(printf '%s' "$artifact" | grep -o 'us-east-1:ami-[0-9a-f]*' | cut -d: -f2)
west=$(printf '%s' "$artifact" | grep -o 'us-west-2:ami-[0-9a-f]*' | cut -d: -f2)

debian_name=$(ec2 describe-images --image-ids "$debian" --query 'Images[0].Name' --output text)
out=$(ec2 describe-images --image-ids "$east" --query 'Images[0].[State,Description,Tags[?Key==`Builder`]|[0].Value,Tags[?Key==`Base`]|[0].Value]' --output text)
[ "$out" = "$(printf 'available\tbaked by Packer on Imago\tpacker\t%s' "$debian_name")" ] && ok "the image: available, described, tagged with its base $debian_name" || fail "image: [$out]"
snap=$(ec2 describe-images --image-ids "$east" --query 'Images[0].BlockDeviceMappings[0].Ebs.SnapshotId' --output text)
out=$(ec2 describe-snapshots --snapshot-ids "$snap" --query 'Snapshots[0].Description' --output text)
[[ "$out" == "Created by CreateImage(i-"* ]] && ok "its snapshot was made by CreateImage from Packer's instance" || fail "snapshot description [$out]"
# (Debian's aws CLI predates SourceImageId: the copy is known by its name)
name=$(ec2 describe-images --image-ids "$east" --query 'Images[0].Name' --output text)
out=$(ec2 --region us-west-2 describe-images --image-ids "$west" --query 'Images[0].[State,Name]' --output text)
[ "$out" = "$(printf 'available\t%s' "$name")" ] && ok "the copy in us-west-2 is available" || fail "copy: [$out]"
for region in us-east-1 us-west-2; do
  id=$([ $region = us-east-1 ] && echo "$east" || echo "$west")
  out=$(ec2 --region $region describe-image-attribute --image-id "$id" --attribute launchPermission --query 'LaunchPermissions[0].UserId' --output text)
  [ "$out" = "222222222222" ] && ok "shared with 222222222222 in $region" || fail "launch permission in $region: [$out]"
done
out=$(as_bob describe-images --executable-users self --query 'length(Images)' --output text)
[ "$out" = "1" ] && ok "account 222222222222 sees the shared image" || fail "bob sees [$out] images"
out=$(as_bob describe-snapshots --restorable-by-user-ids self --query 'length(Snapshots)' --output text)
[ "$out" = "1" ] && ok "and its snapshot (snapshot_users)" || fail "bob sees [$out] snapshots"

out=$(ec2 describe-instances --filters Name=tag:Name,Values=packer-builder --query 'Reservations[].Instances[].State.Name' --output text)
[ "$out" = "terminated" ] && ok "Packer terminated its instance" || fail "builder instance: [$out]"
out=$(ec2 describe-key-pairs --query 'length(KeyPairs)' --output text)
[ "$out" = "0" ] && ok "Packer deleted its temporary key pair" || fail "key pairs left: $out"
out=$(ec2 describe-security-groups --query 'length(SecurityGroups[?GroupName!=`default`])' --output text)
[ "$out" = "0" ] && ok "and its temporary security group" || fail "security groups left: $out"

# the provisioner's file is in the baked snapshot: export the image's root device and read it
node "$ROOT/bin/imago.mjs" export "$east" "$WORK/baked.raw" --endpoint "$dev_URL" --no-progress >/dev/null
start=$(sfdisk -J "$WORK/baked.raw" | node -e 'const t=JSON.parse(require("fs").readFileSync(0));const p=t.partitiontable.partitions.find(p=>p.type==="83");console.log(p.start)')
out=$(debugfs -R 'cat /etc/packer-marker' "$WORK/baked.raw?offset=$((start * 512))" 2>/dev/null)
[ "$out" = "baked-by-packer" ] && ok "the baked snapshot holds what the provisioner wrote" || fail "marker in the snapshot: [$out]"
