#!/usr/bin/env bash
# Users, roles and policies as the aws CLI drives them (dev mode: any numeric key is its
# account's root): a user with AmazonEC2ReadOnlyAccess describes but cannot deregister (its
# UnauthorizedOperation decodes with `aws sts decode-authorization-message`); the web team's
# policy lets alice create images only tagged team=web; the simulator agrees; a role assumed
# with an ExternalId is held to its policy; LookupEvents names alice.
source "$(dirname "$0")/lib.sh"
echo "# $("$AWS_BIN" --version 2>&1)"

start_imago dev --settle-ms 50
ACCOUNT=111111111111
export AWS_ACCESS_KEY_ID=$ACCOUNT AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1
iam() { "$AWS_BIN" --endpoint-url "$dev_URL" iam "$@"; }
sts() { "$AWS_BIN" --endpoint-url "$dev_URL" sts "$@"; }
# as_key ID SECRET [TOKEN] CMD...: the CLI with other credentials
as_key() {
  local id=$1 secret=$2 token=$3
  shift 3
  AWS_ACCESS_KEY_ID=$id AWS_SECRET_ACCESS_KEY=$secret AWS_SESSION_TOKEN=$token "$AWS_BIN" --endpoint-url "$dev_URL" "$@"
}
new_user() { # NAME -> "ID SECRET"
  iam create-user --user-name "$1" >/dev/null
  iam create-access-key --user-name "$1" --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text
}

volume=$(ec2 create-volume --availability-zone us-east-1a --size 1 --query VolumeId --output text)
wait_for "volume available" available ec2 describe-volumes --volume-ids "$volume" --query 'Volumes[0].State' --output text
snap=$(ec2 create-snapshot --volume-id "$volume" --query SnapshotId --output text)
wait_for "snapshot completed" completed ec2 describe-snapshots --snapshot-ids "$snap" --query 'Snapshots[0].State' --output text
image=$(ec2 register-image --name shared-base --architecture x86_64 --root-device-name /dev/xvda --block-device-mappings "[{\"DeviceName\":\"/dev/xvda\",\"Ebs\":{\"SnapshotId\":\"$snap\"}}]" --query ImageId --output text)
instance=$(ec2 run-instances --image-id "$image" --instance-type t3.micro --query 'Instances[0].InstanceId' --output text)
wait_for "instance running" running ec2 describe-instances --instance-ids "$instance" --query 'Reservations[0].Instances[0].State.Name' --output text

# a reader
read -r RID RSECRET <<<"$(new_user reader)"
iam attach-user-policy --user-name reader --policy-arn arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess
out=$(as_key "$RID" "$RSECRET" "" ec2 describe-images --image-ids "$image" --query 'Images[0].ImageId' --output text)
[ "$out" = "$image" ] && ok "the reader describes the image" || fail "describe gave [$out]"
out=$(as_key "$RID" "$RSECRET" "" sts get-caller-identity --query Arn --output text)
[ "$out" = "arn:aws:iam::$ACCOUNT:user/reader" ] && ok "get-caller-identity names the user" || fail "caller [$out]"
set +e
OUT=$(as_key "$RID" "$RSECRET" "" ec2 deregister-image --image-id "$image" 2>&1)
RC=$?
set -e
[ "$RC" -ne 0 ] || fail "the reader deregistered the image"
expect_contains "$OUT" "(UnauthorizedOperation)" "the reader cannot deregister"
expect_contains "$OUT" "is not authorized to perform: ec2:DeregisterImage on resource: arn:aws:ec2:us-east-1::image/$image" "the message names the action and the image"
encoded=${OUT##*Encoded authorization failure message: }
decoded=$(sts decode-authorization-message --encoded-message "$encoded" --query DecodedMessage --output text)
expect_contains "$decoded" '"allowed":false' "decode-authorization-message: not allowed"
expect_contains "$decoded" '"action":"ec2:DeregisterImage"' "decode-authorization-message: the action"
out=$(ec2 describe-images --image-ids "$image" --query 'Images[0].State' --output text)
[ "$out" = "available" ] && ok "the refused call changed nothing" || fail "image state [$out]"

# the web team
cat >"$WORK/web.json" <<'JSON'
{"Version": "2012-10-17", "Statement": [
  {"Effect": "Allow", "Action": "ec2:CreateImage", "Resource": "arn:aws:ec2:*::image/*", "Condition": {"StringEquals": {"aws:RequestTag/team": "web"}}},
  {"Effect": "Allow", "Action": "ec2:CreateImage", "Resource": ["arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:*::snapshot/*"]},
  {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*", "Condition": {"StringEquals": {"ec2:CreateAction": "CreateImage"}}},
  {"Effect": "Allow", "Action": ["ec2:DeregisterImage", "ec2:ModifyImageAttribute"], "Resource": "*", "Condition": {"StringEquals": {"ec2:ResourceTag/team": "web"}}},
  {"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]}
JSON
iam create-group --group-name web-team >/dev/null
iam put-group-policy --group-name web-team --policy-name web-images --policy-document "file://$WORK/web.json"
read -r AID ASECRET <<<"$(new_user alice)"
iam add-user-to-group --group-name web-team --user-name alice
web=$(as_key "$AID" "$ASECRET" "" ec2 create-image --instance-id "$instance" --name web-1 --no-reboot --tag-specifications 'ResourceType=image,Tags=[{Key=team,Value=web}]' --query ImageId --output text)
[[ "$web" == ami-* ]] && ok "alice creates an image tagged team=web" || fail "create-image gave [$web]"
AWS_ACCESS_KEY_ID=$AID AWS_SECRET_ACCESS_KEY=$ASECRET run_aws_fail --endpoint-url "$dev_URL" ec2 create-image --instance-id "$instance" --name untagged --no-reboot
expect_contains "$OUT" "(UnauthorizedOperation)" "alice cannot create an untagged image"
AWS_ACCESS_KEY_ID=$AID AWS_SECRET_ACCESS_KEY=$ASECRET run_aws_fail --endpoint-url "$dev_URL" ec2 deregister-image --image-id "$image"
expect_contains "$OUT" "(UnauthorizedOperation)" "alice cannot deregister an image that is not the web team's"
as_key "$AID" "$ASECRET" "" ec2 deregister-image --image-id "$web" >/dev/null && ok "alice deregisters the web image"
out=$(iam simulate-principal-policy --policy-source-arn "arn:aws:iam::$ACCOUNT:user/alice" --action-names ec2:DeregisterImage \
  --context-entries ContextKeyName=ec2:ResourceTag/team,ContextKeyValues=db,ContextKeyType=string --query 'EvaluationResults[0].EvalDecision' --output text)
[ "$out" = "implicitDeny" ] && ok "the simulator: alice may not deregister a db image" || fail "simulator gave [$out]"
out=$(iam simulate-principal-policy --policy-source-arn "arn:aws:iam::$ACCOUNT:user/alice" --action-names ec2:DeregisterImage \
  --context-entries ContextKeyName=ec2:ResourceTag/team,ContextKeyValues=web,ContextKeyType=string --query 'EvaluationResults[0].EvalDecision' --output text)
[ "$out" = "allowed" ] && ok "the simulator: alice may deregister a web image" || fail "simulator gave [$out]"

# a role of this account for account 222222222222, with an ExternalId
cat >"$WORK/trust.json" <<'JSON'
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"sts:ExternalId": "ext-42"}}}]}
JSON
role=$(iam create-role --role-name auditor --assume-role-policy-document "file://$WORK/trust.json" --query Role.Arn --output text)
iam attach-role-policy --role-name auditor --policy-arn arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess
# roots may not assume roles: a user of the other account, allowed to by its own policy
read -r DID DSECRET <<<"$(AWS_ACCESS_KEY_ID=222222222222 new_user deployer)"
AWS_ACCESS_KEY_ID=222222222222 iam put-user-policy --user-name deployer --policy-name assume --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}'
AWS_ACCESS_KEY_ID=$DID AWS_SECRET_ACCESS_KEY=$DSECRET run_aws_fail --endpoint-url "$dev_URL" sts assume-role --role-arn "$role" --role-session-name ci
expect_contains "$OUT" "(AccessDenied)" "without the ExternalId the role is not assumed"
read -r SID SSECRET STOKEN <<<"$(AWS_ACCESS_KEY_ID=$DID AWS_SECRET_ACCESS_KEY=$DSECRET sts assume-role --role-arn "$role" --role-session-name ci --external-id ext-42 --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)"
out=$(as_key "$SID" "$SSECRET" "$STOKEN" sts get-caller-identity --query Arn --output text)
[ "$out" = "arn:aws:sts::$ACCOUNT:assumed-role/auditor/ci" ] && ok "the session is the role's" || fail "session caller [$out]"
out=$(as_key "$SID" "$SSECRET" "$STOKEN" ec2 describe-instances --instance-ids "$instance" --query 'Reservations[0].Instances[0].InstanceId' --output text)
[ "$out" = "$instance" ] && ok "the session describes this account's instance" || fail "session describe [$out]"
set +e
OUT=$(as_key "$SID" "$SSECRET" "$STOKEN" ec2 terminate-instances --instance-ids "$instance" 2>&1)
set -e
expect_contains "$OUT" "(UnauthorizedOperation)" "the session cannot terminate it"

out=$("$AWS_BIN" --endpoint-url "$dev_URL" cloudtrail lookup-events --lookup-attributes AttributeKey=EventName,AttributeValue=DeregisterImage --query 'Events[].Username' --output text)
expect_contains "$out" "alice" "lookup-events names alice as who deregistered"
echo "# $PASS checks passed"
