#!/usr/bin/env bash
# A two-tier network as a user types it: a VPC with a public and a private subnet, an internet
# gateway, route tables (0.0.0.0/0 to the gateway for the public tier, to a NAT gateway with an
# Elastic IP for the private one), security groups that reference each other, a web instance in
# the public subnet with an Elastic IP, an app instance in the private subnet; what the describe
# calls show; then the tear-down, with the DependencyViolation refusals AWS gives on the way.
source "$(dirname "$0")/lib.sh"
echo "# $("$AWS_BIN" --version 2>&1)"

start_imago dev --settle-ms 0
export AWS_ACCESS_KEY_ID=111111111111 AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1

# expect_error CODE DESCRIPTION ARGS...: the ec2 call fails with CODE
expect_error() {
  local code=$1 what=$2
  shift 2
  run_aws_fail --endpoint-url "$dev_URL" ec2 "$@"
  expect_contains "$OUT" "($code)" "$what"
}

volume=$(ec2 create-volume --availability-zone us-east-1a --size 1 --query VolumeId --output text)
ec2 wait volume-available --volume-ids "$volume"
snap=$(ec2 create-snapshot --volume-id "$volume" --query SnapshotId --output text)
ec2 wait snapshot-completed --snapshot-ids "$snap"
ami=$(ec2 register-image --name net-base --root-device-name /dev/xvda --architecture x86_64 --virtualization-type hvm \
  --block-device-mappings "DeviceName=/dev/xvda,Ebs={SnapshotId=$snap}" --query ImageId --output text)
ok "an image to launch: $ami"

# ---- the network ----
vpc=$(ec2 create-vpc --cidr-block 10.0.0.0/16 --tag-specifications 'ResourceType=vpc,Tags=[{Key=Name,Value=two-tier}]' --query Vpc.VpcId --output text)
ec2 modify-vpc-attribute --vpc-id "$vpc" --enable-dns-hostnames '{"Value":true}'
ec2 wait vpc-available --vpc-ids "$vpc" && ok "create-vpc $vpc"
public=$(ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.0.1.0/24 --availability-zone us-east-1a --query Subnet.SubnetId --output text)
private=$(ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.0.2.0/24 --availability-zone us-east-1a --query Subnet.SubnetId --output text)
ec2 modify-subnet-attribute --subnet-id "$public" --map-public-ip-on-launch
out=$(ec2 describe-subnets --filters "Name=vpc-id,Values=$vpc" --query 'Subnets[].[CidrBlock,MapPublicIpOnLaunch,AvailableIpAddressCount]' --output text)
[ "$out" = "$(printf '10.0.1.0/24\tTrue\t251\n10.0.2.0/24\tFalse\t251')" ] && ok "public and private subnets" || fail "subnets: [$out]"

igw=$(ec2 create-internet-gateway --query InternetGateway.InternetGatewayId --output text)
ec2 attach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$vpc"
out=$(ec2 describe-internet-gateways --internet-gateway-ids "$igw" --query 'InternetGateways[0].Attachments[0].[VpcId,State]' --output text)
[ "$out" = "$(printf '%s\tavailable' "$vpc")" ] && ok "internet gateway attached" || fail "igw: [$out]"

public_rt=$(ec2 create-route-table --vpc-id "$vpc" --query RouteTable.RouteTableId --output text)
ec2 create-route --route-table-id "$public_rt" --destination-cidr-block 0.0.0.0/0 --gateway-id "$igw" >/dev/null
public_assoc=$(ec2 associate-route-table --route-table-id "$public_rt" --subnet-id "$public" --query AssociationId --output text)

nat_eip=$(ec2 allocate-address --domain vpc --query AllocationId --output text)
nat_ip=$(ec2 describe-addresses --allocation-ids "$nat_eip" --query 'Addresses[0].PublicIp' --output text)
case "$nat_ip" in 127.*) ok "allocate-address: $nat_ip (a loopback address)" ;; *) fail "address: [$nat_ip]" ;; esac
nat=$(ec2 create-nat-gateway --subnet-id "$public" --allocation-id "$nat_eip" --query NatGateway.NatGatewayId --output text)
wait_for "the NAT gateway" available ec2 describe-nat-gateways --nat-gateway-ids "$nat" --query 'NatGateways[0].State' --output text
ok "create-nat-gateway $nat is available"
out=$(ec2 describe-nat-gateways --nat-gateway-ids "$nat" --query 'NatGateways[0].NatGatewayAddresses[0].[AllocationId,PublicIp,PrivateIp]' --output text)
[ "$out" = "$(printf '%s\t%s\t10.0.1.4' "$nat_eip" "$nat_ip")" ] && ok "the NAT gateway holds its Elastic IP and an address of the public subnet" || fail "nat: [$out]"

private_rt=$(ec2 create-route-table --vpc-id "$vpc" --query RouteTable.RouteTableId --output text)
ec2 create-route --route-table-id "$private_rt" --destination-cidr-block 0.0.0.0/0 --nat-gateway-id "$nat" >/dev/null
ec2 associate-route-table --route-table-id "$private_rt" --subnet-id "$private" >/dev/null
out=$(ec2 describe-route-tables --filters "Name=association.subnet-id,Values=$private" --query 'RouteTables[0].Routes[?DestinationCidrBlock==`0.0.0.0/0`].[NatGatewayId,State]' --output text)
[ "$out" = "$(printf '%s\tactive' "$nat")" ] && ok "the private subnet routes 0.0.0.0/0 to the NAT gateway (active)" || fail "private routes: [$out]"
out=$(ec2 describe-route-tables --filters "Name=association.subnet-id,Values=$public" --query 'RouteTables[0].Routes[].[DestinationCidrBlock,GatewayId,State]' --output text)
[ "$out" = "$(printf '10.0.0.0/16\tlocal\tactive\n0.0.0.0/0\t%s\tactive' "$igw")" ] && ok "the public subnet routes 0.0.0.0/0 to the internet gateway" || fail "public routes: [$out]"

# ---- security groups that reference each other ----
web_sg=$(ec2 create-security-group --vpc-id "$vpc" --group-name web --description "web tier" --query GroupId --output text)
app_sg=$(ec2 create-security-group --vpc-id "$vpc" --group-name app --description "app tier" --query GroupId --output text)
ec2 authorize-security-group-ingress --group-id "$web_sg" --protocol tcp --port 443 --cidr 0.0.0.0/0 >/dev/null
ec2 authorize-security-group-ingress --group-id "$app_sg" --protocol tcp --port 8080 --source-group "$web_sg" >/dev/null
ec2 authorize-security-group-ingress --group-id "$web_sg" --protocol tcp --port 9000 --source-group "$app_sg" >/dev/null
out=$(ec2 describe-security-groups --group-ids "$app_sg" --query 'SecurityGroups[0].IpPermissions[0].[FromPort,UserIdGroupPairs[0].GroupId]' --output text)
[ "$out" = "$(printf '8080\t%s' "$web_sg")" ] && ok "the app tier admits the web tier by group" || fail "app rules: [$out]"

# ---- instances ----
web=$(ec2 run-instances --image-id "$ami" --instance-type t3.micro --subnet-id "$public" --security-group-ids "$web_sg" --query 'Instances[0].InstanceId' --output text)
app=$(ec2 run-instances --image-id "$ami" --instance-type t3.micro --subnet-id "$private" --security-group-ids "$app_sg" --query 'Instances[0].InstanceId' --output text)
ec2 wait instance-running --instance-ids "$web" "$app" && ok "web $web and app $app running"
web_eip=$(ec2 allocate-address --domain vpc --tag-specifications 'ResourceType=elastic-ip,Tags=[{Key=Name,Value=web}]' --query AllocationId --output text)
web_ip=$(ec2 describe-addresses --allocation-ids "$web_eip" --query 'Addresses[0].PublicIp' --output text)
web_assoc=$(ec2 associate-address --allocation-id "$web_eip" --instance-id "$web" --query AssociationId --output text)
out=$(ec2 describe-instances --instance-ids "$web" --query 'Reservations[0].Instances[0].[PublicIpAddress,SubnetId,VpcId]' --output text)
[ "$out" = "$(printf '%s\t%s\t%s' "$web_ip" "$public" "$vpc")" ] && ok "the web instance is at its Elastic IP $web_ip" || fail "web: [$out]"
out=$(ec2 describe-instances --instance-ids "$app" --query 'Reservations[0].Instances[0].[PublicIpAddress,PrivateIpAddress,SubnetId]' --output text)
[ "$out" = "$(printf 'None\t10.0.2.4\t%s' "$private")" ] && ok "the app instance has only a private address" || fail "app: [$out]"
out=$(ec2 describe-addresses --filters "Name=instance-id,Values=$web" --query 'Addresses[0].[AllocationId,AssociationId,PrivateIpAddress]' --output text)
[ "$out" = "$(printf '%s\t%s\t10.0.1.5' "$web_eip" "$web_assoc")" ] && ok "describe-addresses by instance" || fail "addresses: [$out]"
out=$(ec2 describe-network-interfaces --filters "Name=vpc-id,Values=$vpc" "Name=attachment.instance-id,Values=$web" --query 'NetworkInterfaces[0].[Association.PublicIp,Groups[0].GroupName,Status]' --output text)
[ "$out" = "$(printf '%s\tweb\tin-use' "$web_ip")" ] && ok "the web instance's interface carries the Elastic IP" || fail "eni: [$out]"
out=$(ec2 describe-subnets --subnet-ids "$public" --query 'Subnets[0].AvailableIpAddressCount' --output text)
[ "$out" = "249" ] && ok "the public subnet counts the NAT gateway and the web instance" || fail "free: [$out]"

# ---- tear-down, with AWS's refusals on the way ----
expect_error DependencyViolation "delete-vpc refused while it has subnets" delete-vpc --vpc-id "$vpc"
expect_error DependencyViolation "delete-subnet refused while an instance and the NAT gateway are in it" delete-subnet --subnet-id "$public"
expect_error DependencyViolation "delete-internet-gateway refused while attached" delete-internet-gateway --internet-gateway-id "$igw"
expect_error DependencyViolation "detach-internet-gateway refused while Elastic IPs are mapped" detach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$vpc"
expect_error InvalidIPAddress.InUse "release-address refused while associated" release-address --allocation-id "$web_eip"
expect_error InvalidIPAddress.InUse "release-address refused while the NAT gateway holds it" release-address --allocation-id "$nat_eip"
expect_error DependencyViolation "delete-security-group refused while the other group references it" delete-security-group --group-id "$web_sg"
expect_error DependencyViolation "delete-route-table refused while associated" delete-route-table --route-table-id "$public_rt"

ec2 disassociate-address --association-id "$web_assoc"
ec2 release-address --allocation-id "$web_eip"
ok "disassociate-address and release-address"
ec2 terminate-instances --instance-ids "$web" "$app" >/dev/null
ec2 wait instance-terminated --instance-ids "$web" "$app" && ok "instances terminated"
ec2 delete-nat-gateway --nat-gateway-id "$nat" >/dev/null
wait_for "the NAT gateway's deletion" deleted ec2 describe-nat-gateways --nat-gateway-ids "$nat" --query 'NatGateways[0].State' --output text
out=$(ec2 describe-route-tables --route-table-ids "$private_rt" --query 'RouteTables[0].Routes[?DestinationCidrBlock==`0.0.0.0/0`].State' --output text)
[ "$out" = "blackhole" ] && ok "the route to the deleted NAT gateway is a blackhole" || fail "route: [$out]"
ec2 release-address --allocation-id "$nat_eip"
ec2 detach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$vpc"
ec2 delete-internet-gateway --internet-gateway-id "$igw"
ok "the gateway detached and deleted"
ec2 disassociate-route-table --association-id "$public_assoc"
ec2 delete-route-table --route-table-id "$public_rt"
ec2 delete-subnet --subnet-id "$public"
ec2 delete-subnet --subnet-id "$private"
ec2 delete-route-table --route-table-id "$private_rt"
ok "subnets and route tables deleted"
ec2 revoke-security-group-ingress --group-id "$web_sg" --protocol tcp --port 9000 --source-group "$app_sg" >/dev/null
ec2 delete-security-group --group-id "$app_sg"
ec2 delete-security-group --group-id "$web_sg"
ok "security groups deleted once nothing references them"
ec2 delete-vpc --vpc-id "$vpc"
expect_error InvalidVpcID.NotFound "the VPC is gone" describe-vpcs --vpc-ids "$vpc"
out=$(ec2 describe-addresses --query 'length(Addresses)')
[ "$out" = "0" ] && ok "no addresses left" || fail "addresses left: [$out]"

echo "# $PASS checks passed"
