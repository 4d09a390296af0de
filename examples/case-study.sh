#!/usr/bin/env bash
# The case study of "Amazon Machine Image (AMI): Comprehensive Overview" (a web application
# deployed with AMIs), end to end on Imago with the aws CLI alone, on instances that really boot:
#
#   1. bake version 1 of a custom image: launch the public Debian 12 image with user data that
#      installs a small web service (python3's http.server on port 80) and a "load follower"
#      (burns the instance's CPU while its tag `load` is `on`, read from instance metadata),
#      then CreateImage from it, tagged version=1;
#   2. bake version 2 the usual way: launch version 1 with user data that upgrades the page;
#   3. a launch template on version 1 and an Auto Scaling group across two Availability Zones
#      (min 1, max 2), with a target tracking policy keeping ASGAverageCPUUtilization at 50%;
#   4. a traffic spike: tag the group's instance load=on; its real CPU time (measured from the
#      VM) goes to CloudWatch, the policy's AlarmHigh goes to ALARM and the group scales out;
#      the spike ends (tag removed), AlarmLow goes to ALARM and the group scales back in;
#   5. roll the group to version 2 with an instance refresh (launch before terminate).
#   DescribeScalingActivities and DescribeAlarmHistory are printed as it goes.
#
# Start the server first (VMs under QEMU; a 5-second metrics period so that the target tracking
# alarms' 3 and 15 datapoints take 15 and 75 seconds, not 3 and 15 minutes — README "--metrics-period-seconds"):
#
#   npm start -- --compute qemu --metrics-period-seconds 5 --settle-ms 0 --public-address-pool 127.104.0.0/24
#
# then, in another terminal (it takes 7 to 10 minutes on 2 cores, mostly VMs booting under TCG):
#
#   examples/case-study.sh            # IMAGO_URL=http://127.0.0.1:4566 by default
#
# Environment: IMAGO_URL, AWS_BIN (the aws CLI), CASE_NAME (prefix of everything it makes;
# default case), INSTANCE_TYPE (default t2.nano), KEEP=1 leaves the group, the template and the
# images in place at the end (otherwise they are deleted).
set -euo pipefail

URL=${IMAGO_URL:-http://127.0.0.1:4566}
AWS_BIN=${AWS_BIN:-aws}
NAME=${CASE_NAME:-case}
TYPE=${INSTANCE_TYPE:-t2.nano}
export AWS_ACCESS_KEY_ID=${AWS_ACCESS_KEY_ID:-111111111111} AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY:-anything}
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1} AWS_PAGER="" AWS_DEFAULT_OUTPUT=${AWS_DEFAULT_OUTPUT:-json}
ec2() { "$AWS_BIN" --endpoint-url "$URL" ec2 "$@"; }
asg() { "$AWS_BIN" --endpoint-url "$URL" autoscaling "$@"; }
cw() { "$AWS_BIN" --endpoint-url "$URL" cloudwatch "$@"; }
ssm() { "$AWS_BIN" --endpoint-url "$URL" ssm "$@"; }

T0=$(date +%s)
say() { printf '\n[%4ss] == %s\n' "$(($(date +%s) - T0))" "$*"; }
die() { echo "case study: $*" >&2; exit 1; }
# until SECONDS DESCRIPTION COMMAND...: polls COMMAND (every 2 s) until it succeeds
until_ok() {
  local limit=$1 what=$2
  shift 2
  local end=$(($(date +%s) + limit))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || die "gave up after ${limit}s waiting for: $what"
    sleep 2
  done
}
instance_state() { [ "$(ec2 describe-instances --instance-ids "$1" --query 'Reservations[0].Instances[0].State.Name' --output text)" = "$2" ]; }
console_has() { ec2 get-console-output --instance-id "$1" --query Output --output text | grep -q "$2"; }
image_available() { [ "$(ec2 describe-images --image-ids "$1" --query 'Images[0].State' --output text)" = available ]; }
public_ip() { ec2 describe-instances --instance-ids "$1" --query 'Reservations[0].Instances[0].PublicIpAddress' --output text; }
page() { curl -sf -m 3 "http://$1/"; }
page_is() { [ "$(page "$1")" = "$2" ]; }
in_service() { asg describe-auto-scaling-groups --auto-scaling-group-names "$NAME-web" --query "AutoScalingGroups[0].Instances[?LifecycleState=='InService'].InstanceId" --output text; }
in_service_one() { [ "$(in_service | wc -w)" -ge 1 ]; }
in_service_two() { [ "$(in_service | wc -w)" -ge 2 ]; }
group() { asg describe-auto-scaling-groups --auto-scaling-group-names "$NAME-web" --query "AutoScalingGroups[0].$1" --output text; }
group_is() { [ "$(group "$1")" = "$2" ]; }
alarm_state_is() { [ "$(cw describe-alarms --alarm-names "$1" --query 'MetricAlarms[0].StateValue' --output text)" = "$2" ]; }
# the group's latest N scaling activities, an alarm's latest N state changes (newest first)
activities() {
  asg describe-scaling-activities --auto-scaling-group-name "$NAME-web" \
    --query "Activities[0:${1:-3}].[StartTime,StatusCode,Cause]" --output text | sed 's/^/    /'
}
history() {
  cw describe-alarm-history --alarm-name "$1" --history-item-type StateUpdate \
    --query "AlarmHistoryItems[0:${2:-3}].[Timestamp,HistorySummary]" --output text | sed 's/^/    /'
}
# the group's average CPU, the highest of the last three 10-second averages ("None" without data)
group_cpu() {
  local now
  now=$(date -u +%s)
  cw get-metric-statistics --namespace AWS/EC2 --metric-name CPUUtilization --dimensions "Name=AutoScalingGroupName,Value=$NAME-web" \
    --start-time "$(date -u -d "@$((now - 30))" +%FT%TZ)" --end-time "$(date -u -d "@$now" +%FT%TZ)" --period 10 --statistics Average \
    --query 'max(Datapoints[].Average)' --output text
}
cpu_below() { local v; v=$(group_cpu) && [[ "$v" =~ ^[0-9.]+$ ]] && awk -v v="$v" -v t="$1" 'BEGIN { exit !(v < t) }'; }

say "the public Debian 12 image, the zones and their default subnets"
base=$(ssm get-parameter --name /aws/service/debian/release/12/latest/amd64 --query Parameter.Value --output text)
read -r zone_a zone_b < <(ec2 describe-availability-zones --query 'AvailabilityZones[0:2].ZoneName' --output text)
subnet_a=$(ec2 describe-subnets --filters Name=default-for-az,Values=true "Name=availability-zone,Values=$zone_a" --query 'Subnets[0].SubnetId' --output text)
subnet_b=$(ec2 describe-subnets --filters Name=default-for-az,Values=true "Name=availability-zone,Values=$zone_b" --query 'Subnets[0].SubnetId' --output text)
echo "    $base; $zone_a ($subnet_a), $zone_b ($subnet_b)"
sg=$(ec2 create-security-group --group-name "$NAME-web" --description "web on port 80" --query GroupId --output text)
ec2 authorize-security-group-ingress --group-id "$sg" --protocol tcp --port 80 --cidr 0.0.0.0/0 >/dev/null

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# Version 1's user data: the application, installed once and baked into the image. The load
# follower reads the instance's own tags through IMDSv2 (the launch template allows tags in
# metadata); it stands in for real traffic and only ever burns this instance's CPU.
cat >"$WORK/v1.sh" <<'EOF'
#!/bin/sh
set -e
mkdir -p /srv/www
echo "case study web v1" > /srv/www/index.html
cat > /etc/systemd/system/web.service <<'UNIT'
[Unit]
Description=the case study's web page
After=network.target
[Service]
ExecStart=/usr/bin/python3 -m http.server 80 --directory /srv/www
Restart=always
[Install]
WantedBy=multi-user.target
UNIT
cat > /usr/local/bin/load-follower <<'SCRIPT'
#!/bin/sh
# burns every CPU for 5 s at a time while this instance's tag "load" is "on" (one metadata read
# every 5 s otherwise; an IMDSv2 token taken every 50 minutes)
md=http://169.254.169.254/latest
n=0
while :; do
  [ $((n % 600)) -eq 0 ] && token=$(curl -s -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600' $md/api/token || true)
  n=$((n + 1))
  if [ "$(curl -sf -m 2 -H "X-aws-ec2-metadata-token: $token" $md/meta-data/tags/instance/load || true)" = on ]; then
    for _ in $(seq "$(nproc)"); do timeout 5 sh -c 'while :; do :; done' & done
    wait
  else
    sleep 5
  fi
done
SCRIPT
chmod 755 /usr/local/bin/load-follower
cat > /etc/systemd/system/load-follower.service <<'UNIT'
[Unit]
Description=burns CPU while the instance is tagged load=on
[Service]
ExecStart=/usr/local/bin/load-follower
Restart=always
[Install]
WantedBy=multi-user.target
UNIT
systemctl daemon-reload
systemctl enable --now web.service load-follower.service
sync
echo "CASE-STUDY-BAKED v1" > /dev/console
EOF
cat >"$WORK/v2.sh" <<'EOF'
#!/bin/sh
echo "case study web v2" > /srv/www/index.html
sync
echo "CASE-STUDY-BAKED v2" > /dev/console
EOF

# launch_builder NAME IMAGE USER_DATA_FILE: an instance that customizes IMAGE; prints its id
launch_builder() {
  ec2 run-instances --image-id "$2" --instance-type "$TYPE" --security-group-ids "$sg" --user-data "file://$3" \
    --tag-specifications "ResourceType=instance,Tags=[{Key=Name,Value=$NAME-$1}]" --query 'Instances[0].InstanceId' --output text
}
# bake VERSION BUILDER: once the builder's user data is done, its image tagged version=VERSION
# (CreateImage without a reboot: the user data synced the disk); the builder is terminated; prints the image id
bake() {
  local version=$1 builder=$2 image
  until_ok 600 "$builder to run its user data" console_has "$builder" "CASE-STUDY-BAKED v$version"
  image=$(ec2 create-image --instance-id "$builder" --no-reboot --name "$NAME-web-v$version" --description "case study web, version $version" \
    --tag-specifications "ResourceType=image,Tags=[{Key=app,Value=$NAME-web},{Key=version,Value=$version}]" --query ImageId --output text)
  until_ok 600 "$image to be available" image_available "$image"
  ec2 terminate-instances --instance-ids "$builder" >/dev/null
  echo "$image"
}

say "version 1: a builder instance from $base with the application's user data"
builder=$(launch_builder builder-v1 "$base" "$WORK/v1.sh")
echo "    $builder"
until_ok 600 "$builder to boot and serve its page" page_is "$(public_ip "$builder")" "case study web v1"
echo "    $builder serves: $(page "$(public_ip "$builder")")"
v1=$(bake 1 "$builder")
echo "    $v1 (version=1) is available; the builder is terminated"

say "a launch template on $v1 and an Auto Scaling group across $zone_a and $zone_b"
lt_data=$(printf '{"ImageId":"%s","InstanceType":"%s","SecurityGroupIds":["%s"],"Monitoring":{"Enabled":true},"MetadataOptions":{"HttpTokens":"required","InstanceMetadataTags":"enabled"},"TagSpecifications":[{"ResourceType":"instance","Tags":[{"Key":"app","Value":"%s-web"}]}]}' "$v1" "$TYPE" "$sg" "$NAME")
ec2 create-launch-template --launch-template-name "$NAME-web" --version-description "version 1" --launch-template-data "$lt_data" >/dev/null
# DefaultInstanceWarmup: for 120 s after it starts (about a boot under TCG) a new instance does not
# count for the policy, and the group does not scale in meanwhile (AWS: 300 s unless set)
asg create-auto-scaling-group --auto-scaling-group-name "$NAME-web" --launch-template "LaunchTemplateName=$NAME-web,Version=\$Latest" \
  --min-size 1 --max-size 2 --desired-capacity 1 --vpc-zone-identifier "$subnet_a,$subnet_b" --default-instance-warmup 120

# meanwhile, version 2 is baked from version 1 (a second builder, booting alongside the group's first instance)
builder2=$(launch_builder builder-v2 "$v1" "$WORK/v2.sh")
until_ok 600 "the group's first instance to be InService" in_service_one
first=$(in_service)
until_ok 600 "$first's page (the application came with the image)" page_is "$(public_ip "$first")" "case study web v1"
echo "    $first ($(ec2 describe-instances --instance-ids "$first" --query 'Reservations[0].Instances[0].Placement.AvailabilityZone' --output text)) serves: $(page "$(public_ip "$first")")"
activities 1

say "version 2: $builder2 (from $v1) upgrades the page"
v2=$(bake 2 "$builder2")
echo "    $v2 (version=2) is available; the builder is terminated"

say "a target tracking policy: the group's average CPU at 50%"
until_ok 300 "the group's CPU to settle below 30% after boot" cpu_below 30
echo "    group CPUUtilization now: $(group_cpu)%"
asg put-scaling-policy --auto-scaling-group-name "$NAME-web" --policy-name cpu50 --policy-type TargetTrackingScaling \
  --target-tracking-configuration '{"TargetValue":50,"PredefinedMetricSpecification":{"PredefinedMetricType":"ASGAverageCPUUtilization"}}' \
  --query 'Alarms[].AlarmName' --output text | tr '\t' '\n' | sed 's/^/    managed alarm: /'
high=$(cw describe-alarms --alarm-name-prefix "TargetTracking-$NAME-web-AlarmHigh-" --query 'MetricAlarms[0].AlarmName' --output text)
low=$(cw describe-alarms --alarm-name-prefix "TargetTracking-$NAME-web-AlarmLow-" --query 'MetricAlarms[0].AlarmName' --output text)
cw describe-alarms --alarm-names "$high" "$low" --query 'MetricAlarms[].[AlarmName,Period,EvaluationPeriods,ComparisonOperator,Threshold]' --output text | sed 's/^/    /'
until_ok 120 "$high to see the idle group (OK)" alarm_state_is "$high" OK

say "a traffic spike: $first tagged load=on burns its CPU"
group_is DesiredCapacity 1 || die "the group scaled out before any load: $(activities 1)"
ec2 create-tags --resources "$first" --tags Key=load,Value=on
until_ok 300 "$high to go to ALARM" alarm_state_is "$high" ALARM
history "$high" 2
until_ok 120 "the group to scale out to 2" group_is DesiredCapacity 2
activities 1
until_ok 600 "the second instance to be InService" in_service_two
second=$(in_service | tr '\t' '\n' | grep -v "$first")
until_ok 600 "$second's page" page_is "$(public_ip "$second")" "case study web v1"
echo "    $second ($(ec2 describe-instances --instance-ids "$second" --query 'Reservations[0].Instances[0].Placement.AvailabilityZone' --output text)) serves: $(page "$(public_ip "$second")")"

say "the spike ends: the tag is removed, the CPU falls"
group_is DesiredCapacity 2 || die "the group scaled in while the load still ran (the VMs got too little host CPU?): $(activities 1)"
ec2 delete-tags --resources "$first" --tags Key=load
until_ok 600 "$low to go to ALARM" alarm_state_is "$low" ALARM
history "$low" 2
until_ok 120 "the group to scale in to 1" group_is DesiredCapacity 1
until_ok 300 "the group to have one instance" group_is 'length(Instances)' 1
activities 2

say "rolling to version 2: a new launch template version and an instance refresh"
ec2 create-launch-template-version --launch-template-name "$NAME-web" --source-version 1 --version-description "version 2" \
  --launch-template-data "{\"ImageId\":\"$v2\"}" --query 'LaunchTemplateVersion.VersionNumber' --output text | sed 's/^/    launch template version /'
# the scaling policy is held while instances are replaced (a booting instance's CPU is no traffic);
# the refresh keeps AWS's default MinHealthyPercentage (90%: a group of one replaces its instance,
# terminating it first). With an aws CLI that knows MaxHealthyPercentage (not Debian 12's 2.9),
# '{"MinHealthyPercentage":100,"MaxHealthyPercentage":200}' launches the new one first instead.
asg suspend-processes --auto-scaling-group-name "$NAME-web" --scaling-processes AlarmNotification
refresh=$(asg start-instance-refresh --auto-scaling-group-name "$NAME-web" \
  --preferences '{"InstanceWarmup":10}' --query InstanceRefreshId --output text)
refresh_done() {
  local s
  s=$(asg describe-instance-refreshes --auto-scaling-group-name "$NAME-web" --instance-refresh-ids "$refresh" --query 'InstanceRefreshes[0].Status' --output text)
  case "$s" in Successful) return 0 ;; Failed | Cancelled | RollbackSuccessful | RollbackFailed) die "instance refresh $refresh: $s" ;; *) return 1 ;; esac
}
until_ok 900 "instance refresh $refresh to finish" refresh_done
asg describe-instance-refreshes --auto-scaling-group-name "$NAME-web" --instance-refresh-ids "$refresh" \
  --query 'InstanceRefreshes[0].[InstanceRefreshId,Status,PercentageComplete]' --output text | sed 's/^/    /'
latest=$(in_service)
echo "    now in the group: $latest on $(ec2 describe-instances --instance-ids $latest --query 'Reservations[].Instances[].ImageId' --output text)"
until_ok 300 "$latest's page" page_is "$(public_ip "$latest")" "case study web v2"
echo "    $latest serves: $(page "$(public_ip "$latest")")"
asg resume-processes --auto-scaling-group-name "$NAME-web" --scaling-processes AlarmNotification

say "the story, as Auto Scaling and CloudWatch tell it"
activities 10
echo "    -- $high"
history "$high" 20
echo "    -- $low"
history "$low" 20

if [ "${KEEP:-0}" != 1 ]; then
  say "cleaning up"
  asg delete-auto-scaling-group --auto-scaling-group-name "$NAME-web" --force-delete
  ec2 delete-launch-template --launch-template-name "$NAME-web" >/dev/null
fi
say "done"
