# Shared helpers for the aws CLI end-to-end scripts: start a real `imago serve`, run the CLI
# against it, assert on what the CLI prints and how it exits.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Prefer Debian's awscli (what .ci/run installs) over any other aws on PATH.
if [ -z "${AWS_BIN:-}" ]; then
  if [ -x /usr/bin/aws ]; then AWS_BIN=/usr/bin/aws; else AWS_BIN=$(command -v aws || true); fi
fi
if [ -z "$AWS_BIN" ]; then
  echo "the aws CLI is required for the end-to-end tests (apt-get install awscli, as .ci/run does)" >&2
  exit 1
fi
export AWS_PAGER="" AWS_DEFAULT_OUTPUT=json AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ENDPOINT_URL AWS_SESSION_TOKEN
WORK=$(mktemp -d)
export AWS_CONFIG_FILE="$WORK/aws-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials"
: > "$AWS_CONFIG_FILE"
: > "$AWS_SHARED_CREDENTIALS_FILE"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# start_imago NAME [serve args...]: starts a server, sets ${NAME}_URL. Nothing boots unless the
# args ask for --compute (the API scripts test the state machine, not VMs).
start_imago() {
  local name=$1
  shift
  local log="$WORK/$name.log"
  : >"$log"
  local compute=(--compute none)
  [[ " $* " == *" --compute "* ]] && compute=()
  node "$ROOT/bin/imago.mjs" serve --port 0 --data-dir "$WORK/$name-data" "${compute[@]}" "$@" >"$log" 2>&1 &
  PIDS+=($!)
  printf -v "${name}_PID" '%s' "$!"
  local url=""
  for _ in $(seq 1 100); do
    url=$(grep -o '"msg":"listening","url":"[^"]*"' "$log" 2>/dev/null | sed 's/.*"url":"\([^"]*\)"/\1/' || true)
    [ -n "$url" ] && break
    sleep 0.1
  done
  if [ -z "$url" ]; then
    echo "imago ($name) did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
  printf -v "${name}_URL" '%s' "$url"
}

# restart_imago NAME [serve args...]: stops NAME's server gracefully (SIGTERM) and starts it
# again on the same data directory; sets ${NAME}_URL anew (the port changes)
restart_imago() {
  local name=$1
  local pid_var="${name}_PID"
  kill -TERM "${!pid_var}"
  wait "${!pid_var}" 2>/dev/null || true
  start_imago "$@"
}

# the CLI against the `dev` server (start_imago dev …), as its caller or as account 222222222222
ec2() { "$AWS_BIN" --endpoint-url "$dev_URL" ec2 "$@"; }
as_bob() { AWS_ACCESS_KEY_ID=222222222222 "$AWS_BIN" --endpoint-url "$dev_URL" ec2 "$@"; }

PASS=0
ok() {
  PASS=$((PASS + 1))
  echo "ok $PASS - $*"
}
fail() {
  echo "not ok - $*" >&2
  exit 1
}

# expect_contains HAYSTACK NEEDLE DESCRIPTION
expect_contains() {
  case "$1" in
    *"$2"*) ok "$3" ;;
    *) fail "$3: expected output to contain [$2], got: $1" ;;
  esac
}

# run_aws_fail: runs the CLI, expecting failure; prints stderr; sets RC
run_aws_fail() {
  set +e
  OUT=$("$AWS_BIN" "$@" 2>&1)
  RC=$?
  set -e
  if [ "$RC" -eq 0 ]; then fail "expected [aws $*] to fail, it succeeded: $OUT"; fi
}

# wait_for DESCRIPTION EXPECTED COMMAND...: polls COMMAND until it prints EXPECTED (the CLI's
# own waiters sleep 15 s between polls)
wait_for() {
  local what=$1 want=$2
  shift 2
  local got=""
  for _ in $(seq 1 200); do
    got=$("$@")
    [ "$got" = "$want" ] && return 0
    sleep 0.05
  done
  fail "$what: expected [$want], last saw [$got]"
}

# debian_image: waits until the server (started with --compute qemu) has published its built
# Debian 12 image, which deprecates the catalog's placeholder; prints the built image's id
debian_image() {
  local all=0
  for _ in $(seq 1 600); do
    all=$(ec2 describe-images --owners 136693071363 --include-deprecated --filters 'Name=name,Values=debian-12-amd64-*' --query 'length(Images)' --output text)
    [ "$all" = "2" ] && break
    sleep 0.2
  done
  [ "$all" = "2" ] || fail "the built Debian image was not published"
  ec2 describe-images --owners 136693071363 --filters 'Name=name,Values=debian-12-amd64-*' --query 'Images[0].ImageId' --output text
}

