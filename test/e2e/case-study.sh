#!/usr/bin/env bash
# The case study (examples/case-study.sh) against a server running real VMs, then its story
# checked: the group reached its max because the target tracking policy's AlarmHigh fired on the
# VMs' real CPU, came back to its min through AlarmLow once the load stopped, the alarms'
# histories hold those transitions, and the instance refresh left every instance on version 2
# of the image. (Lifecycle hooks and scheduled actions are tested with the SDK in
# test/sdk/autoscaling-hooks.test.ts and autoscaling-scheduled.test.ts.)
# e2e: alone
source "$(dirname "$0")/lib.sh"
echo "# $("$AWS_BIN" --version 2>&1)"

start_imago dev --compute qemu --settle-ms 0 --public-address-pool 127.104.0.0/24 --vm-stop-timeout-ms 20000 --metrics-period-seconds 5
export AWS_ACCESS_KEY_ID=111111111111 AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1
asg() { "$AWS_BIN" --endpoint-url "$dev_URL" autoscaling "$@"; }
cw() { "$AWS_BIN" --endpoint-url "$dev_URL" cloudwatch "$@"; }

# the server imports the built Debian image after it starts (the SSM parameter then names it)
debian_image >/dev/null
started=$(date +%s)
IMAGO_URL=$dev_URL AWS_BIN=$AWS_BIN CASE_NAME=cs KEEP=1 bash "$ROOT/examples/case-study.sh" >"$WORK/story.log" 2>&1 || {
  cat "$WORK/story.log" >&2
  echo "--- server log (tail)" >&2
  tail -n 40 "$WORK/dev.log" >&2
  fail "examples/case-study.sh failed"
}
sed 's/^/#   /' "$WORK/story.log"
ok "examples/case-study.sh ran in $(($(date +%s) - started)) s"

high=$(cw describe-alarms --alarm-name-prefix TargetTracking-cs-web-AlarmHigh- --query 'MetricAlarms[0].AlarmName' --output text)
low=$(cw describe-alarms --alarm-name-prefix TargetTracking-cs-web-AlarmLow- --query 'MetricAlarms[0].AlarmName' --output text)
[[ "$high" == TargetTracking-cs-web-AlarmHigh-* && "$low" == TargetTracking-cs-web-AlarmLow-* ]] && ok "the policy's managed alarms: $high, $low" || fail "managed alarms [$high] [$low]"
[ "$(cw describe-alarms --alarm-names "$high" --query 'MetricAlarms[0].[Namespace,MetricName,Period,EvaluationPeriods]' --output text)" = "$(printf 'AWS/EC2\tCPUUtilization\t5\t3')" ] &&
  ok "AlarmHigh watches AWS/EC2 CPUUtilization in 5-second periods (the metrics period), 3 of them" || fail "AlarmHigh's metric"

causes=$(asg describe-scaling-activities --auto-scaling-group-name cs-web --query 'Activities[].Cause' --output text)
expect_contains "$causes" "a monitor alarm $high in state ALARM triggered policy cpu50 changing the desired capacity from 1 to 2" "the scale-out's cause names AlarmHigh"
expect_contains "$causes" "a monitor alarm $low in state ALARM triggered policy cpu50 changing the desired capacity from 2 to 1" "the scale-in's cause names AlarmLow"
launches=$(asg describe-scaling-activities --auto-scaling-group-name cs-web --query "Activities[?starts_with(Description, 'Launching')] | length(@)" --output text)
[ "$launches" -ge 3 ] && ok "$launches launches (the first instance, the scale-out, the refresh)" || fail "$launches launches"
[ "$(asg describe-scaling-activities --auto-scaling-group-name cs-web --query "Activities[?StatusCode!='Successful'] | length(@)" --output text)" = 0 ] &&
  ok "every activity is Successful" || fail "unsuccessful activities: $(asg describe-scaling-activities --auto-scaling-group-name cs-web --query "Activities[?StatusCode!='Successful'].[Description,StatusCode,StatusMessage]" --output text)"

# the datapoints that made AlarmHigh fire are real: above 50 %, from the VMs' CPU time
reason=$(cw describe-alarm-history --alarm-name "$high" --history-item-type StateUpdate --query "AlarmHistoryItems[?contains(HistorySummary, 'to ALARM')] | [0].HistorySummary" --output text)
expect_contains "$reason" "Alarm updated from OK to ALARM" "AlarmHigh's history: OK -> ALARM"
data=$(cw describe-alarm-history --alarm-name "$high" --history-item-type StateUpdate --query "AlarmHistoryItems[?contains(HistorySummary, 'to ALARM')] | [0].HistoryData" --output text)
expect_contains "$data" "greater than the threshold (50.0)" "AlarmHigh's reason: datapoints greater than 50"
summaries=$(cw describe-alarm-history --alarm-name "$high" --history-item-type StateUpdate --query 'AlarmHistoryItems[].HistorySummary' --output text)
expect_contains "$summaries" "Alarm updated from ALARM to OK" "AlarmHigh's history: back to OK after the load"
low_summaries=$(cw describe-alarm-history --alarm-name "$low" --history-item-type StateUpdate --query 'AlarmHistoryItems[].HistorySummary' --output text)
expect_contains "$low_summaries" "from OK to ALARM" "AlarmLow's history: OK -> ALARM (the scale-in)"
expect_contains "$low_summaries" "to OK" "AlarmLow's history: OK while the load ran"
actions=$(cw describe-alarm-history --alarm-name "$high" --history-item-type Action --query 'AlarmHistoryItems[].HistorySummary' --output text)
expect_contains "$actions" "Successfully executed action arn:aws:autoscaling:" "AlarmHigh's history: the policy action ran"

v2=$(ec2 describe-images --owners self --filters Name=tag:version,Values=2 Name=tag:app,Values=cs-web --query 'Images[0].ImageId' --output text)
v1=$(ec2 describe-images --owners self --filters Name=tag:version,Values=1 Name=tag:app,Values=cs-web --query 'Images[0].ImageId' --output text)
[[ "$v1" == ami-* && "$v2" == ami-* && "$v1" != "$v2" ]] && ok "two versions of the custom image: $v1, $v2" || fail "images [$v1] [$v2]"
[ "$(asg describe-instance-refreshes --auto-scaling-group-name cs-web --query 'InstanceRefreshes[0].[Status,PercentageComplete]' --output text)" = "$(printf 'Successful\t100')" ] &&
  ok "the instance refresh is Successful, 100%" || fail "instance refresh: $(asg describe-instance-refreshes --auto-scaling-group-name cs-web --output json)"
members=$(asg describe-auto-scaling-groups --auto-scaling-group-names cs-web --query 'AutoScalingGroups[0].Instances[].InstanceId' --output text)
[ "$(echo "$members" | wc -w)" = 1 ] && ok "the group is back at its min: $members" || fail "members [$members]"
images=$(ec2 describe-instances --instance-ids $members --query 'Reservations[].Instances[].ImageId' --output text | tr '\t' '\n' | sort -u)
[ "$images" = "$v2" ] && ok "every instance of the group runs $v2" || fail "the group's instances run [$images], not $v2"
zones=$(asg describe-scaling-activities --auto-scaling-group-name cs-web --query 'Activities[].Details' --output text | grep -o '"Availability Zone": *"[^"]*"' | sort -u | wc -l)
[ "$zones" -ge 2 ] && ok "the group launched into both Availability Zones" || fail "launches in $zones zone(s)"

asg delete-auto-scaling-group --auto-scaling-group-name cs-web --force-delete
ok "the group is deleted"
