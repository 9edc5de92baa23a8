#!/usr/bin/env bash
# Side by side: a container that exits 1 at once, under restartPolicy OnFailure, for 60 s
# (or $1 seconds), in Peapod (the kubelet's default back-off) and in `podman kube play`.
# Prints each one's restart count and status at the end. Needs root, peapod on PATH (or
# PEAPOD=path), podman, and the busybox root filesystem (tools/build-rootfs.sh).
set -euo pipefail
[ "$(id -u)" = 0 ] || exec sudo bash "$0" "$@"
seconds=${1:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
peapod=${PEAPOD:-peapod}
rootfs=$src/rootfs/build/busybox
[ -x "$rootfs/bin/busybox" ] || bash "$src/tools/build-rootfs.sh" "$rootfs" >/dev/null
tmp=$(mktemp -d /tmp/peapod-crashloop-XXXXXX)
export PEAPOD_ROOT=$tmp/peapod PEAPOD_RUN_ROOT=$tmp/peapod-run CONTAINERS_CONF=$tmp/containers.conf
# Root here may lack CAP_SYS_RESOURCE: podman's default ulimits are lowered so it can start at all.
cat > "$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
netns = "none"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
CONF
podman=(podman --root "$tmp/podman/storage" --runroot "$tmp/podman/run" --tmpdir "$tmp/podman/tmp"
        --storage-driver overlay --cgroup-manager cgroupfs --events-backend file --runtime runc)
cleanup() {
    "$peapod" delete pod crash --grace-period=0 --force >/dev/null 2>&1 || true
    "${podman[@]}" kube down "$tmp/crash.yaml" >/dev/null 2>&1 || true
    "${podman[@]}" system reset -f >/dev/null 2>&1 || true
    umount -R "$tmp/podman" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
cat > "$tmp/crash.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  restartPolicy: OnFailure
  containers:
  - {name: app, image: busybox, command: [sh, -c, "exit 1"]}
YAML
"$peapod" image import busybox "$rootfs" --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["sh"]' >/dev/null
tar -C "$rootfs" -c . | "${podman[@]}" import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["sh"]' - docker.io/library/busybox:latest >/dev/null 2>&1
"$peapod" apply -f "$tmp/crash.yaml" >/dev/null
"${podman[@]}" kube play --network none "$tmp/crash.yaml" >/dev/null
sleep "$seconds"
echo "after ${seconds}s:"
echo "peapod:"
"$peapod" get pods crash | sed 's/^/  /'
echo "  phase: $("$peapod" get pod crash -o json | python3 -c 'import json,sys; s=json.load(sys.stdin)["status"]; c=s["containerStatuses"][0]; print(s["phase"], c["restartCount"], c["state"])')"
echo "podman kube play:"
"${podman[@]}" ps -a --filter name=crash-app --format '  {{.Names}} status={{.Status}}'
"${podman[@]}" pod ps --filter name=crash --format '  pod {{.Name}} status={{.Status}}'
echo "  restart count: $("${podman[@]}" inspect crash-app --format '{{.RestartCount}}')"
