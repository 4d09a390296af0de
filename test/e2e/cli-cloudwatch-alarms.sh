#!/usr/bin/env bash
# CloudWatch alarms as a user types them: the aws CLI against `imago serve` — an alarm on a
# custom metric goes to ALARM when put-metric-data reports breaching values, its history tells
# the story, set-alarm-state and the errors read as AWS's.
source "$(dirname "$0")/lib.sh"
echo "# $("$AWS_BIN" --version 2>&1)"

start_imago dev --alarm-evaluation-interval-ms 300
export AWS_ACCESS_KEY_ID=111111111111 AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1
cw() { "$AWS_BIN" --endpoint-url "$dev_URL" cloudwatch "$@"; }

cw put-metric-alarm --alarm-name api-errors --namespace MyApp --metric-name Errors \
  --dimensions Name=Service,Value=api --statistic Sum --period 10 --evaluation-periods 1 \
  --threshold 5 --comparison-operator GreaterThanOrEqualToThreshold --treat-missing-data notBreaching \
  --alarm-actions arn:aws:sns:us-east-1:111111111111:oncall --tags Key=team,Value=api
ok "put-metric-alarm"
out=$(cw describe-alarms --alarm-names api-errors --query 'MetricAlarms[0].[AlarmArn,Threshold,TreatMissingData,ActionsEnabled]' --output text)
expect_contains "$out" "arn:aws:cloudwatch:us-east-1:111111111111:alarm:api-errors" "describe-alarms shows its ARN"
expect_contains "$out" "notBreaching" "and its TreatMissingData"
wait_for "no data treated as not breaching" OK cw describe-alarms --alarm-names api-errors --query 'MetricAlarms[0].StateValue' --output text

cw put-metric-data --namespace MyApp --metric-data "[{\"MetricName\":\"Errors\",\"Dimensions\":[{\"Name\":\"Service\",\"Value\":\"api\"}],\"Value\":7,\"StorageResolution\":1,\"Timestamp\":\"$(date -u -d '-10 seconds' +%Y-%m-%dT%H:%M:%SZ)\"}]"
wait_for "seven errors set it off" ALARM cw describe-alarms --alarm-names api-errors --query 'MetricAlarms[0].StateValue' --output text
out=$(cw describe-alarms --alarm-names api-errors --query 'MetricAlarms[0].StateReason' --output text)
expect_contains "$out" "Threshold Crossed: 1 out of the last 1 datapoints [7.0 (" "the reason in AWS's words"
expect_contains "$out" "was greater than or equal to the threshold (5.0) (minimum 1 datapoint for OK -> ALARM transition)." "with the threshold and transition"

out=$(cw describe-alarm-history --alarm-name api-errors --history-item-type StateUpdate --query 'AlarmHistoryItems[].HistorySummary' --output text)
expect_contains "$out" "Alarm updated from OK to ALARM" "describe-alarm-history has the state updates"
out=$(cw describe-alarms-for-metric --namespace MyApp --metric-name Errors --dimensions Name=Service,Value=api --query 'MetricAlarms[].AlarmName' --output text)
[ "$out" = "api-errors" ] && ok "describe-alarms-for-metric" || fail "describe-alarms-for-metric gave [$out]"
out=$(cw list-tags-for-resource --resource-arn arn:aws:cloudwatch:us-east-1:111111111111:alarm:api-errors --query 'Tags[0].Value' --output text)
[ "$out" = "api" ] && ok "list-tags-for-resource" || fail "tags: [$out]"

cw disable-alarm-actions --alarm-names api-errors
out=$(cw describe-alarms --alarm-names api-errors --query 'MetricAlarms[0].ActionsEnabled' --output text)
[ "$out" = "False" ] && ok "disable-alarm-actions" || fail "ActionsEnabled [$out]"

run_aws_fail --endpoint-url "$dev_URL" cloudwatch put-metric-alarm --alarm-name bad --namespace MyApp --metric-name Errors \
  --statistic Sum --period 10 --evaluation-periods 1 --datapoints-to-alarm 2 --threshold 1 --comparison-operator GreaterThanThreshold
expect_contains "$OUT" "(ValidationError)" "M > N is a ValidationError"
expect_contains "$OUT" "DatapointsToAlarm must be less than or equal to EvaluationPeriods" "with AWS's message"
run_aws_fail --endpoint-url "$dev_URL" cloudwatch set-alarm-state --alarm-name nobody --state-value OK --state-reason x
expect_contains "$OUT" "(ResourceNotFound)" "set-alarm-state on a missing alarm"

cw delete-alarms --alarm-names api-errors
out=$(cw describe-alarms --query 'length(MetricAlarms)' --output text)
[ "$out" = "0" ] && ok "delete-alarms" || fail "alarms left: [$out]"
echo "1..$PASS"
