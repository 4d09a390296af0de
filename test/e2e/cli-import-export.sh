#!/usr/bin/env bash
# VM Import/Export as a user types it: disk images made with qemu-img and served over http on
# 127.0.0.1 by a throwaway `python3 -m http.server`; import-snapshot (RAW) and import-image
# (qcow2, and encrypted) followed with describe-import-*-tasks until completed, the data read
# back through the EBS direct APIs; the failures AWS reports on the task (a URL that answers
# 404, a qcow2 naming a backing file); cancel-import-task on a download still running; then
# export-image to S3, converted back and compared — against $IMAGO_TEST_S3_ENDPOINT, or a
# throwaway Ceph RGW when radosgw is installed (else skipped: test/sdk/import-export-tasks.test.ts
# covers exports).
source "$(dirname "$0")/lib.sh"
echo "# $("$AWS_BIN" --version 2>&1)"
command -v qemu-img >/dev/null || fail "qemu-img is required (apt-get install qemu-utils)"

# ---- the disk images and the web servers ----
BLOCK=524288
python3 - "$WORK/disk.raw" <<'EOF'
import os, sys
block = 524288
with open(sys.argv[1], 'wb') as f:
    # 3 MiB: data in blocks 0 and 2, the rest zero
    f.write(os.urandom(block) + bytes(block) + os.urandom(block) + bytes(3 * block))
EOF
mkdir -p "$WORK/www"
cp "$WORK/disk.raw" "$WORK/www/disk.raw"
qemu-img convert -f raw -O qcow2 "$WORK/disk.raw" "$WORK/www/disk.qcow2"
# hostile: a qcow2 whose backing file is a file of the importing host
qemu-img create -q -f qcow2 -b /etc/passwd -F raw "$WORK/www/hostile.qcow2" 1M

# serve_on LOG COMMAND...: starts a server that prints its port on its first line; sets PORT
serve_on() {
  local log=$1
  shift
  "$@" >"$log" 2>&1 &
  PIDS+=($!)
  PORT=""
  for _ in $(seq 1 100); do
    PORT=$(grep -o 'port [0-9]*' "$log" 2>/dev/null | head -n1 | cut -d' ' -f2 || true)
    [ -n "$PORT" ] && return 0
    sleep 0.1
  done
  cat "$log" >&2
  fail "a web server did not start"
}
serve_on "$WORK/www.log" python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$WORK/www"
WEB="http://127.0.0.1:$PORT"
# a download that takes its time: 64 MiB announced, 64 KiB every 100 ms
serve_on "$WORK/slow.log" python3 -u -c '
import http.server, os, time
class Slow(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(64 * 1024 * 1024))
        self.end_headers()
        try:
            for _ in range(1024):
                self.wfile.write(os.urandom(65536))
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass
    def log_message(self, *args):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
print("port", s.server_address[1], flush=True)
s.serve_forever()
'
SLOW="http://127.0.0.1:$PORT"
curl -sf "$WEB/disk.raw" | cmp -s - "$WORK/disk.raw" && ok "disk images served on $WEB" || fail "the web server does not serve disk.raw"

# ---- S3 for exports: the test run's, else a throwaway RGW ----
S3=${IMAGO_TEST_S3_ENDPOINT:-}
S3_KEY=${IMAGO_TEST_S3_ACCESS_KEY:-}
S3_SECRET=${IMAGO_TEST_S3_SECRET_KEY:-}
if [ -z "$S3" ] && command -v radosgw >/dev/null; then
  OSD_STORE=memstore bash "$ROOT/scripts/test-servers/rgw.sh" start "$WORK/rgw" >"$WORK/rgw.env" || fail "rgw.sh start failed"
  trap 'bash "$ROOT/scripts/test-servers/rgw.sh" stop "$WORK/rgw" >/dev/null 2>&1 || true; cleanup' EXIT
  S3=$(sed -n 's/^S3_ENDPOINT=//p' "$WORK/rgw.env")
  S3_KEY=$(sed -n 's/^S3_ACCESS_KEY=//p' "$WORK/rgw.env")
  S3_SECRET=$(sed -n 's/^S3_SECRET_KEY=//p' "$WORK/rgw.env")
fi
s3api() { AWS_ACCESS_KEY_ID=$S3_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET "$AWS_BIN" --endpoint-url "$S3" --region us-east-1 s3api "$@"; }
S3_ARGS=()
BUCKET=imago-e2e-export-$$
if [ -n "$S3" ]; then
  # the server reads the S3 keys from a profile of the shared credentials file (its environment has none)
  printf '[rgw]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$S3_KEY" "$S3_SECRET" >>"$AWS_SHARED_CREDENTIALS_FILE"
  s3api create-bucket --bucket "$BUCKET" >/dev/null
  S3_ARGS=(--import-s3-endpoint "$S3" --s3-profile rgw)
fi

start_imago dev --settle-ms 0 "${S3_ARGS[@]}"
export AWS_ACCESS_KEY_ID=111111111111 AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1
ebs() { "$AWS_BIN" --endpoint-url "$dev_URL" ebs "$@"; }
snapshot_task() { ec2 describe-import-snapshot-tasks --import-task-ids "$1" --query "ImportSnapshotTasks[0].SnapshotTaskDetail.$2" --output text; }
image_task() { ec2 describe-import-image-tasks --import-task-ids "$1" --query "ImportImageTasks[0].$2" --output text; }
# wait_settled WHAT COMMAND...: polls until the task is completed or deleted; prints which
wait_settled() {
  local what=$1 got=""
  shift
  for _ in $(seq 1 300); do
    got=$("$@")
    case "$got" in completed | deleted) echo "$got"; return 0 ;; esac
    sleep 0.1
  done
  fail "$what: still [$got]"
}
# same_blocks SNAPSHOT: the snapshot holds blocks 0 and 2 of disk.raw, byte for byte
same_blocks() {
  local snap=$1 out i token
  out=$(ebs list-snapshot-blocks --snapshot-id "$snap" --query 'Blocks[].BlockIndex' --output text)
  [ "$out" = "$(printf '0\t2')" ] || fail "$snap holds blocks [$out]"
  for i in 0 2; do
    token=$(ebs list-snapshot-blocks --snapshot-id "$snap" --query "Blocks[?BlockIndex==\`$i\`].BlockToken" --output text)
    ebs get-snapshot-block --snapshot-id "$snap" --block-index "$i" --block-token "$token" "$WORK/block-$i" >/dev/null
    cmp -s "$WORK/block-$i" <(dd if="$WORK/disk.raw" bs=$BLOCK skip="$i" count=1 status=none) || fail "$snap: block $i differs"
  done
}

# ---- ImportSnapshot from a URL ----
task=$(ec2 import-snapshot --description "from a URL" --disk-container "Format=RAW,Url=$WEB/disk.raw" \
  --tag-specifications 'ResourceType=import-snapshot-task,Tags=[{Key=team,Value=e2e}]' --query ImportTaskId --output text)
case "$task" in import-snap-*) ok "import-snapshot: $task" ;; *) fail "import-snapshot: [$task]" ;; esac
[ "$(wait_settled "$task" snapshot_task "$task" Status)" = completed ] && ok "describe-import-snapshot-tasks: completed" || fail "$task: $(snapshot_task "$task" StatusMessage)"
out=$(ec2 describe-import-snapshot-tasks --import-task-ids "$task" --query 'ImportSnapshotTasks[0].[SnapshotTaskDetail.Format,SnapshotTaskDetail.DiskImageSize,SnapshotTaskDetail.Url,Tags[0].Value]' --output text)
[ "$out" = "$(printf 'RAW\t3145728.0\t%s/disk.raw\te2e' "$WEB")" ] && ok "the task shows format, size, URL and tags" || fail "task detail: [$out]"
snap=$(snapshot_task "$task" SnapshotId)
out=$(ec2 describe-snapshots --snapshot-ids "$snap" --query 'Snapshots[0].[State,VolumeSize,Encrypted]' --output text)
[ "$out" = "$(printf 'completed\t1\tFalse')" ] && ok "the snapshot $snap: completed, 1 GiB" || fail "snapshot: [$out]"
same_blocks "$snap" && ok "its blocks read back through the EBS direct APIs, byte for byte"

# ---- ImportImage from a URL (qcow2) ----
task=$(ec2 import-image --description "e2e image" --architecture x86_64 --disk-containers "Format=qcow2,Url=$WEB/disk.qcow2" --query ImportTaskId --output text)
case "$task" in import-ami-*) ok "import-image: $task" ;; *) fail "import-image: [$task]" ;; esac
[ "$(wait_settled "$task" image_task "$task" Status)" = completed ] && ok "describe-import-image-tasks: completed" || fail "$task: $(image_task "$task" StatusMessage)"
image=$(image_task "$task" ImageId)
out=$(ec2 describe-images --image-ids "$image" --query 'Images[0].[State,RootDeviceName,Architecture,BlockDeviceMappings[0].DeviceName]' --output text)
[ "$out" = "$(printf 'available\t/dev/sda1\tx86_64\t/dev/sda1')" ] && ok "the image $image: available, root /dev/sda1" || fail "image: [$out]"
same_blocks "$(ec2 describe-images --image-ids "$image" --query 'Images[0].BlockDeviceMappings[0].Ebs.SnapshotId' --output text)" && ok "its root snapshot holds the qcow2's data"

# ---- encrypted ----
task=$(ec2 import-image --encrypted --disk-containers "Format=RAW,Url=$WEB/disk.raw" --query ImportTaskId --output text)
[ "$(wait_settled "$task" image_task "$task" Status)" = completed ] || fail "$task: $(image_task "$task" StatusMessage)"
encrypted=$(image_task "$task" ImageId)
out=$(ec2 describe-images --image-ids "$encrypted" --query 'Images[0].BlockDeviceMappings[0].Ebs.[Encrypted,SnapshotId]' --output text)
esnap=$(echo "$out" | cut -f2)
[ "$(echo "$out" | cut -f1)" = True ] && [ "$(ec2 describe-snapshots --snapshot-ids "$esnap" --query 'Snapshots[0].Encrypted' --output text)" = True ] \
  && ok "import-image --encrypted: an encrypted image and snapshot" || fail "encrypted import: [$out]"
same_blocks "$esnap" && ok "the encrypted snapshot reads back the same data"
run_aws_fail --endpoint-url "$dev_URL" ec2 import-snapshot --kms-key-id alias/aws/ebs --disk-container "Url=$WEB/disk.raw"
expect_contains "$OUT" "(InvalidParameterDependency)" "--kms-key-id without --encrypted is refused"

# ---- failures, as the task reports them ----
task=$(ec2 import-snapshot --disk-container "Url=$WEB/missing.raw" --query ImportTaskId --output text)
[ "$(wait_settled "$task" snapshot_task "$task" Status)" = deleted ] || fail "a 404 import: $(snapshot_task "$task" Status)"
expect_contains "$(snapshot_task "$task" StatusMessage)" "ClientError: Unable to download the disk image from $WEB/missing.raw: HTTP 404" "a URL that answers 404: the task ends deleted with the reason"
task=$(ec2 import-image --disk-containers "Format=qcow2,Url=$WEB/hostile.qcow2" --query ImportTaskId --output text)
[ "$(wait_settled "$task" image_task "$task" Status)" = deleted ] || fail "a hostile qcow2: $(image_task "$task" Status)"
expect_contains "$(image_task "$task" StatusMessage)" "ClientError: Disk validation failed" "a qcow2 naming a backing file is refused"
[ "$(image_task "$task" ImageId)" = None ] && ok "and no image is made" || fail "a hostile import made an image"
run_aws_fail --endpoint-url "$dev_URL" ec2 import-image --disk-containers "Url=ftp://127.0.0.1/disk.raw"
expect_contains "$OUT" "(InvalidParameter)" "an ftp:// URL is refused at once"

# ---- cancel-import-task ----
task=$(ec2 import-image --disk-containers "Format=RAW,Url=$SLOW/slow.raw" --query ImportTaskId --output text)
out=$(ec2 cancel-import-task --import-task-id "$task" --cancel-reason "changed my mind" --query '[PreviousState,State]' --output text)
[ "$out" = "$(printf 'active\tdeleting')" ] && ok "cancel-import-task: active -> deleting" || fail "cancel: [$out]"
[ "$(wait_settled "$task" image_task "$task" Status)" = deleted ] && ok "the cancelled task ends deleted" || fail "cancelled: $(image_task "$task" Status)"
expect_contains "$(image_task "$task" StatusMessage)" "User cancelled: changed my mind" "with the reason given"
run_aws_fail --endpoint-url "$dev_URL" ec2 cancel-import-task --import-task-id "$task"
expect_contains "$OUT" "(IncorrectState)" "a finished task cannot be cancelled"
run_aws_fail --endpoint-url "$dev_URL" ec2 cancel-import-task --import-task-id import-ami-0123456789abcdef0
expect_contains "$OUT" "(InvalidConversionTaskId)" "an unknown task"

# ---- export-image to S3 ----
if [ -z "$S3" ]; then
  echo "# skip export-image: no S3 server (no \$IMAGO_TEST_S3_ENDPOINT, no radosgw); test/sdk/import-export-tasks.test.ts covers it"
else
  task=$(ec2 export-image --image-id "$image" --disk-image-format VMDK --s3-export-location "S3Bucket=$BUCKET,S3Prefix=exports/" --query ExportImageTaskId --output text)
  case "$task" in export-ami-*) ok "export-image: $task" ;; *) fail "export-image: [$task]" ;; esac
  export_status() { ec2 describe-export-image-tasks --export-image-task-ids "$task" --query 'ExportImageTasks[0].Status' --output text; }
  [ "$(wait_settled "$task" export_status)" = completed ] && ok "describe-export-image-tasks: completed" \
    || fail "export: $(ec2 describe-export-image-tasks --export-image-task-ids "$task" --query 'ExportImageTasks[0].StatusMessage' --output text)"
  s3api get-object --bucket "$BUCKET" --key "exports/$task.vmdk" "$WORK/export.vmdk" >/dev/null
  qemu-img convert -f vmdk -O raw "$WORK/export.vmdk" "$WORK/export.raw"
  cmp -s -n 3145728 "$WORK/export.raw" "$WORK/disk.raw" && ok "s3://$BUCKET/exports/$task.vmdk converts back to the imported disk" || fail "the export differs from the disk"
  s3api delete-object --bucket "$BUCKET" --key "exports/$task.vmdk" >/dev/null
  s3api delete-bucket --bucket "$BUCKET" >/dev/null
fi

echo "1..$PASS"
