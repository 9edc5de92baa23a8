#!/usr/bin/env bash
# Regenerates tools/supervisor.order: the functions a peapod-supervisor runs, in the order the
# linker should place them (Package.swift passes the file to lld as --symbol-ordering-file), so
# that a supervisor's code sits together and a running pod maps fewer pages of the binary
# (docs/benchmarks.md, runtime memory per pod). Run as root after changing the supervisor:
#
#   sudo bash tools/bench/order.sh
#
# The list comes from callgrind (every function executed, by its linker name) over two pods: a
# /bin/true pod, and a crash-looping pod with a preStop hook and an exec probe, both applied and
# then deleted;
# plus glibc's AVX-512/EVEX string functions, which the real CPU picks and valgrind's does not.
# Names that later disappear from the code are ignored by the linker.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
become_root "$@"
set -u
command -v valgrind >/dev/null || install_packages valgrind
work=$(mktemp -d /tmp/peapod-order-XXXXXX)
export PEAPOD_ROOT=$work/root PEAPOD_RUN_ROOT=$work/run
trap '"$work/peapod" delete pod order-true order-crash --grace-period=0 --force >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
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
# order FILE BINARY CMD-PATTERN [TRACE...]: the functions the traced processes whose command
# matches ran, first seen first, then glibc's AVX-512/EVEX string functions.
order() {
    local name=$1 binary=$2 pattern=$3
    local out=$PEAPOD_SRC/tools/$name
    shift 3
    {
        for f in "$@"; do
            if grep -q -E "^cmd: +$pattern" "$f"; then
                grep -E '^c?fn=\([0-9]+\) ' "$f" | sed -E 's/^c?fn=\([0-9]+\) //'
            fi
        done | grep -v -E '^\(below main\)|^0x' | awk '!seen[$0]++'
        nm "$PEAPOD_SRC/.build/release/$binary" | awk '{print $3}' | grep -E '^__(mem|str|stp|raw)[a-z]*_(avx512|evex)' | sort -u
    } > "$out"
    echo "$(wc -l < "$out") functions in tools/$name"
}
order supervisor.order peapod-supervisor '.*peapod-supervisor' "$work"/cg.true.* "$work"/cg.crash.*
order cli.order peapod '\S*/peapod (run|apply)' "$work"/cg.run.* "$work"/cg.true.* "$work"/cg.crash.*
