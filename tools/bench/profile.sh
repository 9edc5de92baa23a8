#!/usr/bin/env bash
# Profiles one `peapod run` of a /bin/true pod (as root): callgrind instruction counts per process
# (the CLI, the supervisor, its sandbox helper and the container child before execve) with the
# top inclusive functions, and a perf profile of 30 runs by command and symbol.
#
#   sudo bash tools/bench/profile.sh [PEAPOD_BIN]      (default: .build/release/peapod)
#
# valgrind 3.19 cannot read the Swift toolchain's DWARF ("Possibly corrupted debuginfo file"), so
# callgrind runs a copy with the debug sections stripped (symbols stay). Private state under a
# temp dir, removed at the end.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
become_root "$@"
bin=$(realpath "${1:-$PEAPOD_SRC/.build/release/peapod}")
top=${TOP:-12}
work=$(mktemp -d /tmp/peapod-profile-XXXXXX)
export PEAPOD_ROOT=$work/root PEAPOD_RUN_ROOT=$work/run
trap '"$bin" delete pod bench-true --ignore-not-found >/dev/null 2>&1; rm -rf "$work"' EXIT
[ -d "$PEAPOD_SRC/rootfs/build/busybox" ] || bash "$PEAPOD_SRC/tools/build-rootfs.sh" "$PEAPOD_SRC/rootfs/build/busybox" >/dev/null
"$bin" image import busybox "$PEAPOD_SRC/rootfs/build/busybox" --change 'ENV PATH=/bin:/sbin:/usr/bin:/usr/sbin' >/dev/null
cat > "$work/true.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: bench-true
spec:
  restartPolicy: Never
  containers:
  - name: "true"
    image: busybox
    command: ["/bin/true"]
YAML
"$bin" run -f "$work/true.yaml" >/dev/null   # warm the page cache

set +e +o pipefail   # head/awk close pipes early on purpose
if command -v valgrind >/dev/null; then
    objcopy --strip-debug "$bin" "$work/peapod"
    objcopy --strip-debug "$(dirname "$bin")/peapod-supervisor" "$work/peapod-supervisor"
    (cd "$work" && valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" --trace-children=yes \
        "$work/peapod" run -f "$work/true.yaml" >/dev/null 2>"$work/valgrind.log") || true
    echo "== callgrind: instructions per process of one peapod run (pid 1 = the container child before execve)"
    for f in "$work"/cg.*; do
        cmd=$(sed -n 's/^cmd: *//p' "$f" | cut -c1-60)
        total=$(callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {print $1; exit}')
        echo "-- ${f##*/}: $total Ir: $cmd"
        callgrind_annotate --inclusive=yes "$f" 2>/dev/null | grep -E '^ *[0-9,]+ \(' |
            grep -v -E 'below main|peapod_main|runMain|0x[0-9a-f]+ \[' | head -n "$top" | cut -c1-170
    done
fi
if command -v perf >/dev/null; then
    echo "== perf: 30 x peapod run, samples by command/object, then peapod's top symbols (self)"
    perf record -q -o "$work/perf.data" -F 4999 -g -- sh -c "for i in \$(seq 30); do '$bin' run -f '$work/true.yaml' >/dev/null; done" 2>/dev/null
    perf report -i "$work/perf.data" --no-children --sort comm,dso --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -6
    for comm in "$(basename "$bin")" peapod-supervis; do
        echo "-- $comm"
        perf report -i "$work/perf.data" --no-children --comm "$(echo "$comm" | cut -c1-15)" --sort sym --stdio -g none 2>/dev/null | grep -E '^ +[0-9]' | head -n "$top" | cut -c1-150
    done
fi
