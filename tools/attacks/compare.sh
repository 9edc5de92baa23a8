#!/usr/bin/env bash
# Runs the attacks of tools/attacks/attack.c against Peapod and against `podman run` with its
# defaults and runc, and prints a markdown table (attack | Peapod | podman (runc)) for
# docs/security.md. The full output of every run goes to standard error.
#
# Nothing leaves this machine: both runtimes run inside `unshare --net --mount`, a network
# namespace with only loopback (podman's default bridge and NAT have nowhere to go) and a private
# mount namespace (no storage or state mount outlives the run; /run and /var/lib are private
# tmpfs there, so podman's netavark, runc and image-cache state stay in it too). Each runtime has
# its own state under one /tmp directory, removed at the end; the busybox image is imported from
# rootfs/build/busybox, never pulled.
#
# Three runs per runtime: `attack all` in a default container; `attack all` beside a peer with a
# shared PID namespace (Peapod: shareProcessNamespace; podman: a pod sharing pid); watch-exec
# while six `exec`s enter the container.
#
# Usage: sudo bash tools/attacks/compare.sh > table.md
#   PEAPOD_BIN          the peapod to test (default .build/debug/peapod; build it first)
#   PEAPOD_TEST_ROOTFS  the busybox root (default rootfs/build/busybox)
set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PATH_ENV='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
EXECS=6

log() { echo "==> $*" >&2; }

# ------------------------------------------------------------------------------------------
# Inside the private network and mount namespaces.

inside() {
    local W=$1
    ip link set lo up
    mount -t tmpfs -o mode=755 tmpfs /run
    mount -t tmpfs -o mode=755 tmpfs /var/lib
    export TMPDIR=$W/tmp
    mkdir -p "$W/results" "$TMPDIR"

    local comm="ppmark$RANDOM" abstract="peapod-compare-$$"
    "$W/bin/attack" listen --tcp 0.0.0.0:0 --abstract "$abstract" --name "$comm" --seconds 1200 >"$W/listen.out" &
    local listener=$!
    trap 'inside_cleanup '"$W"' '"$listener" EXIT
    for _ in $(seq 50); do grep -q ready "$W/listen.out" && break; sleep 0.1; done
    local port
    port=$(awk '/^tcp/ {print $2}' "$W/listen.out")
    local ns="" t
    for t in mnt pid net ipc uts cgroup; do ns+="${ns:+,}$t:$(stat -Lc %i /proc/self/ns/$t)"; done
    ARGS=(--marker "$W/host-marker" --host-ns "$ns" --connect "127.0.0.1:$port" --abstract "$abstract"
          --host-proc "$comm" --try-gateway)

    run_peapod "$W"
    run_podman "$W"
}

inside_cleanup() {
    local W=$1 listener=$2
    kill "$listener" 2>/dev/null || true
    if [ -n "${P:-}" ]; then
        $P pod rm -af -t 0 >/dev/null 2>&1 || true
        $P rm -af -t 0 >/dev/null 2>&1 || true
    fi
    if [ -n "${PP:-}" ]; then
        local pod
        for pod in attacks attacks-shared attacks-exec; do
            $PP delete pod "$pod" --grace-period=0 --force >/dev/null 2>&1 || true
        done
    fi
}

# The YAML flow list of the attack command with `words`.
flow() {
    local out="[/attacks/attack" w
    for w in "$@"; do out+=", \"$w\""; done
    echo "$out]"
}

wait_for_log() {  # command..., until its output holds SUMMARY
    local i
    for i in $(seq 600); do
        if "$@" 2>/dev/null | grep -q '^SUMMARY'; then "$@"; return; fi
        sleep 0.2
    done
    "$@" || true
}

run_peapod() {
    local W=$1
    export PEAPOD_ROOT=$W/peapod/root PEAPOD_RUN_ROOT=$W/peapod/run
    PP=$PEAPOD_BIN
    log "Peapod: $PEAPOD_BIN"
    $PP image import busybox "$ROOTFS" --change "$PATH_ENV" --change 'CMD ["sh"]' >/dev/null
    local volume="volumes: [{name: attacks, hostPath: {path: $W/bin, type: Directory}}]"
    local mount="volumeMounts: [{name: attacks, mountPath: /attacks, readOnly: true}]"

    cat >"$W/peapod-single.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata: {name: attacks}
spec:
  restartPolicy: Never
  $volume
  containers:
  - {name: attacker, image: busybox, command: $(flow all "${ARGS[@]}"), $mount}
EOF
    log "Peapod: all, default pod"
    $PP run -f "$W/peapod-single.yaml" 2>&1 | sed -n 's/^\[pod\/attacks\/attacker\] //p' | tee "$W/results/peapod-single.txt" >&2 || true

    cat >"$W/peapod-shared.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata: {name: attacks-shared}
spec:
  restartPolicy: Never
  shareProcessNamespace: true
  terminationGracePeriodSeconds: 1
  $volume
  containers:
  - {name: peer, image: busybox, command: [sleep, "3600"]}
  - {name: attacker, image: busybox, command: $(flow all "${ARGS[@]}"), $mount}
EOF
    log "Peapod: all, shared PID namespace"
    $PP apply -f "$W/peapod-shared.yaml" >/dev/null
    wait_for_log $PP logs attacks-shared -c attacker | tee "$W/results/peapod-shared.txt" >&2
    $PP delete pod attacks-shared --grace-period=0 --force >/dev/null 2>&1

    cat >"$W/peapod-exec.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata: {name: attacks-exec}
spec:
  restartPolicy: Never
  $volume
  containers:
  - {name: watcher, image: busybox, command: $(flow watch-exec --seconds 60 --until /tmp/watch-done), $mount}
EOF
    log "Peapod: watch-exec with $EXECS execs"
    $PP apply -f "$W/peapod-exec.yaml" >/dev/null
    for _ in $(seq 100); do $PP get pod attacks-exec 2>/dev/null | grep -q Running && break; sleep 0.1; done
    for _ in $(seq $EXECS); do $PP exec attacks-exec -- sleep 0.2 >/dev/null 2>&1 || true; done
    $PP exec attacks-exec -- touch /tmp/watch-done >/dev/null 2>&1 || true
    wait_for_log $PP logs attacks-exec | tee "$W/results/peapod-exec.txt" >&2
    $PP delete pod attacks-exec --grace-period=0 --force >/dev/null 2>&1
}

run_podman() {
    local W=$1
    # Bookkeeping only (where state goes, which runtime); nothing here changes the confinement.
    # The limits: podman's default RLIMIT_NOFILE/NPROC exceed what this host lets root raise to.
    cat >"$W/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=32768:32768"]
EOF
    export CONTAINERS_CONF=$W/containers.conf
    P="podman --root $W/podman/root --runroot $W/podman/runroot --tmpdir $W/podman/tmp --runtime runc
       --cgroup-manager cgroupfs --events-backend file --network-config-dir $W/podman/networks
       --volumepath $W/podman/volumes"
    P=$(echo $P)
    log "podman: $(podman --version), $(runc --version | head -n 1)"
    tar -C "$ROOTFS" -c . | $P import --change "$PATH_ENV" - localhost/busybox-attacks >/dev/null
    local image=localhost/busybox-attacks volume="-v $W/bin:/attacks:ro"

    log "podman: all, default container"
    $P run --rm $volume $image /attacks/attack all "${ARGS[@]}" 2>&1 | tee "$W/results/podman-single.txt" >&2 || true

    log "podman: all, shared PID namespace (a pod)"
    $P pod create --name attacks-shared --share pid,ipc,net,uts >/dev/null
    $P run -d --pod attacks-shared --name peer $image sleep 3600 >/dev/null
    $P run --rm --pod attacks-shared $volume $image /attacks/attack all "${ARGS[@]}" 2>&1 \
        | tee "$W/results/podman-shared.txt" >&2 || true
    $P pod rm -f -t 0 attacks-shared >/dev/null

    log "podman: watch-exec with $EXECS execs"
    $P run -d --name attacks-exec $volume $image /attacks/attack watch-exec --seconds 60 --until /tmp/watch-done >/dev/null
    for _ in $(seq $EXECS); do $P exec attacks-exec sleep 0.2 >/dev/null 2>&1 || true; done
    $P exec attacks-exec touch /tmp/watch-done >/dev/null 2>&1 || true
    $P wait attacks-exec >/dev/null || true
    $P logs attacks-exec 2>&1 | tee "$W/results/podman-exec.txt" >&2
    $P rm -f -t 0 attacks-exec >/dev/null
    $P rmi -af >/dev/null 2>&1 || true
}

if [ "${1:-}" = "--inside" ]; then
    inside "$2"
    exit 0
fi

# ------------------------------------------------------------------------------------------
# On the host: prerequisites, the run, the table, cleanup.

if [ "$(id -u)" != 0 ]; then
    exec sudo --preserve-env=PATH,PEAPOD_BIN,PEAPOD_TEST_ROOTFS bash "$0" "$@"
fi
export PEAPOD_BIN=${PEAPOD_BIN:-$SRC/.build/debug/peapod}
export ROOTFS=${PEAPOD_TEST_ROOTFS:-$SRC/rootfs/build/busybox}
[ -x "$PEAPOD_BIN" ] || { echo "error: no peapod at $PEAPOD_BIN: run swift build first" >&2; exit 1; }
[ -x "$ROOTFS/bin/busybox" ] || { echo "error: no busybox root at $ROOTFS: run tools/build-rootfs.sh" >&2; exit 1; }
if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
    log "installing podman and runc"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc >/dev/null
fi

W=$(mktemp -d /tmp/peapod-compare-XXXXXX)
# podman's cgroupfs manager makes libpod_parent in every hierarchy; remove those this run made.
cgroups_before=$(find /sys/fs/cgroup -maxdepth 2 -type d -name libpod_parent 2>/dev/null | sort)
cleanup() {
    local d
    for d in $(find /sys/fs/cgroup -maxdepth 2 -type d -name libpod_parent 2>/dev/null); do
        grep -qx "$d" <<<"$cgroups_before" && continue
        find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
    if grep -q "$W" /proc/self/mountinfo; then
        echo "warning: mounts under $W are left; not removing it" >&2
    else
        rm -rf "$W"
    fi
}
trap cleanup EXIT

mkdir -p "$W/bin"
gcc -static -O2 -o "$W/bin/attack" "$SRC/tools/attacks/attack.c"
echo "only on the host" >"$W/host-marker"
unshare --net --mount --propagation private --fork bash "$0" --inside "$W"

# The rows: every attack of `all`, the ones a shared PID namespace changes, and watch-exec.
verdict() {  # file name
    grep -m1 -E "^(BLOCKED|ESCAPED|SKIPPED) $2:" "$1" 2>/dev/null | cut -d' ' -f1 || true
}
cell() {
    case "$1" in
        BLOCKED) echo blocked ;;
        ESCAPED) echo "**ESCAPED**" ;;
        SKIPPED) echo "n/a (kernel)" ;;
        *) echo "no result" ;;
    esac
}
rows=()
for name in $("$W/bin/attack" list | grep -v '(not in all)$' | cut -d: -f1); do rows+=("single $name $name"); done
for name in proc-root ptrace setns host-procs; do rows+=("shared $name $name (shared PID ns)"); done
rows+=("exec watch-exec watch-exec (during exec)")

declare -A total
echo "| attack | Peapod | podman (runc) |"
echo "|---|---|---|"
for row in "${rows[@]}"; do
    read -r run name label <<<"$row"
    a=$(verdict "$W/results/peapod-$run.txt" "$name")
    b=$(verdict "$W/results/podman-$run.txt" "$name")
    total[peapod${a:-NONE}]=$(( ${total[peapod${a:-NONE}]:-0} + 1 ))
    total[podman${b:-NONE}]=$(( ${total[podman${b:-NONE}]:-0} + 1 ))
    echo "| $label | $(cell "$a") | $(cell "$b") |"
done
sum() {
    local text="${total[$1BLOCKED]:-0} blocked, ${total[$1ESCAPED]:-0} escaped"
    [ -n "${total[$1SKIPPED]:-}" ] && text+=", ${total[$1SKIPPED]} n/a"
    [ -n "${total[$1NONE]:-}" ] && text+=", ${total[$1NONE]} without result"
    echo "$text"
}
echo "| **total (${#rows[@]})** | $(sum peapod) | $(sum podman) |"
