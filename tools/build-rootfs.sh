#!/bin/sh
# Builds the Peapod demo/test image root filesystem from Debian's busybox-static package.
#
#   tools/build-rootfs.sh [OUTPUT_DIR]        (default: rootfs/build/busybox, git-ignored)
#
# then, as root:  peapod image import busybox OUTPUT_DIR \
#                   --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
#                   --change 'CMD ["sh"]'
#
# What goes in and why: rootfs/README.md. The script is idempotent (a second run changes nothing
# and takes a fraction of a second: stand-ins are recompiled only when their source changed), needs
# no network, and runs as root or not (as root every file is owned by root, as in the upstream
# image; otherwise files are owned by the caller, and the script says so).
set -eu

script_dir=$(cd "$(dirname "$0")" && pwd)
repo_dir=$(dirname "$script_dir")
src_dir="$repo_dir/rootfs/src"
out="${1:-$repo_dir/rootfs/build/busybox}"

fail() { echo "build-rootfs: error: $*" >&2; exit 1; }

# --- the busybox binary: Debian's static build, which runs in an image with no libc ------------
busybox=""
if command -v dpkg-query >/dev/null 2>&1 &&
    [ "$(dpkg-query -W -f='${Status}' busybox-static 2>/dev/null || true)" = "install ok installed" ]; then
    busybox=$(dpkg-query -L busybox-static | grep -m 1 '/busybox$' || true)
fi
if [ -z "$busybox" ] || [ ! -x "$busybox" ]; then
    fail "the busybox-static package is not installed; install it with:
    sudo apt-get install -y busybox-static"
fi
# The dynamic 'busybox' package also ships /bin/busybox; the two conflict, but check anyway.
if command -v file >/dev/null 2>&1 && file -L "$busybox" | grep -q 'dynamically linked'; then
    fail "$busybox is dynamically linked; install the static build with:
    sudo apt-get install -y busybox-static"
fi
command -v gcc >/dev/null 2>&1 || fail "gcc is needed to build the ipcmk/ipcs/ipcrm/printenv stand-ins; install it with:
    sudo apt-get install -y gcc libc6-dev"

case "$out" in
/*) ;;
*) out="$(pwd)/$out" ;;
esac
mkdir -p "$out"

# --- directories: the upstream busybox image's, plus the FHS ones that --list-full names --------
for d in bin sbin usr/bin usr/sbin usr/local/bin etc home home/user root tmp var var/spool/mail \
    var/www var/tmp proc sys dev run mnt opt; do
    mkdir -p "$out/$d"
done
chmod 0755 "$out" "$out/home" "$out/var" "$out/etc"
chmod 0700 "$out/root"
chmod 1777 "$out/tmp" "$out/var/tmp"
# proc, sys and dev are mount points: the runtime mounts a fresh proc, a read-only sysfs and a
# tmpfs /dev over them, so they stay empty here.
chmod 0555 "$out/proc" "$out/sys"
chmod 0755 "$out/dev"

# install_if_changed SRC DEST MODE: copies only when the content differs (keeps reruns cheap and
# the mtime of unchanged files stable).
install_if_changed() {
    if [ ! -f "$2" ] || ! cmp -s "$1" "$2"; then
        rm -f "$2"
        cp "$1" "$2"
    fi
    chmod "$3" "$2"
}

install_if_changed "$busybox" "$out/bin/busybox" 0755

# --- one relative symlink per applet, at the path busybox itself reports -----------------------
# Relative links resolve the same inside the container and when the folder is inspected on the
# host. (linuxrc, the initrd entry point, is left out as in the upstream image.)
# Computed in one awk pass against the links already there, so a rerun forks only for the links
# that are missing or wrong.
existing="$out/.peapod-links.$$"
(cd "$out" && find . -type l -printf '%P %l\n') >"$existing"
"$out/bin/busybox" --list-full | awk -v existing="$existing" '
    BEGIN { while ((getline line < existing) > 0) { split(line, f, " "); have[f[1]] = f[2] } }
    $0 == "" || $0 == "bin/busybox" || $0 == "linuxrc" { next }
    {
        n = split($0, parts, "/")
        if (n == 1) target = "bin/busybox"
        else if (parts[1] == "bin" && n == 2) target = "busybox"
        else { target = ""; for (i = 1; i < n; i++) target = target "../"; target = target "bin/busybox" }
        if (have[$0] != target) print $0 " " target
    }' | while read -r applet target; do
    rm -rf "${out:?}/$applet"
    ln -s "$target" "$out/$applet"
done
rm -f "$existing"

# --- stand-ins for applets the upstream image has and Debian's build lacks ---------------------
# Static C programs (no libc in the image), placed in /bin like the upstream image's applets.
# Compiled only when the source (or the shared header) is newer than the binary.
for tool in ipcmk ipcs ipcrm printenv; do
    src="$src_dir/$tool.c"
    bin="$out/bin/$tool"
    [ -f "$src" ] || fail "missing source $src"
    if [ ! -f "$bin" ] || [ -L "$bin" ] || [ "$src" -nt "$bin" ] || [ "$src_dir/ipc_common.h" -nt "$bin" ]; then
        rm -f "$bin"
        gcc -static -O2 -s -Wall -Wextra -o "$bin.tmp" "$src" || fail "compiling $src failed"
        mv "$bin.tmp" "$bin"
    fi
    chmod 0755 "$bin"
done

# --- /etc: users and groups as the upstream image has them, plus an ordinary user 1000 ----------
# A static binary cannot use NSS, so names are resolved from these files (runAsUser by name,
# `id`, `ls -l`, ipcs's owner column).
write_if_changed() { # DEST MODE, content on stdin
    tmp="$1.tmp.$$"
    cat >"$tmp"
    if [ -f "$1" ] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv -f "$tmp" "$1"; fi
    chmod "$2" "$1"
}

write_if_changed "$out/etc/passwd" 0644 <<'EOF'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/home:/bin/false
EOF

write_if_changed "$out/etc/group" 0644 <<'EOF'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
lp:x:7:
mail:x:8:
kmem:x:9:
wheel:x:10:root
cdrom:x:11:
dialout:x:18:
floppy:x:19:
video:x:26:
audio:x:29:
tape:x:32:
www-data:x:33:
operator:x:37:
utmp:x:43:
users:x:100:
user:x:1000:
nogroup:x:65534:
EOF

write_if_changed "$out/etc/shadow" 0600 <<'EOF'
root:*:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
bin:*:19000:0:99999:7:::
sys:*:19000:0:99999:7:::
sync:*:19000:0:99999:7:::
mail:*:19000:0:99999:7:::
www-data:*:19000:0:99999:7:::
operator:*:19000:0:99999:7:::
user:*:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
EOF

# Mount targets only: every container gets the pod's /etc/hosts, /etc/hostname and
# /etc/resolv.conf bind-mounted over these (as the kubelet does), so they stay empty here.
for f in hosts hostname resolv.conf; do
    [ -f "$out/etc/$f" ] || : >"$out/etc/$f"
    chmod 0644 "$out/etc/$f"
done

# --- ownership -----------------------------------------------------------------------------------
if [ "$(id -u)" -eq 0 ]; then
    chown -hR 0:0 "$out"
    chown -h 1000:1000 "$out/home/user"
    chown -h 33:33 "$out/var/www"
    chown -h 8:8 "$out/var/spool/mail"
else
    echo "build-rootfs: note: not running as root, so files are owned by $(id -un) (uid $(id -u));" \
        "rerun as root for a root-owned image" >&2
fi

echo "$out"
