#!/usr/bin/env bash
# CloudWatch metrics as a user types them: the aws CLI (Debian's speaks awsQuery, a recent
# botocore awsJson or Smithy RPC v2 CBOR — the server answers each) against `imago serve`:
# put-metric-data in its forms, get-metric-statistics with percentiles, get-metric-data with
# metric math, list-metrics with a dimension filter, and the errors in AWS's words.
source "$(dirname "$0")/lib.sh"
echo "# $("$AWS_BIN" --version 2>&1)"

start_imago dev
export AWS_ACCESS_KEY_ID=111111111111 AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1
cw() { "$AWS_BIN" --endpoint-url "$dev_URL" cloudwatch "$@"; }

minute=$(( $(date -u +%s) / 60 * 60 - 300 ))
at() { date -u -d "@$(( minute + $1 ))" +%Y-%m-%dT%H:%M:%SZ; }

cw put-metric-data --namespace Shop --metric-name Latency --unit Milliseconds --value 10 \
  --dimensions Host=web-1 --timestamp "$(at 5)"
cw put-metric-data --namespace Shop --metric-data "[{\"MetricName\":\"Latency\",\"Unit\":\"Milliseconds\",\"Dimensions\":[{\"Name\":\"Host\",\"Value\":\"web-1\"}],\"Timestamp\":\"$(at 20)\",\"Values\":[20,30,40],\"Counts\":[1,2,1]}]"
cw put-metric-data --namespace Shop --metric-name Latency --unit Milliseconds --dimensions Host=web-2 \
  --timestamp "$(at 30)" --statistic-values SampleCount=2,Sum=100,Minimum=40,Maximum=60
ok "put-metric-data: a value, values with counts, a statistic set"

out=$(cw get-metric-statistics --namespace Shop --metric-name Latency --dimensions Name=Host,Value=web-1 \
  --start-time "$(at 0)" --end-time "$(at 60)" --period 60 --statistics Sum SampleCount Maximum \
  --query 'Datapoints[0].[Sum,SampleCount,Maximum,Unit]' --output text | sed 's/\.0\b//g')
expect_contains "$out" "130	5	40	Milliseconds" "get-metric-statistics sums the minute"

out=$(cw get-metric-statistics --namespace Shop --metric-name Latency --dimensions Name=Host,Value=web-1 \
  --start-time "$(at 0)" --end-time "$(at 60)" --period 60 --extended-statistics p50 p99 \
  --query 'Datapoints[0].ExtendedStatistics' --output json)
expect_contains "$out" '"p50": 30' "p50 from the raw values"
expect_contains "$out" '"p99": 40' "p99 from the raw values"

out=$(cw get-metric-data --start-time "$(at 0)" --end-time "$(at 60)" --metric-data-queries "[
  {\"Id\":\"a\",\"MetricStat\":{\"Metric\":{\"Namespace\":\"Shop\",\"MetricName\":\"Latency\",\"Dimensions\":[{\"Name\":\"Host\",\"Value\":\"web-1\"}]},\"Period\":60,\"Stat\":\"Sum\"},\"ReturnData\":false},
  {\"Id\":\"b\",\"MetricStat\":{\"Metric\":{\"Namespace\":\"Shop\",\"MetricName\":\"Latency\",\"Dimensions\":[{\"Name\":\"Host\",\"Value\":\"web-2\"}]},\"Period\":60,\"Stat\":\"Sum\"},\"ReturnData\":false},
  {\"Id\":\"total\",\"Expression\":\"a + b\",\"Label\":\"both hosts\"}]" \
  --query 'MetricDataResults[0].[Label,Values[0],StatusCode]' --output text | sed 's/\.0\b//g')
expect_contains "$out" "both hosts	230	Complete" "get-metric-data with metric math"

out=$(cw list-metrics --namespace Shop --dimensions Name=Host,Value=web-2 --query 'Metrics[].Dimensions[0].Value' --output text)
[ "$out" = "web-2" ] && ok "list-metrics filters by dimension" || fail "list-metrics gave [$out]"

run_aws_fail --endpoint-url "$dev_URL" cloudwatch put-metric-data --namespace AWS/EC2 --metric-name CPUUtilization --value 1
expect_contains "$OUT" "(InvalidParameterValue)" "AWS/ namespaces are refused"
expect_contains "$OUT" "The value AWS/EC2 for parameter Namespace is invalid." "in AWS's words"

run_aws_fail --endpoint-url "$dev_URL" cloudwatch get-metric-statistics --namespace Shop --metric-name Latency \
  --start-time "$(at 0)" --end-time "$(at 60)" --period 45 --statistics Sum
expect_contains "$OUT" "(InvalidParameterValue)" "a period that is no multiple of 60"

run_aws_fail --endpoint-url "$dev_URL" cloudwatch get-metric-statistics --namespace Shop --metric-name Latency \
  --start-time "$(date -u -d '-3 days' +%Y-%m-%dT%H:%M:%SZ)" --end-time "$(at 60)" --period 60 --statistics Sum
expect_contains "$OUT" "(InvalidParameterCombination)" "more than 1,440 datapoints"
expect_contains "$OUT" "which exceeds the limit of 1440" "… in AWS's words"

echo "1..$PASS"
