#!/usr/bin/env bash
# The product's central loop with the aws CLI alone, on instances that really boot: find the
# Debian image (by its public SSM parameter), make a key pair and a security group opening port
# 22, run an instance with user data, log in with ssh, install a package, make an image of the
# instance, launch two instances from that image and find the package in both.
source "$(dirname "$0")/lib.sh"
echo "# $("$AWS_BIN" --version 2>&1)"

start_imago dev --compute qemu --settle-ms 0 --public-address-pool 127.102.0.0/24 --vm-stop-timeout-ms 60000
export AWS_ACCESS_KEY_ID=111111111111 AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1
ssm() { "$AWS_BIN" --endpoint-url "$dev_URL" ssm "$@"; }
SSH_OPTS=(-i "$WORK/key.pem" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=5)
on() { local host=$1; shift; ssh "${SSH_OPTS[@]}" "admin@$host" "$@"; }

# long_wait DESCRIPTION EXPECTED COMMAND...: like wait_for, for VM boots (minutes, not seconds)
long_wait() {
  local what=$1 want=$2
  shift 2
  local got=""
  for _ in $(seq 1 450); do
    got=$("$@" 2>/dev/null || true)
    [ "$got" = "$want" ] && return 0
    sleep 2
  done
  fail "$what: expected [$want], last saw [$got]"
}
ssh_ready() { on "$1" true && echo yes; }

# the server imports the built Debian image after it starts; the parameter then names it
debian=$(debian_image)
param=/aws/service/debian/release/12/latest/amd64
[ "$(ssm get-parameter --name $param --query Parameter.Value --output text)" = "$debian" ] && ok "$param names $debian" || fail "$param does not name $debian"

ec2 create-key-pair --key-name loop --query KeyMaterial --output text > "$WORK/key.pem"
chmod 600 "$WORK/key.pem"
sg=$(ec2 create-security-group --group-name ssh --description "ssh from the host" --query GroupId --output text)
ec2 authorize-security-group-ingress --group-id "$sg" --protocol tcp --port 22 --cidr 0.0.0.0/0 >/dev/null
printf '#!/bin/sh\necho "user data ran" > /var/tmp/user-data-marker\n' > "$WORK/user-data.sh"
base=$(ec2 run-instances --image-id "resolve:ssm:$param" --instance-type t3.micro --key-name loop --security-group-ids "$sg" \
  --user-data "file://$WORK/user-data.sh" --query 'Instances[0].InstanceId' --output text)
long_wait "$base running" running ec2 describe-instances --instance-ids "$base" --query 'Reservations[0].Instances[0].State.Name' --output text
ip=$(ec2 describe-instances --instance-ids "$base" --query 'Reservations[0].Instances[0].PublicIpAddress' --output text)
[[ "$ip" == 127.102.0.* ]] && ok "$base runs at public address $ip" || fail "public address [$ip]"

long_wait "ssh to $ip" yes ssh_ready "$ip"
ok "ssh admin@$ip with the launch key"
[ "$(on "$ip" 'cloud-init status --wait >/dev/null; cat /var/tmp/user-data-marker')" = "user data ran" ] && ok "the user data ran" || fail "no user data marker"

# install something: a package made here, copied in and installed with dpkg
mkdir -p "$WORK/pkg/DEBIAN" "$WORK/pkg/usr/local/bin"
printf 'Package: imago-hello\nVersion: 1.0\nArchitecture: all\nMaintainer: Imago tests <tests@imago.invalid>\nDescription: a command baked into an image\n' > "$WORK/pkg/DEBIAN/control"
printf '#!/bin/sh\necho "hello from the baked image"\n' > "$WORK/pkg/usr/local/bin/imago-hello"
chmod 755 "$WORK/pkg/usr/local/bin/imago-hello"
dpkg-deb --root-owner-group --build "$WORK/pkg" "$WORK/imago-hello.deb" >/dev/null
scp "${SSH_OPTS[@]}" "$WORK/imago-hello.deb" "admin@$ip:/tmp/" >/dev/null
on "$ip" 'sudo dpkg -i /tmp/imago-hello.deb >/dev/null && imago-hello' | grep -q "hello from the baked image" && ok "a package installed on $base" || fail "dpkg -i failed"

out=$(ec2 get-console-output --instance-id "$base" --query Output --output text)
# only the latest 64 KB (as on AWS): a long boot's window may begin anywhere in the kernel's
# messages, even inside its 'Linux version' line — its timestamped lines and Debian 12's name
# (the version line, systemd's welcome or getty's banner, whichever the window holds) are there
if grep -qE '\[ *[0-9]+\.[0-9]{6}\] ' <<<"$out" && grep -qE 'Linux version 6\.1\.|Debian 6\.1\.|Debian GNU/Linux 12|bookworm' <<<"$out"; then
  ok "get-console-output shows the kernel booting"
else
  fail "get-console-output shows the kernel booting: got: $out"
fi

baked=$(ec2 create-image --instance-id "$base" --name loop-baked --description "with imago-hello" --query ImageId --output text)
long_wait "$baked available" available ec2 describe-images --image-ids "$baked" --query 'Images[0].State' --output text
ok "create-image: $baked is available"

out=$(ec2 run-instances --image-id "$baked" --count 2 --instance-type t3.micro --key-name loop --security-group-ids "$sg" --query 'Instances[].InstanceId' --output text)
read -r one two <<<"$out"
for id in "$one" "$two"; do
  long_wait "$id running" running ec2 describe-instances --instance-ids "$id" --query 'Reservations[0].Instances[0].State.Name' --output text
done
for id in "$one" "$two"; do
  host=$(ec2 describe-instances --instance-ids "$id" --query 'Reservations[0].Instances[0].PublicIpAddress' --output text)
  long_wait "ssh to $host" yes ssh_ready "$host"
  [ "$(on "$host" 'imago-hello; dpkg-query -W -f="\${Status}" imago-hello')" = "$(printf 'hello from the baked image\ninstall ok installed')" ] &&
    ok "$id (from $baked) has the package" || fail "$id lacks the package"
done
# the base instance came back after its image was made (CreateImage shut it down and started it)
long_wait "ssh to $ip again" yes ssh_ready "$ip"
ok "$base runs again after create-image"

ec2 terminate-instances --instance-ids "$base" "$one" "$two" >/dev/null
long_wait "all terminated" "terminated terminated terminated" bash -c "'$AWS_BIN' --endpoint-url '$dev_URL' ec2 describe-instances --instance-ids $base $one $two --query 'Reservations[].Instances[].State.Name' --output text | tr '\t' ' '"
ok "terminate-instances: all three are gone"
