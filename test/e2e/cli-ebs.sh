#!/usr/bin/env bash
# The EBS direct APIs as a user types them: `aws ebs ...` against `imago serve` (botocore's
# restJson1 client: streaming block bodies, checksum headers, epoch timestamps, error bodies).
source "$(dirname "$0")/lib.sh"
echo "# $("$AWS_BIN" --version 2>&1)"

start_imago dev --settle-ms 50
export AWS_ACCESS_KEY_ID=111111111111 AWS_SECRET_ACCESS_KEY=anything AWS_DEFAULT_REGION=us-east-1
ebs() { "$AWS_BIN" --endpoint-url "$dev_URL" ebs "$@"; }
sha256_b64() { node -e 'process.stdout.write(require("crypto").createHash("sha256").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$1"; }

out=$(ebs start-snapshot --volume-size 1 --description "cli upload" --tags Key=Name,Value=cli --timeout 60)
expect_contains "$out" '"Status": "pending"' "start-snapshot answers a pending snapshot"
expect_contains "$out" '"BlockSize": 524288' "start-snapshot gives the block size"
expect_contains "$out" '"StartTime": "20' "the epoch-seconds StartTime parses"
snap=$(printf '%s' "$out" | sed -n 's/.*"SnapshotId": "\(snap-[0-9a-f]*\)".*/\1/p')
[ -n "$snap" ] && ok "start-snapshot gave $snap" || fail "no snapshot id in: $out"

head -c 524288 /dev/urandom > "$WORK/block"
sum=$(sha256_b64 "$WORK/block")
out=$(ebs put-snapshot-block --snapshot-id "$snap" --block-index 5 --block-data "$WORK/block" --data-length 524288 --checksum "$sum" --checksum-algorithm SHA256 --progress 50)
expect_contains "$out" "\"Checksum\": \"$sum\"" "put-snapshot-block echoes the checksum"

run_aws_fail --endpoint-url "$dev_URL" ebs put-snapshot-block --snapshot-id "$snap" --block-index 6 --block-data "$WORK/block" --data-length 524288 --checksum "$(sha256_b64 /dev/null)" --checksum-algorithm SHA256
expect_contains "$OUT" "(ValidationException)" "a wrong checksum is a ValidationException"
run_aws_fail --endpoint-url "$dev_URL" ebs put-snapshot-block --snapshot-id "$snap" --block-index 2048 --block-data "$WORK/block" --data-length 524288 --checksum "$sum" --checksum-algorithm SHA256
expect_contains "$OUT" "out of range" "a block index beyond the volume is refused"
run_aws_fail --endpoint-url "$dev_URL" ebs complete-snapshot --snapshot-id "$snap" --changed-blocks-count 2
expect_contains "$OUT" "(ValidationException)" "complete-snapshot checks the count of written blocks"

out=$(ebs complete-snapshot --snapshot-id "$snap" --changed-blocks-count 1 --checksum "$(printf '%s' "$sum" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(require("crypto").createHash("sha256").update(s).digest("base64")))')" --checksum-algorithm SHA256 --checksum-aggregation-method LINEAR)
expect_contains "$out" '"Status": "pending"' "complete-snapshot with a LINEAR aggregate checksum"
wait_for "snapshot completed" completed ec2 describe-snapshots --snapshot-ids "$snap" --query 'Snapshots[0].State' --output text

token=$(ebs list-snapshot-blocks --snapshot-id "$snap" --query 'Blocks[0].BlockToken' --output text)
index=$(ebs list-snapshot-blocks --snapshot-id "$snap" --query 'Blocks[0].BlockIndex' --output text)
[ "$index" = "5" ] && ok "list-snapshot-blocks lists the written block" || fail "listed [$index]"
out=$(ebs get-snapshot-block --snapshot-id "$snap" --block-index 5 --block-token "$token" "$WORK/read")
expect_contains "$out" "\"Checksum\": \"$sum\"" "get-snapshot-block reports the block's checksum"
cmp -s "$WORK/block" "$WORK/read" && ok "get-snapshot-block returns the bytes written" || fail "the block read back differs"
out=$(ebs list-changed-blocks --second-snapshot-id "$snap" --query 'ChangedBlocks[].BlockIndex' --output text)
[ "$out" = "5" ] && ok "list-changed-blocks without a first snapshot lists every block" || fail "changed: [$out]"

run_aws_fail --endpoint-url "$dev_URL" ebs get-snapshot-block --snapshot-id "$snap" --block-index 5 --block-token QUJDRA== "$WORK/none"
expect_contains "$OUT" "(ValidationException)" "a forged block token is refused"
run_aws_fail --endpoint-url "$dev_URL" ebs list-snapshot-blocks --snapshot-id snap-0123456789abcdef0
expect_contains "$OUT" "(ResourceNotFoundException)" "an unknown snapshot is ResourceNotFoundException"
echo "# $PASS checks passed"
