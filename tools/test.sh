#!/usr/bin/env bash
# Set up what the test suite needs and run it: unit tests (no root needed) and the integration
# tests that run real pods (root; this script makes itself root). With CI=true (.ci/run sets it)
# a root suite whose preconditions are missing fails the run instead of being skipped.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
become_root "$@"
install_packages
find_swift
command -v kubernetes-validate >/dev/null || python3 -m pip install -q kubernetes-validate 2>/dev/null \
    || python3 -m pip install -q --break-system-packages kubernetes-validate || true
build_image
cd "$PEAPOD_SRC"
echo "==> building peapod and its tests"
swift build --build-tests >.build-tests.log 2>&1 || { cat .build-tests.log; exit 1; }
grep -E "warning:|error:" .build-tests.log || true
export PEAPOD_BIN="$(swift build --show-bin-path)/peapod"
export PEAPOD_TEST_ROOTFS="$PEAPOD_SRC/rootfs/build/busybox"
swift test --skip-build
