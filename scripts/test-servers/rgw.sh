#!/bin/bash
# A throwaway single-node Ceph RGW (Debian's ceph-mon, ceph-osd, radosgw) on 127.0.0.1, for the
# S3 chunk store's tests and benchmarks. Recipe and pitfalls: ../shared/reference/s3-test-server.md
# (cephx is required or radosgw hangs; the bluestore file lives outside the OSD dir; a short
# paxos interval and tcp_nodelay make pools and small requests fast).
#
#   rgw.sh start DIR   prints S3_ENDPOINT=, S3_ACCESS_KEY=, S3_SECRET_KEY= lines once it answers
#   rgw.sh stop DIR    stops its daemons (by their pid files) and removes DIR
#
# env: S3_PORT, MON_PORT (default: free ports), OSD_STORE bluestore (default) | memstore
# (2-3 s faster to start, data in the OSD's memory, at most 2 GiB).
set -euo pipefail
cmd=${1:-}; D=${2:-}
[ -n "$cmd" ] && [ -n "$D" ] || { echo "usage: rgw.sh start|stop DIR" >&2; exit 2; }

free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# alive and not a zombie (without an init to reap them, daemons' zombies linger)
running() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [ -n "$s" ] && [ "${s#Z}" = "$s" ]; }

stop() {
  # the data dies with DIR: a short grace for SIGTERM, then SIGKILL (mon and osd take ~6 s to exit politely)
  local pids=() p n f
  for n in client.rgw.a osd.0 mon.a; do
    f="$D/run/$n.pid"
    if [ -f "$f" ]; then p=$(cat "$f"); kill "$p" 2>/dev/null && pids+=("$p"); fi
  done
  for _ in $(seq 1 10); do
    alive=0; for p in "${pids[@]}"; do running "$p" && alive=1; done
    [ $alive = 0 ] && break; sleep 0.1
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do for _ in $(seq 1 20); do running "$p" || break; sleep 0.05; done; done
  rm -rf "$D"
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: rgw.sh start|stop DIR" >&2; exit 2; }
for b in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool; do
  command -v "$b" >/dev/null || { echo "rgw.sh: $b is missing (apt-get install ceph-mon ceph-osd radosgw ceph-common; scripts/setup-test-host.sh does)" >&2; exit 1; }
done
# a failed start leaves nothing running
trap 'status=$?; if [ $status -ne 0 ]; then echo "rgw.sh: start failed; logs:" >&2; tail -n 20 "$D"/log/* >&2 2>/dev/null || true; stop; fi' EXIT

S3_PORT=${S3_PORT:-$(free_port)}; MON_PORT=${MON_PORT:-$(free_port)}; STORE=${OSD_STORE:-bluestore}
mkdir -p "$D"; D=$(cd "$D" && pwd); mkdir -p "$D"/{mon.a,osd.0,run,log,rgw,crash}
FSID=$(cat /proc/sys/kernel/random/uuid)
cat > "$D/ceph.conf" <<CONF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$MON_PORT
public network = 127.0.0.0/8
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $D/keyring
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
crash dir = $D/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
paxos propose interval = 0.1
osd crush chooseleaf type = 0
[mon]
mon data = $D/mon.\$id
[osd]
osd data = $D/osd.\$id
osd objectstore = $STORE
bluestore block path = $D/osd.\$id.block
bluestore block create = true
bluestore block size = 8589934592
bluestore fsck on mkfs = false
osd memory target = 1073741824
memstore device bytes = 2147483648
osd op num shards = 2
osd op num threads per shard = 1
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$S3_PORT tcp_nodelay=1
rgw data = $D/rgw
rgw thread pool size = 64
CONF
C=(-c "$D/ceph.conf")
ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$D/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
monmaptool --create --addv a "[v2:127.0.0.1:$MON_PORT]" --fsid "$FSID" "$D/monmap" >/dev/null
ceph-mon "${C[@]}" --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring"
ceph-mon "${C[@]}" -i a
timeout 30 ceph "${C[@]}" -s --connect-timeout 20 >/dev/null
UUID=$(cat /proc/sys/kernel/random/uuid)
ID=$(timeout 30 ceph "${C[@]}" osd new "$UUID")
timeout 30 ceph "${C[@]}" auth get-or-create "osd.$ID" mon 'allow profile osd' mgr 'allow profile osd' osd 'allow *' >> "$D/keyring"
timeout 30 ceph "${C[@]}" auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' >> "$D/keyring"
timeout 60 ceph-osd "${C[@]}" -i "$ID" --mkfs --osd-uuid "$UUID" >"$D/log/osd-mkfs.out" 2>&1
ceph-osd "${C[@]}" -i "$ID" 2>>"$D/log/osd-start.out"
for _ in $(seq 1 120); do timeout 10 ceph "${C[@]}" osd stat -f json 2>/dev/null | grep -q '"num_up_osds":1' && break; sleep 0.5; done
timeout 90 radosgw "${C[@]}" -n client.rgw.a --rgw-init-timeout=60
for _ in $(seq 1 120); do curl -s -o /dev/null "http://127.0.0.1:$S3_PORT/" && break; sleep 0.5; done
curl -sf -o /dev/null "http://127.0.0.1:$S3_PORT/"
timeout 30 radosgw-admin "${C[@]}" user create --uid=imago-test --display-name=imago-test \
  --access-key=IMAGOTESTACCESSKEY --secret-key=IMAGOTESTSECRETKEY0123456789 >/dev/null
echo "S3_ENDPOINT=http://127.0.0.1:$S3_PORT"
echo "S3_ACCESS_KEY=IMAGOTESTACCESSKEY"
echo "S3_SECRET_KEY=IMAGOTESTSECRETKEY0123456789"
