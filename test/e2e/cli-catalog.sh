#!/usr/bin/env bash
# The public image catalog and SSM parameters as a user types them: "find the latest image"
# with the aws CLI (describe-images filters and SSM public parameters), a golden-AMI parameter of
# one's own, and `imago images`.
source "$(dirname "$0")/lib.sh"
echo "# $("$AWS_BIN" --version 2>&1)"

start_imago dev --settle-ms 50
export AWS_ACCESS_KEY_ID=111111111111 AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1
ssm() { "$AWS_BIN" --endpoint-url "$dev_URL" ssm "$@"; }

# the latest Amazon Linux 2023, the way scripts find it
latest=$(ec2 describe-images --owners amazon --filters 'Name=name,Values=al2023-ami-2023.*-x86_64' 'Name=state,Values=available' \
  --query 'sort_by(Images, &CreationDate)[-1].ImageId' --output text)
case "$latest" in ami-0*) ok "describe-images --owners amazon --filters name=al2023-ami-2023.*-x86_64 finds $latest" ;; *) fail "no Amazon Linux 2023: [$latest]" ;; esac
param=$(ssm get-parameter --name /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64 --query Parameter.Value --output text)
[ "$param" = "$latest" ] && ok "the public parameter names the same image" || fail "parameter [$param] vs lookup [$latest]"

out=$(ec2 describe-images --image-ids "$latest" --query 'Images[0].[ImageOwnerAlias,OwnerId,Architecture,BootMode,EnaSupport,BlockDeviceMappings[0].Ebs.VolumeType]' --output text)
[ "$out" = "$(printf 'amazon\t137112412989\tx86_64\tuefi-preferred\tTrue\tgp3')" ] && ok "its attributes: alias, owner, architecture, boot mode, ENA, gp3 root" || fail "attributes: [$out]"

ubuntu=$(ssm get-parameters --names /aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id /aws/service/debian/release/12/latest/arm64 /aws/service/nope \
  --query '[Parameters[].Name, InvalidParameters]' --output text)
expect_contains "$ubuntu" "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id" "get-parameters finds Ubuntu"
expect_contains "$ubuntu" "/aws/service/nope" "get-parameters reports the unknown name as invalid"
name=$(ec2 describe-images --owners 099720109477 --filters 'Name=name,Values=ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*' \
  --query 'sort_by(Images, &CreationDate)[-1].Name' --output text)
case "$name" in ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-2*) ok "Canonical's newest noble image: $name" ;; *) fail "ubuntu: [$name]" ;; esac

# get-parameters-by-path: the CLI follows NextToken across pages of 10
count=$(ssm get-parameters-by-path --path /aws/service/ami-amazon-linux-latest --query 'length(Parameters)')
[ "$count" -gt 10 ] && ok "get-parameters-by-path pages through $count Amazon Linux parameters" || fail "by-path gave $count"
count=$(ssm get-parameters-by-path --path /aws/service/debian/release --recursive --query 'length(Parameters)')
[ "$count" -ge 8 ] && ok "get-parameters-by-path --recursive under /aws/service/debian/release ($count)" || fail "recursive gave $count"

run_aws_fail --endpoint-url "$dev_URL" ssm get-parameter --name /aws/service/ami-amazon-linux-latest/none
expect_contains "$OUT" "(ParameterNotFound)" "an unknown public parameter is ParameterNotFound"
run_aws_fail --endpoint-url "$dev_URL" ssm put-parameter --name /aws/service/mine --value x --type String
expect_contains "$OUT" "(AccessDeniedException)" "the /aws namespace is read-only"

# a golden-AMI parameter of one's own, versioned and labelled
v=$(ssm put-parameter --name /golden/base --type String --data-type aws:ec2:image --value "$latest" --query Version --output text)
[ "$v" = "1" ] && ok "put-parameter --data-type aws:ec2:image with a real AMI" || fail "version [$v]"
ssm label-parameter-version --name /golden/base --parameter-version 1 --labels prod >/dev/null
arm=$(ssm get-parameter --name /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64 --query Parameter.Value --output text)
v=$(ssm put-parameter --name /golden/base --value "$arm" --overwrite --query Version --output text)
[ "$v" = "2" ] && ok "--overwrite makes version 2" || fail "version [$v]"
out=$(ssm get-parameter --name /golden/base:prod --query 'Parameter.[Value,Selector,DataType]' --output text)
[ "$out" = "$(printf '%s\t:prod\taws:ec2:image' "$latest")" ] && ok "get-parameter name:label selects the labelled version" || fail "label: [$out]"
run_aws_fail --endpoint-url "$dev_URL" ssm put-parameter --name /golden/base --value "$arm" --type String
expect_contains "$OUT" "(ParameterAlreadyExists)" "without --overwrite an existing name is refused"
out=$(ssm describe-parameters --parameter-filters Key=Name,Option=BeginsWith,Values=/golden --query 'Parameters[0].[Name,Version,DataType]' --output text)
[ "$out" = "$(printf '/golden/base\t2\taws:ec2:image')" ] && ok "describe-parameters --parameter-filters" || fail "describe: [$out]"
out=$(ssm get-parameter-history --name /golden/base --query 'Parameters[].Labels[]' --output text)
[ "$out" = "prod" ] && ok "get-parameter-history shows the label" || fail "history: [$out]"

# what the catalog costs: every region's images share two small disks
out=$(node "$ROOT/bin/imago.mjs" images --endpoint "$dev_URL" --catalog --region us-east-1)
expect_contains "$out" "$latest" "imago images --catalog lists the catalog"
expect_contains "$out" "1.5 MiB   0 B     1.5 MiB" "each catalog image shares its 1.5 MiB of data"
echo "# $PASS checks passed"
