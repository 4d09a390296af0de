#!/usr/bin/env bash
# Launch templates, an Auto Scaling group and an instance refresh to a new AMI as a user types
# them: the aws CLI against `imago serve`.
source "$(dirname "$0")/lib.sh"
echo "# $("$AWS_BIN" --version 2>&1)"

start_imago dev --settle-ms 50
export AWS_ACCESS_KEY_ID=111111111111 AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1
asg() { "$AWS_BIN" --endpoint-url "$dev_URL" autoscaling "$@"; }

# two AMIs (A and B) from snapshots of a fresh volume
new_ami() {
  local volume snap
  volume=$(ec2 create-volume --availability-zone us-east-1a --size 1 --query VolumeId --output text)
  wait_for "volume available" available ec2 describe-volumes --volume-ids "$volume" --query 'Volumes[0].State' --output text
  snap=$(ec2 create-snapshot --volume-id "$volume" --query SnapshotId --output text)
  wait_for "snapshot completed" completed ec2 describe-snapshots --snapshot-ids "$snap" --query 'Snapshots[0].State' --output text
  ec2 register-image --name "$1" --architecture x86_64 --virtualization-type hvm --root-device-name /dev/xvda \
    --block-device-mappings "[{\"DeviceName\":\"/dev/xvda\",\"Ebs\":{\"SnapshotId\":\"$snap\"}}]" --query ImageId --output text
}
ami_a=$(new_ami app-v1)
ami_b=$(new_ami app-v2)
ok "AMIs $ami_a and $ami_b"

out=$(ec2 create-launch-template --launch-template-name web --version-description v1 \
  --launch-template-data "{\"ImageId\":\"$ami_a\",\"InstanceType\":\"t3.micro\",\"UserData\":\"ZWNobyBoaQ==\",\"TagSpecifications\":[{\"ResourceType\":\"instance\",\"Tags\":[{\"Key\":\"app\",\"Value\":\"web\"}]}]}")
expect_contains "$out" '"LatestVersionNumber": 1' "create-launch-template makes version 1"
lt=$(printf '%s' "$out" | sed -n 's/.*"LaunchTemplateId": "\(lt-[0-9a-f]*\)".*/\1/p')
[ -n "$lt" ] && ok "launch template $lt" || fail "no template id in: $out"

run_aws_fail --endpoint-url "$dev_URL" ec2 create-launch-template --launch-template-name web --launch-template-data "{\"ImageId\":\"$ami_a\"}"
expect_contains "$OUT" "(InvalidLaunchTemplateName.AlreadyExistsException)" "a duplicate name is refused"

out=$(ec2 create-launch-template-version --launch-template-id "$lt" --source-version 1 --version-description v2 --launch-template-data "{\"ImageId\":\"$ami_b\"}")
expect_contains "$out" '"VersionNumber": 2' "create-launch-template-version --source-version 1 makes version 2"
expect_contains "$out" '"InstanceType": "t3.micro"' "version 2 inherits version 1's data"
expect_contains "$out" "\"ImageId\": \"$ami_b\"" "and carries the new AMI"
out=$(ec2 describe-launch-template-versions --launch-template-id "$lt" --versions '$Latest' --query 'LaunchTemplateVersions[0].VersionNumber' --output text)
[ "$out" = "2" ] && ok "describe-launch-template-versions --versions \$Latest" || fail "latest gave [$out]"

asg create-auto-scaling-group --auto-scaling-group-name web --min-size 1 --max-size 6 --desired-capacity 2 \
  --launch-template "LaunchTemplateId=$lt,Version=1" --availability-zones us-east-1a us-east-1b us-east-1c \
  --tags Key=team,Value=blue,PropagateAtLaunch=true
ok "create-auto-scaling-group"
in_service() { asg describe-auto-scaling-groups --auto-scaling-group-names web --query "length(AutoScalingGroups[0].Instances[?LifecycleState=='InService'])"; }
instances() { asg describe-auto-scaling-groups --auto-scaling-group-names web --query 'length(AutoScalingGroups[0].Instances)'; }
wait_for "2 instances in service" 2 in_service

run_aws_fail --endpoint-url "$dev_URL" autoscaling create-auto-scaling-group --auto-scaling-group-name web --min-size 1 --max-size 2 --launch-template "LaunchTemplateId=$lt" --availability-zones us-east-1a
expect_contains "$OUT" "(AlreadyExists)" "a second group of the same name is AlreadyExists"
run_aws_fail --endpoint-url "$dev_URL" autoscaling set-desired-capacity --auto-scaling-group-name web --desired-capacity 9
expect_contains "$OUT" "(ValidationError)" "a desired capacity above the maximum is a ValidationError"
expect_contains "$OUT" "New SetDesiredCapacity value 9 is above max value 6 for the AutoScalingGroup." "with AWS's message"

asg set-desired-capacity --auto-scaling-group-name web --desired-capacity 4
wait_for "4 instances in service" 4 in_service
wait_for "no instance pending or terminating" 4 instances
ok "set-desired-capacity 4 scales out"
out=$(asg describe-scaling-activities --auto-scaling-group-name web --query 'Activities[0].Description' --output text)
expect_contains "$out" "Launching a new EC2 instance: i-" "describe-scaling-activities lists the launches"

ids=$(asg describe-auto-scaling-groups --auto-scaling-group-names web --query 'AutoScalingGroups[0].Instances[].InstanceId' --output text)
out=$(ec2 describe-instances --instance-ids $ids --query 'Reservations[].Instances[].ImageId' --output text | tr '\t' '\n' | sort -u)
[ "$out" = "$ami_a" ] && ok "every instance runs AMI A" || fail "images before the refresh: [$out]"
out=$(ec2 describe-instances --instance-ids $ids --query "Reservations[0].Instances[0].Tags[?Key=='aws:autoscaling:groupName'].Value" --output text)
[ "$out" = "web" ] && ok "instances carry aws:autoscaling:groupName" || fail "group tag: [$out]"

refresh=$(asg start-instance-refresh --auto-scaling-group-name web \
  --desired-configuration "{\"LaunchTemplate\":{\"LaunchTemplateId\":\"$lt\",\"Version\":\"2\"}}" \
  --preferences '{"MinHealthyPercentage":50,"InstanceWarmup":2}' --query InstanceRefreshId --output text)
[ -n "$refresh" ] && ok "start-instance-refresh gave $refresh" || fail "no refresh id"
run_aws_fail --endpoint-url "$dev_URL" autoscaling start-instance-refresh --auto-scaling-group-name web
expect_contains "$OUT" "(InstanceRefreshInProgress)" "a second refresh is InstanceRefreshInProgress"
status() { asg describe-instance-refreshes --auto-scaling-group-name web --instance-refresh-ids "$refresh" --query 'InstanceRefreshes[0].Status' --output text; }
wait_for "the refresh succeeds" Successful status
ok "describe-instance-refreshes reaches Successful"
out=$(asg describe-instance-refreshes --auto-scaling-group-name web --query 'InstanceRefreshes[0].PercentageComplete' --output text)
[ "$out" = "100" ] && ok "PercentageComplete 100" || fail "percentage [$out]"
wait_for "4 instances in service after the refresh" 4 in_service

ids=$(asg describe-auto-scaling-groups --auto-scaling-group-names web --query 'AutoScalingGroups[0].Instances[].InstanceId' --output text)
out=$(ec2 describe-instances --instance-ids $ids --query 'Reservations[].Instances[].ImageId' --output text | tr '\t' '\n' | sort -u)
[ "$out" = "$ami_b" ] && ok "every instance now runs AMI B" || fail "images after the refresh: [$out]"
out=$(asg describe-auto-scaling-groups --auto-scaling-group-names web --query 'AutoScalingGroups[0].LaunchTemplate.Version' --output text)
[ "$out" = "2" ] && ok "the group now launches version 2" || fail "group version [$out]"

# everything above survives a restart: the group, its instances, the refresh, images, template
restart_imago dev --settle-ms 50
out=$(asg describe-auto-scaling-groups --auto-scaling-group-names web --query 'AutoScalingGroups[0].LaunchTemplate.Version' --output text)
[ "$out" = "2" ] && ok "after a restart the group still launches version 2" || fail "group version after restart [$out]"
wait_for "4 instances in service after the restart" 4 in_service
after=$(asg describe-auto-scaling-groups --auto-scaling-group-names web --query 'AutoScalingGroups[0].Instances[].InstanceId' --output text | tr '\t' '\n' | sort)
[ "$after" = "$(printf '%s' "$ids" | tr '\t' '\n' | sort)" ] && ok "the same instances after the restart (none replaced)" || fail "instances changed across the restart: [$ids] -> [$after]"
out=$(asg describe-instance-refreshes --auto-scaling-group-name web --instance-refresh-ids "$refresh" --query 'InstanceRefreshes[0].Status' --output text)
[ "$out" = "Successful" ] && ok "the refresh is still Successful after the restart" || fail "refresh after restart [$out]"
out=$(ec2 describe-images --image-ids "$ami_a" "$ami_b" --query 'length(Images)')
[ "$out" = "2" ] && ok "both AMIs survive the restart" || fail "images after restart [$out]"
out=$(ec2 describe-launch-template-versions --launch-template-id "$lt" --query 'length(LaunchTemplateVersions)')
[ "$out" = "2" ] && ok "both launch template versions survive the restart" || fail "template versions after restart [$out]"

run_aws_fail --endpoint-url "$dev_URL" autoscaling cancel-instance-refresh --auto-scaling-group-name web
expect_contains "$OUT" "(ActiveInstanceRefreshNotFound)" "cancel with no active refresh is ActiveInstanceRefreshNotFound"
run_aws_fail --endpoint-url "$dev_URL" autoscaling delete-auto-scaling-group --auto-scaling-group-name web
expect_contains "$OUT" "(ResourceInUse)" "deleting a group with instances needs --force-delete"
asg delete-auto-scaling-group --auto-scaling-group-name web --force-delete
gone() { asg describe-auto-scaling-groups --auto-scaling-group-names web --query 'length(AutoScalingGroups)'; }
wait_for "the group is deleted" 0 gone
ok "delete-auto-scaling-group --force-delete"

# a group from a launch configuration, a scheduled action, suspended processes
asg create-launch-configuration --launch-configuration-name legacy --image-id "$ami_a" --instance-type t3.micro --user-data 'echo legacy'
out=$(asg describe-launch-configurations --launch-configuration-names legacy --query 'LaunchConfigurations[0].[InstanceType,InstanceMonitoring.Enabled]' --output text)
expect_contains "$out" "t3.micro" "create-launch-configuration, described with AWS's defaults"
run_aws_fail --endpoint-url "$dev_URL" autoscaling create-launch-configuration --launch-configuration-name legacy --image-id "$ami_a" --instance-type t3.micro
expect_contains "$OUT" "(AlreadyExists)" "a second launch configuration of the same name is AlreadyExists"
asg create-auto-scaling-group --auto-scaling-group-name legacy --launch-configuration-name legacy --min-size 1 --max-size 3 --availability-zones us-east-1a
legacy_in_service() { asg describe-auto-scaling-groups --auto-scaling-group-names legacy --query "length(AutoScalingGroups[0].Instances[?LifecycleState=='InService'])"; }
wait_for "the launch-configuration group has 1 instance in service" 1 legacy_in_service
out=$(asg describe-auto-scaling-instances --query "AutoScalingInstances[?AutoScalingGroupName=='legacy'].LaunchConfigurationName" --output text)
[ "$out" = "legacy" ] && ok "describe-auto-scaling-instances names the launch configuration" || fail "instance launch configuration [$out]"
run_aws_fail --endpoint-url "$dev_URL" autoscaling delete-launch-configuration --launch-configuration-name legacy
expect_contains "$OUT" "Cannot delete launch configuration legacy because it is attached to AutoScalingGroup legacy" "a launch configuration in use is ResourceInUse"
at=$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%SZ)
asg put-scheduled-update-group-action --auto-scaling-group-name legacy --scheduled-action-name grow --start-time "$at" --desired-capacity 2
wait_for "the scheduled action sets 2 instances in service" 2 legacy_in_service
out=$(asg describe-scaling-activities --auto-scaling-group-name legacy --query 'Activities[0].Cause' --output text)
expect_contains "$out" "a scheduled action update of AutoScalingGroup constraints to min: 1, max: 3, desired: 2 changing the desired capacity from 1 to 2." "the launch carries the scheduled action's cause"
out=$(asg describe-scheduled-actions --auto-scaling-group-name legacy --query 'length(ScheduledUpdateGroupActions)')
[ "$out" = "0" ] && ok "the one-time scheduled action is gone once it ran" || fail "scheduled actions left [$out]"
asg suspend-processes --auto-scaling-group-name legacy --scaling-processes AZRebalance
out=$(asg describe-auto-scaling-groups --auto-scaling-group-names legacy --query 'AutoScalingGroups[0].SuspendedProcesses[0].ProcessName' --output text)
[ "$out" = "AZRebalance" ] && ok "suspend-processes" || fail "suspended [$out]"
asg disable-metrics-collection --auto-scaling-group-name legacy
ok "disable-metrics-collection on a group that collects nothing"
asg delete-auto-scaling-group --auto-scaling-group-name legacy --force-delete
legacy_gone() { asg describe-auto-scaling-groups --auto-scaling-group-names legacy --query 'length(AutoScalingGroups)'; }
wait_for "the launch-configuration group is deleted" 0 legacy_gone
asg delete-launch-configuration --launch-configuration-name legacy
ok "delete-launch-configuration once no group uses it"

echo "1..$PASS"
