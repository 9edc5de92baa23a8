#!/usr/bin/env bash
# Regenerates tools/supervisor.order and tools/cli.order: the functions a peapod-supervisor and a
# peapod command run, in the order the
# linker should place them (Package.swift passes the file to lld as --symbol-ordering-file), so
# that a supervisor's code sits together and a running pod maps fewer pages of the binary
# (docs/benchmarks.md, runtime memory per pod). Run as root after changing the supervisor:
#
#   sudo bash tools/bench/order.sh
#
# The lists come from callgrind (every function executed, by its linker name) over three pods: a
# /bin/true pod applied and deleted, the same pod under `run` (the CLI's list), and a crash-looping
# pod; and from perf samples of a supervisor whose pod runs exec probes and hooks;
# plus glibc's AVX-512/EVEX string functions, which the real CPU picks and valgrind's does not.
# Names that later disappear from the code are ignored by the linker.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
become_root "$@"
set -u
for tool in valgrind perf; do
    command -v $tool >/dev/null && continue
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$([ $tool = perf ] && echo linux-perf || echo valgrind)" >/dev/null
done
work=$(mktemp -d /tmp/peapod-order-XXXXXX)
export PEAPOD_ROOT=$work/root PEAPOD_RUN_ROOT=$work/run
trap '"$work/peapod" delete pod order-true order-crash order-probe --grace-period=0 --force >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
(cd "$PEAPOD_SRC" && swift build -c release -Xswiftc -static-executable 2>&1 | grep -v "swift_static" | tail -n 1)
# valgrind cannot read the toolchain's DWARF: copies without debug sections (symbols stay).
objcopy --strip-debug "$PEAPOD_SRC/.build/release/peapod" "$work/peapod"
objcopy --strip-debug "$PEAPOD_SRC/.build/release/peapod-supervisor" "$work/peapod-supervisor"
[ -d "$PEAPOD_SRC/rootfs/build/busybox" ] || bash "$PEAPOD_SRC/tools/build-rootfs.sh" "$PEAPOD_SRC/rootfs/build/busybox" >/dev/null
"$work/peapod" image import busybox "$PEAPOD_SRC/rootfs/build/busybox" --change 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin' >/dev/null
cat > "$work/true.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: order-true}
spec:
  restartPolicy: Never
  containers:
  - {name: main, image: busybox, command: ["/bin/true"]}
YAML
cat > "$work/crash.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: order-crash}
spec:
  containers:
  - name: main
    image: busybox
    command: [sh, -c, "echo start; sleep 0.1; exit 1"]
    lifecycle: {preStop: {exec: {command: ["true"]}}}
    readinessProbe: {exec: {command: ["true"]}, periodSeconds: 1}
YAML
# Traced: peapod and the supervisor it starts; not the containers' own programs.
grind() {
    valgrind --tool=callgrind --demangle=no --trace-children=yes --trace-children-skip='/bin/*,sh,true' \
        --callgrind-out-file="$work/cg.$1.%p" "${@:2}" >/dev/null 2>&1 || true
}
# `apply` for the supervisor's list (`run` of one pod supervises it in the peapod process
# itself); `run` for the CLI's.
(cd "$work" && grind true "$work/peapod" apply -f "$work/true.yaml")
sed 's/order-true/order-run/' "$work/true.yaml" > "$work/run.yaml"
(cd "$work" && grind run "$work/peapod" run -f "$work/run.yaml")
(cd "$work" && grind crash "$work/peapod" apply -f "$work/crash.yaml" --backoff-base 0.2 --backoff-cap 0.4)
sleep 4
"$work/peapod" get pods order-true order-crash
"$work/peapod" delete pod order-true order-crash >/dev/null
sleep 2
# Under valgrind no container gets as far as its command (valgrind lacks openat2, which the
# container's root filesystem steps use), so probes and hooks never run there: a pod with exec
# probes and hooks runs natively instead, and perf samples its supervisor (every function it
# catches, in the order first seen, goes after callgrind's list).
cat > "$work/probe.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: order-probe}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: busybox
    command: [sh, -c, "trap 'exit 0' TERM; echo up; sleep 3600 & wait"]
    lifecycle: {postStart: {exec: {command: ["true"]}}, preStop: {exec: {command: ["true"]}}}
    livenessProbe: {exec: {command: ["true"]}, periodSeconds: 1}
    readinessProbe: {exec: {command: ["false"]}, periodSeconds: 1}
YAML
"$PEAPOD_SRC/.build/release/peapod" apply -f "$work/probe.yaml" >/dev/null
sleep 1
supervisor=$(pgrep -f "peapod-supervisor .*_order-probe_" | head -n 1)
perf record -g -F 20000 --no-inherit -p "$supervisor" -o "$work/perf.data" -- sleep 10 >/dev/null 2>&1 || true
"$PEAPOD_SRC/.build/release/peapod" delete pod order-probe >/dev/null
perf script --no-demangle -i "$work/perf.data" -F ip,sym 2>/dev/null | awk '{print $2}' > "$work/sampled" || true

# order FILE BINARY CMD-PATTERN EXTRA [TRACE...]: the functions the traced processes whose
# command matches ran, first seen first, then those in EXTRA, then glibc's AVX-512/EVEX string
# functions. Written to a temporary file first: a list that came out empty stops the script and
# leaves the committed one as it was.
order() {
    local name=$1 binary=$2 pattern=$3 extra=$4
    local out=$PEAPOD_SRC/tools/$name
    shift 4
    {
        for f in "$@"; do
            if grep -q -E "^cmd: +$pattern" "$f"; then
                grep -E '^c?fn=\([0-9]+\) ' "$f" | sed -E 's/^c?fn=\([0-9]+\) //'
            fi
        done
        cat "$extra"
    } | { grep -v -E '^\(below main\)|^0x|^\[unknown\]|^$' || true; } | awk '!seen[$0]++' > "$work/$name"
    if [ ! -s "$work/$name" ]; then
        echo "error: no functions found for tools/$name; it was left as it was" >&2
        exit 1
    fi
    nm "$PEAPOD_SRC/.build/release/$binary" | awk '{print $3}' \
        | { grep -E '^__(mem|str|stp|raw)[a-z]*_(avx512|evex)' || true; } | sort -u >> "$work/$name"
    mv "$work/$name" "$out"
    echo "$(wc -l < "$out") functions in tools/$name"
}
: > "$work/none"
order supervisor.order peapod-supervisor '.*peapod-supervisor' "$work/sampled" "$work"/cg.true.* "$work"/cg.crash.*
order cli.order peapod '\S*/peapod (run|apply)' "$work/none" "$work"/cg.run.* "$work"/cg.true.* "$work"/cg.crash.*
