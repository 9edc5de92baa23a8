#!/usr/bin/env bash
# Peapod's benchmark against crun, runc, podman, bwrap and bare unshare (issue 5).
#
#   sudo bash tools/bench/run.sh [--quick] [--json FILE] [--no-build] [--no-podman]
#
# One command, as root (re-runs itself with sudo). It installs missing peers from the
# distribution (crun, runc, bubblewrap, hyperfine, podman), builds the static release peapod
# and peapod-supervisor (not installed anywhere), builds the busybox rootfs, then tools/bench/bench.py measures
# everything in one run with a private PEAPOD_ROOT/PEAPOD_RUN_ROOT and a private podman store
# under one temp dir, prints a table with ratios Peapod/peer and the issue's targets, writes
# JSON (default: docs/benchmarks.json, git-ignored) and removes everything it made.
# Timings are noisy on shared machines: every row reports min/median/max over repetitions.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
become_root "$@"

build=1
args=()
for arg in "$@"; do
    case "$arg" in
        --no-build) build=0 ;;
        *) args+=("$arg") ;;
    esac
done

install_packages
need=()
for pkg in crun runc bubblewrap hyperfine python3 util-linux; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "==> installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# podman is optional: when it cannot be installed the table says so ("n/a").
if ! command -v podman >/dev/null; then
    echo "==> installing podman (optional peer)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman >/dev/null 2>&1 ||
        echo "    podman could not be installed; its rows will read n/a"
fi

PEAPOD_BIN="$PEAPOD_SRC/.build/release/peapod"
if [ "$build" = 1 ]; then
    find_swift
    echo "==> building peapod and peapod-supervisor (release, static)"
    (cd "$PEAPOD_SRC" && swift build -c release -Xswiftc -static-executable 2>&1 |
        grep -v "statically linked applications requires at runtime" | tail -n 3)
fi
for bin in "$PEAPOD_BIN" "$PEAPOD_SRC/.build/release/peapod-supervisor"; do
    [ -x "$bin" ] || { echo "error: $bin is missing (build it, or drop --no-build)" >&2; exit 1; }
done
build_image

exec python3 "$PEAPOD_SRC/tools/bench/bench.py" --peapod "$PEAPOD_BIN" \
    --rootfs "$PEAPOD_SRC/rootfs/build/busybox" "${args[@]}"
