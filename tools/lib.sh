# Shared steps of tools/demo.sh and tools/test.sh: become root, install what Peapod needs from
# the distribution, build, and import the busybox image. Sourced, not run.

set -euo pipefail
PEAPOD_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Re-run the calling script as root when it is not (sudo is only needed on a user's machine).
become_root() {
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "error: run this as root (sudo is not installed)" >&2; exit 1; }
        exec sudo --preserve-env=PATH,PEAPOD_ROOT,PEAPOD_RUN_ROOT,CI bash "$0" "$@"
    fi
}

find_swift() {
    for dir in /opt/swift/usr/bin /usr/share/swift/usr/bin /usr/local/swift/usr/bin; do
        [ -x "$dir/swift" ] && case ":$PATH:" in *":$dir:"*) ;; *) PATH="$dir:$PATH" ;; esac
    done
    export PATH
    if ! command -v swift >/dev/null; then
        # Debian 13 and Ubuntu 24.04 and later package the toolchain as swiftlang.
        apt-get install -y -qq swiftlang >/dev/null 2>&1 || true
    fi
    command -v swift >/dev/null || {
        echo "error: no Swift toolchain found: install Swift 6 from https://www.swift.org/install/linux/ and run this again" >&2
        exit 1
    }
}

install_packages() {
    local need=()
    # bsdutils (util-linux's script(1)): the attach test puts peapod on a terminal with it.
    # libnftables-dev: the header of the pod network's rules (the library is dlopen'ed);
    # iproute2 and nftables: NetworkTests' private namespace and its look at the rules.
    for pkg in libseccomp-dev libcap-dev libyaml-dev libnftables-dev busybox-static iproute2 nftables gcc libc6-dev tar bsdutils; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
    done
    if [ ${#need[@]} -gt 0 ]; then
        echo "==> installing ${need[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    fi
}

# The static release binaries: no shared libraries, fast to start. peapod starts one
# peapod-supervisor per pod from its own directory, so both are installed side by side.
build_release() {
    echo "==> building peapod and peapod-supervisor (release, static)"
    (cd "$PEAPOD_SRC" && swift build -c release -Xswiftc -static-executable 2>&1 | grep -v "swift_static" | tail -n 3)
    PEAPOD_BIN="$PEAPOD_SRC/.build/release/peapod"
    install -m 0755 "$PEAPOD_BIN" /usr/local/bin/peapod
    install -m 0755 "$PEAPOD_SRC/.build/release/peapod-supervisor" /usr/local/bin/peapod-supervisor
}

build_image() {
    echo "==> building the busybox root filesystem"
    bash "$PEAPOD_SRC/tools/build-rootfs.sh" "$PEAPOD_SRC/rootfs/build/busybox" >/dev/null
}

import_image() {
    local bin=$1
    "$bin" image import busybox "$PEAPOD_SRC/rootfs/build/busybox" \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["sh"]' >/dev/null
}
