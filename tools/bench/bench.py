#!/usr/bin/env python3
"""Peapod's benchmark (issue 5): measures Peapod against crun, runc, podman, bwrap and a bare
unshare in one run, prints a table with the ratios Peapod/peer and the issue's targets, and
writes the raw samples as JSON. Started by tools/bench/run.sh, which installs and builds first.

Everything lives under one temp dir (a private PEAPOD_ROOT/PEAPOD_RUN_ROOT, OCI bundle, crun/runc
state, a private podman store) and is removed at the end, also on failure. Only loopback and
namespaces made here are used: podman runs with --network none, OCI containers in a fresh
network namespace with no interfaces but lo."""

import argparse
import datetime
import json
import os
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
KEEP_RUNNING = "trap 'exit 0' TERM; sleep 3600 & wait"
# containerd's default capabilities, which every Peapod container gets (docs/security.md).
DEFAULT_CAPS = ["CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP",
                "SETPCAP", "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"]


def now():
    return time.monotonic_ns()


def summary(samples_ms):
    if not samples_ms:
        return None
    return {
        "min": min(samples_ms),
        "median": statistics.median(samples_ms),
        "max": max(samples_ms),
        "n": len(samples_ms),
        "samples": samples_ms,
    }


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Unavailable(Exception):
    pass


class Bench:
    def __init__(self, opts):
        self.opts = opts
        self.peapod = os.path.realpath(opts.peapod)
        # apply/run start one peapod-supervisor per pod from peapod's own directory.
        self.supervisor = os.path.join(os.path.dirname(self.peapod), "peapod-supervisor")
        self.rootfs = os.path.realpath(opts.rootfs)
        self.tmp = tempfile.mkdtemp(prefix="peapod-bench-", dir="/tmp")
        self.env = dict(os.environ)
        self.env["PEAPOD_ROOT"] = os.path.join(self.tmp, "peapod")
        # Run-time state (Peapod's run root, the OCI runtimes' --root, podman's --runroot) lives
        # under /run by default, a tmpfs on a standard host; the benchmark gives all of them one
        # private tmpfs (removed in cleanup), whatever this host's /run is on.
        self.run_tmp = os.path.join(self.tmp, "run")
        os.makedirs(self.run_tmp)
        if not opts.run_on_disk:
            subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755,size=512m", "bench-run", self.run_tmp], check=True)
        self.env["PEAPOD_RUN_ROOT"] = os.path.join(self.run_tmp, "peapod")
        self.env["CONTAINERS_CONF"] = os.path.join(self.tmp, "containers.conf")
        self.podman = [
            "podman", "--root", os.path.join(self.tmp, "podman/storage"),
            "--runroot", os.path.join(self.run_tmp, "podman"),
            "--tmpdir", os.path.join(self.tmp, "podman/tmp"),
            "--storage-driver", "overlay", "--cgroup-manager", "cgroupfs",
            "--events-backend", "file", "--runtime", "runc",
        ]
        self.podman_reason = None
        self.results = {}
        self.notes = []
        if not opts.run_on_disk:
            self.notes.append("run-time state (Peapod's run root, crun/runc --root, podman --runroot) on a private "
                              "tmpfs, as /run is on a standard host")
        scale = 1 if not opts.quick else 3
        self.reps = lambda n: max(3, n // scale)
        self.pods = opts.pods

    # ---- helpers --------------------------------------------------------------------------

    def run(self, argv, check=True, capture=True, timeout=600, env=None):
        p = subprocess.run(argv, env=env or self.env, stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                           stderr=subprocess.PIPE, timeout=timeout, text=True)
        if check and p.returncode != 0:
            raise RuntimeError(f"{shlex.join(argv)} exited {p.returncode}: {p.stderr.strip()[-800:]}")
        return p

    def pp(self, *args, **kw):
        return self.run([self.peapod, *args], **kw)

    def hyperfine(self, name, argv, runs, warmup=3, wrap=None, env=None):
        """Whole-process wall time of `argv` with hyperfine (no shell), in ms."""
        out = os.path.join(self.tmp, f"hf-{name}.json")
        cmd = ["hyperfine", "-N", "--style", "none", "--warmup", str(warmup), "--runs", str(runs),
               "--export-json", out, shlex.join(argv)]
        if wrap:
            cmd = wrap(cmd)
        self.run(cmd, timeout=900, env=env)
        with open(out) as f:
            times = json.load(f)["results"][0]["times"]
        return summary([t * 1000 for t in times])

    def timed(self, argv, **kw):
        t0 = now()
        self.run(argv, **kw)
        return (now() - t0) / 1e6

    def timed_cpu(self, argv, **kw):
        """Wall time and CPU time (user + system of the process and the children it waited
        for) of one run, in ms. CPU time hardly moves with the load of other work."""
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = self.timed(argv, **kw)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
        return wall, cpu

    def peapod_status(self):
        """{pod name: status.json} for every pod in the private store."""
        pods_dir = os.path.join(self.env["PEAPOD_ROOT"], "pods")
        result = {}
        try:
            entries = os.listdir(pods_dir)
        except FileNotFoundError:
            return result
        for entry in entries:
            try:
                with open(os.path.join(pods_dir, entry, "status.json")) as f:
                    result[entry.split("_")[1]] = json.load(f)
            except (FileNotFoundError, ValueError):
                result[entry.split("_")[1]] = None
        return result

    @staticmethod
    def all_running(status, containers):
        if not status:
            return False
        cs = status.get("status", {}).get("containerStatuses", [])
        running = {c["name"] for c in cs if "running" in c.get("state", {})}
        return set(containers) <= running

    def wait_peapod_running(self, names, containers, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.peapod_status()
            if all(self.all_running(status.get(n), containers) for n in names):
                return now()
            time.sleep(0.001)
        raise RuntimeError(f"peapod pods {names[:3]}... not Running within {timeout} s")

    def peapod_processes(self, purgers=False):
        """Pids of every process running peapod or peapod-supervisor (next to it): the
        supervisors; with purgers=True only the store's trash purgers (forks named peapod-purge,
        short-lived background removal of deleted pods' files)."""
        binaries = {self.peapod, self.supervisor}
        pids = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    if os.readlink(f"/proc/{d}/exe") in binaries:
                        with open(f"/proc/{d}/comm", "rb") as f:
                            purger = f.read().strip() == b"peapod-purge"
                        if purger == purgers:
                            pids.append(int(d))
                except OSError:
                    pass
        return [p for p in pids if p != os.getpid()]

    @staticmethod
    def describe_processes(pids):
        out = []
        for p in pids:
            try:
                with open(f"/proc/{p}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
                state = (Bench.stat_fields(p) or ["gone"])[0]
                out.append(f"{p} [{state}] {cmd}")
            except OSError:
                pass
        return out

    def trash_left(self, timeout=5.0, root=None):
        """Entries of the store's trash still there after the purgers had `timeout` seconds."""
        trash = os.path.join(root or self.env["PEAPOD_ROOT"], "trash")
        deadline = time.time() + timeout
        while True:
            left = [e for e in (os.listdir(trash) if os.path.isdir(trash) else []) if e != ".lock"]
            if (not left and not self.peapod_processes(purgers=True)) or time.time() > deadline:
                return left
            time.sleep(0.01)

    @staticmethod
    def pss_kib(pid):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    @staticmethod
    def cpu_ns(pid):
        """CPU time in ns from /proc/PID/schedstat (utime/stime have a 10 ms tick)."""
        try:
            with open(f"/proc/{pid}/schedstat") as f:
                return int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return 0

    def manifest(self, name, pods, containers, command, restart="Always", grace=5, probe=None, security=None):
        docs = []
        for i in range(pods):
            pod_name = name if pods == 1 else f"{name}-{i}"
            lines = [
                "apiVersion: v1", "kind: Pod", f"metadata:\n  name: {pod_name}", "spec:",
                f"  restartPolicy: {restart}", f"  terminationGracePeriodSeconds: {grace}", "  containers:",
            ]
            for i, c in enumerate(containers):
                lines += [f"  - name: {json.dumps(c)}", "    image: busybox", f"    command: {json.dumps(command)}"]
                if security:
                    lines += [f"    securityContext: {json.dumps(security)}"]
                if probe and i == 0:
                    lines += [f"    livenessProbe: {json.dumps(probe)}"]
            docs.append("\n".join(lines) + "\n")
        path = os.path.join(self.tmp, f"{name}.yaml")
        with open(path, "w") as f:
            f.write("---\n".join(docs))
        return path

    # ---- setup ----------------------------------------------------------------------------

    def setup(self):
        log(f"==> setting up in {self.tmp}")
        self.pp("image", "import", "busybox", self.rootfs,
                "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "--change", 'CMD ["sh"]')
        # The OCI bundle for crun and runc: the same rootfs, read-only, /bin/true, no terminal.
        bundle = os.path.join(self.tmp, "bundle")
        os.makedirs(bundle)
        self.run(["runc", "spec", "--bundle", bundle])
        with open(os.path.join(bundle, "config.json")) as f:
            spec = json.load(f)
        spec["process"]["terminal"] = False
        spec["process"]["args"] = ["/bin/true"]
        spec["root"] = {"path": self.rootfs, "readonly": True}
        spec["hostname"] = "bench"
        # Confined as a Peapod container is: containerd's 14 default capabilities and Peapod's
        # RuntimeDefault seccomp profile, so that (1) compares like with like.
        caps = ["CAP_" + c for c in DEFAULT_CAPS]
        spec["process"]["capabilities"] = {"bounding": caps, "effective": caps, "permitted": caps}
        spec["linux"]["seccomp"] = self.oci_seccomp(DEFAULT_CAPS)
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(spec, f, indent=1)
        self.bundle = bundle
        self.hybrid = self.cgroup_hybrid()
        self.setup_podman()

    def oci_seccomp(self, caps):
        """Peapod's RuntimeDefault (`peapod seccomp default`, Docker/moby form) resolved for these
        capabilities, this architecture and kernel into the OCI form runc and crun take, as moby
        resolves its profile into a container's spec."""
        profile = json.loads(self.pp("seccomp", "default").stdout)
        machine = os.uname().machine
        go_arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
        kernel = tuple(int(x) for x in os.uname().release.split("-")[0].split(".")[:2])
        have = {"CAP_" + c for c in caps}

        def kernel_at_least(v):
            return kernel >= tuple(int(x) for x in v.split(".")[:2])

        def included(cond):
            if not cond:
                return True
            if cond.get("arches") and go_arch not in cond["arches"]:
                return False
            if any(c not in have for c in cond.get("caps") or []):
                return False
            return not cond.get("minKernel") or kernel_at_least(cond["minKernel"])

        def excluded(cond):
            if not cond:
                return False
            if go_arch in (cond.get("arches") or []) or any(c in have for c in cond.get("caps") or []):
                return True
            return bool(cond.get("minKernel")) and kernel_at_least(cond["minKernel"])

        native = {"x86_64": "SCMP_ARCH_X86_64", "aarch64": "SCMP_ARCH_AARCH64"}.get(machine)
        arches = []
        for entry in profile.get("archMap") or []:
            if entry["architecture"] == native:
                arches = [native] + (entry.get("subArchitectures") or [])
        syscalls = []
        for rule in profile["syscalls"]:
            if not included(rule.get("includes")) or excluded(rule.get("excludes")):
                continue
            out = {"names": rule["names"], "action": rule["action"]}
            if rule.get("errnoRet") is not None:
                out["errnoRet"] = rule["errnoRet"]
            if rule.get("args"):
                out["args"] = rule["args"]
            syscalls.append(out)
        # No "flags": runc 1.1 refuses them (Peapod loads with SPEC_ALLOW, which only spares
        # the container's own code a speculation mitigation, nothing /bin/true notices).
        return {"defaultAction": profile["defaultAction"], "defaultErrnoRet": profile.get("defaultErrnoRet"),
                "architectures": arches, "syscalls": syscalls}

    @staticmethod
    def cgroup_hybrid():
        v1 = v2 = False
        with open("/proc/self/mountinfo") as f:
            for line in f:
                fstype = line.split(" - ")[1].split()[0]
                v1 |= fstype == "cgroup"
                v2 |= fstype == "cgroup2"
        return v1 and v2

    def setup_podman(self):
        if self.opts.no_podman:
            self.podman_reason = "skipped (--no-podman)"
            return
        if not shutil.which("podman"):
            self.podman_reason = "podman is not installed"
            return
        with open(self.env["CONTAINERS_CONF"], "w") as f:
            # Lowered ulimits: root here lacks CAP_SYS_RESOURCE, podman's defaults (nofile 1048576)
            # are refused. No network: pods get their own netns with loopback only.
            f.write('[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n'
                    'netns = "none"\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n'
                    'runtime = "runc"\n')
        try:
            tar = subprocess.Popen(["tar", "-C", self.rootfs, "-c", "."], stdout=subprocess.PIPE)
            p = subprocess.run(self.podman + [
                "import", "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "--change", 'CMD ["sh"]', "-", "docker.io/library/busybox:latest"],
                stdin=tar.stdout, env=self.env, capture_output=True, text=True, timeout=300)
            tar.wait()
            if p.returncode != 0:
                raise Unavailable(f"podman import failed: {p.stderr.strip().splitlines()[-1:]}")
            p = self.run(self.podman + ["run", "--rm", "busybox", "true"], check=False, timeout=120)
            if p.returncode != 0:
                raise Unavailable(f"podman run failed: {p.stderr.strip().splitlines()[-1:]}")
        except (Unavailable, subprocess.TimeoutExpired, OSError) as e:
            self.podman_reason = str(e)
            log(f"    podman unavailable: {e}")

    # ---- measurements ---------------------------------------------------------------------

    def m1_true(self):
        log("==> (1) one /bin/true container, whole CLI process")
        r = {}
        true_yaml = self.manifest("bench-true", 1, ["true"], ["/bin/true"], restart="Never")
        r["peapod"] = self.hyperfine("peapod", [self.peapod, "run", "-f", true_yaml], self.reps(40))
        # The deleted pods' files are removed by a background purger: the peers are measured
        # only once it is done, so that its disk work does not slow them down.
        t0 = now()
        if self.trash_left(timeout=60):
            raise RuntimeError("the trash was not emptied after the /bin/true runs")
        r["peapod_trash_emptied_ms"] = (now() - t0) / 1e6
        self.notes.append(f"the background purger emptied the trash of the /bin/true runs {r['peapod_trash_emptied_ms']:.0f} ms "
                          "after the last one; the peers were measured after that")
        state = os.path.join(self.run_tmp, "oci-state")
        os.makedirs(state, exist_ok=True)
        # crun 1.8 refuses hybrid cgroup hosts: measure it in a private mount namespace where the
        # unified hierarchy is unmounted (the whole hyperfine runs inside, so the wrapper is free).
        wrap = None
        if self.hybrid:
            wrap = lambda cmd: ["unshare", "-m", "sh", "-c",
                                "umount /sys/fs/cgroup/unified 2>/dev/null; exec " + shlex.join(cmd)]
            self.notes.append("crun ran in a private mount namespace with /sys/fs/cgroup/unified unmounted "
                              "(crun 1.8 refuses hybrid cgroup hosts)")
        r["crun"] = self.hyperfine("crun", ["crun", "--root", state, "run", "--bundle", self.bundle, "bench-crun"],
                                   self.reps(60), wrap=wrap)
        r["runc"] = self.hyperfine("runc", ["runc", "--root", state, "run", "--bundle", self.bundle, "bench-runc"],
                                   self.reps(40))
        r["bwrap"] = self.hyperfine("bwrap", ["bwrap", "--unshare-all", "--ro-bind", self.rootfs, "/",
                                              "--proc", "/proc", "--dev", "/dev", "/bin/true"], self.reps(60))
        r["unshare"] = self.hyperfine("unshare", ["unshare", "-m", "-p", "-f", "-n", "-u", "-i", "/bin/true"],
                                      self.reps(60))
        if not self.podman_reason:
            r["podman"] = self.hyperfine("podman", self.podman + ["run", "--rm", "busybox", "true"],
                                         self.reps(10), warmup=1)
        # Diagnostic: the same `peapod run` with the whole store (pod directories, overlay layers,
        # logs) on a tmpfs, which shows what the filesystem under PEAPOD_ROOT costs (about 15
        # inodes made and removed per run).
        store = os.path.join(self.tmp, "store-tmpfs")
        os.makedirs(store)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755,size=512m", "bench-store", store], check=True)
        env = dict(self.env, PEAPOD_ROOT=os.path.join(store, "peapod"))
        self.run([self.peapod, "image", "import", "busybox", self.rootfs,
                  "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], env=env)
        r["peapod_tmpfs"] = self.hyperfine("peapod-tmpfs", [self.peapod, "run", "-f", true_yaml], self.reps(40), env=env)
        if self.trash_left(timeout=60, root=env["PEAPOD_ROOT"]):
            raise RuntimeError("the tmpfs store's trash was not emptied")
        self.results["1_true"] = r

    def m7_confinement(self):
        """What the confinement costs a container start: `peapod run` of one /bin/true pod as
        every pod gets it (RuntimeDefault, the default capabilities, no_new_privs off) against the
        same pod unconfined (seccomp Unconfined, every capability), alternating run by run."""
        log("==> (7) confinement A/B: /bin/true confined vs unconfined, alternating")
        confined = self.manifest("bench-confined", 1, ["true"], ["/bin/true"], restart="Never")
        open_yaml = self.manifest("bench-unconfined", 1, ["true"], ["/bin/true"], restart="Never",
                                  security={"seccompProfile": {"type": "Unconfined"}, "capabilities": {"add": ["ALL"]}})
        a, b, ca, cb = [], [], [], []
        for i in range(self.reps(60) + 3):
            ta, cpu_a = self.timed_cpu([self.peapod, "run", "-f", confined])
            tb, cpu_b = self.timed_cpu([self.peapod, "run", "-f", open_yaml])
            if i >= 3:  # warm-up
                a.append(ta)
                b.append(tb)
                ca.append(cpu_a)
                cb.append(cpu_b)
        diffs = [x - y for x, y in zip(a, b)]
        self.results["7_confinement"] = {"confined": summary(a), "unconfined": summary(b),
                                         "difference_median_ms": statistics.median(diffs),
                                         "confined_cpu": summary(ca), "unconfined_cpu": summary(cb),
                                         "cpu_difference_median_ms": statistics.median([x - y for x, y in zip(ca, cb)])}
        if self.trash_left(timeout=60):
            raise RuntimeError("the trash was not emptied after the confinement runs")

    def m2_pod(self):
        log("==> (2) 2-container pod: apply until both Running, delete until nothing is left")
        path = self.manifest("bench-pod", 1, ["web", "sidecar"], ["sh", "-c", KEEP_RUNNING])
        r = {"peapod_apply_return": [], "peapod_running": [], "peapod_delete": []}
        for _ in range(self.reps(15)):
            t0 = now()
            self.pp("apply", "-f", path)
            t1 = now()
            t2 = self.wait_peapod_running(["bench-pod"], ["web", "sidecar"])
            r["peapod_apply_return"].append((t1 - t0) / 1e6)
            r["peapod_running"].append((t2 - t0) / 1e6)
            t0 = now()
            self.pp("delete", "pod", "bench-pod")
            r["peapod_delete"].append((now() - t0) / 1e6)
            left = [p for p in os.listdir(os.path.join(self.env["PEAPOD_ROOT"], "pods"))]
            seen = self.describe_processes(self.peapod_processes())
            if seen and not left:
                # Say what it was if it goes away on its own, fail if it stays.
                deadline = time.monotonic() + 1.0
                while time.monotonic() < deadline and self.peapod_processes():
                    time.sleep(0.005)
                if not self.peapod_processes():
                    self.notes.append(f"a Peapod process was still there right after `delete` returned: {seen}")
                    seen = []
            if left or seen:
                raise RuntimeError(f"peapod delete left {left} / processes {seen or self.peapod_processes()}")
        if self.trash_left():
            raise RuntimeError(f"the trash was not emptied: {self.trash_left(0)}")
        if not self.podman_reason:
            r["podman_play"], r["podman_down"] = [], []
            for _ in range(self.reps(6)):
                t0 = now()
                self.run(self.podman + ["kube", "play", "--network", "none", path])
                r["podman_play"].append((now() - t0) / 1e6)
                ps = self.run(self.podman + ["ps", "-q", "--filter", "status=running"]).stdout.split()
                if len(ps) < 3:  # infra + 2
                    raise RuntimeError(f"podman kube play: containers not running: {ps}")
                t0 = now()
                self.run(self.podman + ["kube", "down", path])
                r["podman_down"].append((now() - t0) / 1e6)
        self.results["2_pod"] = {k: summary(v) for k, v in r.items()}

    def m3_restart(self):
        log("==> (3) restart latency, back-off base 0")
        count = self.reps(30)
        # Each instance lives 0.1 s: the supervisor keeps the log of one dead instance only (the
        # kubelet's container garbage collection), so each pair of logs is read while both exist.
        path = self.manifest("bench-restart", 1, ["app"], ["sh", "-c", "echo start; sleep 0.1; echo stop"])
        self.pp("apply", "--backoff-base", "0", "--backoff-cap", "0", "-f", path)
        logs_root = os.path.join(self.env["PEAPOD_ROOT"], "logs")
        samples = {}
        deadline = time.monotonic() + 60
        try:
            while len(samples) < count and time.monotonic() < deadline:
                time.sleep(0.002)
                pods = [d for d in os.listdir(logs_root) if "_bench-restart_" in d] if os.path.isdir(logs_root) else []
                if not pods:
                    continue
                log_dir = os.path.join(logs_root, pods[0], "app")
                try:
                    numbers = sorted(int(n[:-4]) for n in os.listdir(log_dir) if n.endswith(".log") and n[:-4].isdigit())
                except FileNotFoundError:
                    continue
                for n in numbers:
                    if n - 1 in numbers and n - 1 not in samples:
                        stop = self.cri_lines(os.path.join(log_dir, f"{n - 1}.log"))
                        start = self.cri_lines(os.path.join(log_dir, f"{n}.log"))
                        if stop and start and stop[-1][1] == "stop" and start[0][1] == "start":
                            samples[n - 1] = (start[0][0] - stop[-1][0]) / 1e6
        finally:
            self.pp("delete", "pod", "bench-restart", "--grace-period", "0", "--force", check=False)
        if len(samples) < count // 2:
            raise RuntimeError(f"only {len(samples)} restarts of {count} were seen (is --backoff-base 0 honoured?)")
        self.results["3_restart"] = {"peapod": summary(list(samples.values()))}

    @staticmethod
    def cri_lines(path):
        """[(unix ns, content)] of a CRI log file."""
        out = []
        try:
            with open(path) as f:
                for line in f:
                    ts, _stream, _tag, content = line.rstrip("\n").split(" ", 3)
                    secs, frac = ts.rstrip("Z").split(".")
                    base = datetime.datetime.strptime(secs, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
                    out.append((int(base.timestamp()) * 1_000_000_000 + int(frac.ljust(9, "0")[:9]), content))
        except FileNotFoundError:
            pass
        return out

    def m4_scale(self):
        n = self.pods
        log(f"==> (4) {n} pods of 2 containers; (5) exec; idle supervisor CPU")
        path = self.manifest("bench-scale", n, ["a", "b"], ["sh", "-c", KEEP_RUNNING], grace=2)
        names = [f"bench-scale-{i}" for i in range(n)]
        r = {}
        t0 = now()
        self.pp("apply", "-f", path)
        t1 = now()
        t2 = self.wait_peapod_running(names, ["a", "b"], timeout=300)
        r["peapod_apply_return_ms"] = (t1 - t0) / 1e6
        r["peapod_all_running_ms"] = (t2 - t0) / 1e6
        time.sleep(1)
        pids = self.peapod_processes()
        r["peapod_processes"] = len(pids)
        r["peapod_pss_kib_total"] = sum(self.pss_kib(p) for p in pids)
        r["peapod_pss_kib_per_pod"] = r["peapod_pss_kib_total"] / n
        before = sum(self.cpu_ns(p) for p in pids)
        time.sleep(10)
        r["peapod_idle_cpu_ms_10s"] = (sum(self.cpu_ns(p) for p in pids) - before) / 1e6
        self.results["5_exec"] = {"peapod": self.hyperfine(
            "peapod-exec", [self.peapod, "exec", "bench-scale-0", "-c", "a", "--", "true"], self.reps(30))}
        t0 = now()
        self.pp("delete", "-f", path)
        r["peapod_delete_all_ms"] = (now() - t0) / 1e6
        if not self.podman_reason:
            t0 = now()
            self.run(self.podman + ["kube", "play", "--network", "none", path], timeout=900)
            r["podman_play_all_ms"] = (now() - t0) / 1e6
            ps = self.run(self.podman + ["ps", "-q", "--filter", "status=running"]).stdout.split()
            r["podman_running_containers"] = len(ps)
            time.sleep(1)
            pids = self.podman_processes()
            r["podman_processes"] = len(pids)
            r["podman_pss_kib_total"] = sum(self.pss_kib(p) for p in pids)
            r["podman_pss_kib_per_pod"] = r["podman_pss_kib_total"] / n
            before = sum(self.cpu_ns(p) for p in pids)
            time.sleep(10)
            r["podman_idle_cpu_ms_10s"] = (sum(self.cpu_ns(p) for p in pids) - before) / 1e6
            self.results["5_exec"]["podman"] = self.hyperfine(
                "podman-exec", self.podman + ["exec", "bench-scale-0-a", "true"], self.reps(15), warmup=1)
            t0 = now()
            self.run(self.podman + ["kube", "down", path], timeout=900)
            r["podman_down_all_ms"] = (now() - t0) / 1e6
        self.results["4_scale"] = r

    @classmethod
    def children_cpu_ns(cls, pid):
        """CPU of a process's reaped children (cutime + cstime, clock ticks) in ns."""
        fields = cls.stat_fields(pid)
        if len(fields) < 15:
            return 0
        return (int(fields[13]) + int(fields[14])) * 1_000_000_000 // os.sysconf("SC_CLK_TCK")

    def m6_probes(self):
        """(6): n pods of 2 containers, the first with an exec liveness probe every second."""
        n = self.pods
        log(f"==> (6) {n} pods, each with an exec liveness probe every 1 s")
        probe = {"exec": {"command": ["true"]}, "periodSeconds": 1}
        path = self.manifest("bench-probe", n, ["a", "b"], ["sh", "-c", KEEP_RUNNING], grace=2, probe=probe)
        names = [f"bench-probe-{i}" for i in range(n)]
        r = {}
        self.pp("apply", "-f", path)
        self.wait_peapod_running(names, ["a", "b"], timeout=300)
        time.sleep(2)
        # The supervisors only: the probes' short-lived helper processes come and go.
        everything = self.peapod_processes()
        pids = [p for p in everything if self.parent(p) not in everything]
        own = {p: self.cpu_ns(p) for p in pids}
        kids = {p: self.children_cpu_ns(p) for p in pids}
        seconds = 10
        time.sleep(seconds)
        alive = [p for p in pids if os.path.exists(f"/proc/{p}")]
        r["supervisors"] = len(alive)
        r["supervisor_cpu_ms_10s"] = sum(self.cpu_ns(p) - own[p] for p in alive) / 1e6
        r["children_cpu_ms_10s"] = sum(self.children_cpu_ns(p) - kids[p] for p in alive) / 1e6
        r["probe_runs"] = n * seconds
        r["supervisor_us_per_run"] = r["supervisor_cpu_ms_10s"] * 1000 / r["probe_runs"]
        r["pss_kib_per_pod"] = sum(self.pss_kib(p) for p in alive) / n
        restarts = 0
        for pod in self.peapod_status().values():
            for c in (pod.get("status") or {}).get("containerStatuses") or []:
                restarts += c.get("restartCount", 0)
        r["restarts"] = restarts
        self.pp("delete", "-f", path)
        if not self.podman_reason:
            # podman's probe is a healthcheck; without systemd nothing runs it on a timer, so
            # what a timer would start each period, `podman healthcheck run`, is run by hand:
            # its CPU (with everything it starts) per run.
            self.run(self.podman + ["run", "-d", "--name", "bench-hc", "--network", "none", "--health-cmd", "true",
                                    "busybox", "sh", "-c", KEEP_RUNNING], timeout=120)
            runs = 20
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            for _ in range(runs):
                self.run(self.podman + ["healthcheck", "run", "bench-hc"], check=False, timeout=60)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            r["podman_healthcheck_cpu_us_per_run"] = cpu * 1e6 / runs
            self.run(self.podman + ["rm", "-f", "-t", "0", "bench-hc"], check=False, timeout=120)
        self.results["6_probes"] = r

    @staticmethod
    def stat_fields(pid):
        """The fields of /proc/PID/stat after the command name (state first); [] if it is gone."""
        try:
            with open(f"/proc/{pid}/stat") as f:
                return f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return []

    @classmethod
    def parent(cls, pid):
        fields = cls.stat_fields(pid)
        return int(fields[1]) if len(fields) > 1 else 0

    def podman_processes(self):
        """conmon of our private podman store, and their children that are catatonit (infra)."""
        conmons, procs = [], []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/comm") as f:
                    comm = f.read().strip()
                with open(f"/proc/{d}/cmdline") as f:
                    cmdline = f.read()
            except OSError:
                continue
            ppid = self.parent(d)
            procs.append((int(d), comm, cmdline, ppid))
        conmons = [p for p, comm, cmd, _ in procs if comm == "conmon" and self.tmp in cmd]
        infra = [p for p, comm, _, ppid in procs if comm == "catatonit" and ppid in conmons]
        return conmons + infra

    # ---- report ---------------------------------------------------------------------------

    def report(self):
        rows = []
        na = f"n/a ({self.podman_reason})" if self.podman_reason else None

        def fmt(s, unit="ms"):
            if s is None:
                return "n/a"
            if isinstance(s, dict):
                return f"{s['min']:.1f} / {s['median']:.1f} / {s['max']:.1f}"
            return f"{s:.1f}" if abs(s) >= 1 or s == 0 else f"{s:.3f}"

        def med(s):
            return s["median"] if isinstance(s, dict) else s

        def row(what, ours, peer_name, peer, target=None):
            if peer is None and peer_name.startswith("podman") and na:
                rows.append((what, fmt(ours), peer_name, na, "n/a", target[0] if target else "", ""))
                return
            ratio = med(ours) / med(peer) if ours is not None and peer not in (None, 0) else None
            met = ""
            if target and ratio is not None:
                met = "yes" if ratio <= target[1] else "no"
            rows.append((what, fmt(ours), peer_name, fmt(peer), f"{ratio:.2f}x" if ratio else "n/a",
                         target[0] if target else "", met))

        t = self.results.get("1_true", {})
        p = t.get("peapod")
        row("(1) /bin/true, ms", p, "crun run", t.get("crun"), ("<=0.6x crun", 0.6))
        row("(1) /bin/true, ms", p, "runc run", t.get("runc"))
        row("(1) /bin/true, ms", p, "bwrap --unshare-all", t.get("bwrap"), ("<=1.5x bwrap", 1.5))
        row("(1) /bin/true, ms", p, "unshare -mpfnui", t.get("unshare"))
        row("(1) /bin/true, ms", p, "podman run --rm", t.get("podman"))
        if t.get("peapod_tmpfs"):
            row("(1) same, store on tmpfs, ms", t.get("peapod_tmpfs"), "crun run", t.get("crun"))
        pod = self.results.get("2_pod", {})
        row("(2) pod apply->Running, ms", pod.get("peapod_running"), "podman kube play", pod.get("podman_play"),
            ("<=0.1x podman", 0.1))
        row("(2) pod apply returns, ms", pod.get("peapod_apply_return"), "podman kube play", pod.get("podman_play"))
        row("(2) pod delete->gone, ms", pod.get("peapod_delete"), "podman kube down", pod.get("podman_down"),
            ("<=0.1x podman", 0.1))
        rs = self.results.get("3_restart", {}).get("peapod")
        if rs:
            rows.append(("(3) restart exit->next running, ms", fmt(rs), "(target)", "5.0",
                         f"{rs['median'] / 5:.2f}x", "<5 ms", "yes" if rs["median"] < 5 else "no"))
        sc = self.results.get("4_scale", {})
        n = self.pods
        if sc:
            row(f"(4) {n} pods all Running, ms", sc.get("peapod_all_running_ms"), "podman kube play",
                sc.get("podman_play_all_ms"))
            row(f"(4) runtime PSS per pod, KiB", sc.get("peapod_pss_kib_per_pod"), "conmon+catatonit",
                sc.get("podman_pss_kib_per_pod"), ("<=0.25x podman", 0.25))
            row(f"(4) idle CPU {n} pods/10 s, ms", sc.get("peapod_idle_cpu_ms_10s"), "conmon+catatonit",
                sc.get("podman_idle_cpu_ms_10s"))
            row(f"(4) delete {n} pods, ms", sc.get("peapod_delete_all_ms"), "podman kube down",
                sc.get("podman_down_all_ms"))
        pr = self.results.get("6_probes")
        if pr:
            rows.append((f"(6) supervisor CPU, {n} pods x 1 exec probe/s, ms per 10 s",
                         f"{pr['supervisor_cpu_ms_10s']:.1f}", "(no timer: podman's need systemd)", "n/a", "n/a", "", ""))
            ours = (pr["supervisor_cpu_ms_10s"] + pr["children_cpu_ms_10s"]) * 1000 / pr["probe_runs"]
            peer = pr.get("podman_healthcheck_cpu_us_per_run")
            rows.append(("(6) CPU per exec probe run, us (supervisor + helpers)", f"{ours:.0f}",
                         "podman healthcheck run", f"{peer:.0f}" if peer else (na or "n/a"),
                         f"{ours / peer:.3f}x" if peer else "n/a", "", ""))
        cf = self.results.get("7_confinement")
        if cf:
            d = cf["difference_median_ms"]
            rows.append(("(7) /bin/true confined vs unconfined, ms", fmt(cf["confined"]), "same pod unconfined",
                         fmt(cf["unconfined"]), f"{d:+.2f} ms (median of pairs)", "<=+0.5 ms",
                         "yes" if d <= 0.5 else "no"))
            dc = cf["cpu_difference_median_ms"]
            rows.append(("(7) the same, CPU time, ms", fmt(cf["confined_cpu"]), "same pod unconfined",
                         fmt(cf["unconfined_cpu"]), f"{dc:+.2f} ms (median of pairs)", "<=+0.5 ms",
                         "yes" if dc <= 0.5 else "no"))
        ex = self.results.get("5_exec", {})
        row("(5) exec true, ms", ex.get("peapod"), "podman exec", ex.get("podman"), ("<=0.2x podman", 0.2))

        head = ("measurement", "Peapod min / median / max", "peer", "peer min / median / max", "ratio (median)",
                "target", "met")
        widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
        lines = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(head, widths)) + " |",
                 "| " + " | ".join("-" * w for w in widths) + " |"]
        for r in rows:
            lines.append("| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |")
        return "\n".join(lines)

    def cleanup(self):
        log("==> cleaning up")
        try:
            for pod in self.peapod_status():
                self.pp("delete", "pod", pod, "--grace-period", "0", "--force", check=False, timeout=120)
        except Exception as e:  # keep going: the rest must still be removed
            log(f"    peapod cleanup: {e}")
        if not self.podman_reason and shutil.which("podman"):
            for argv in (["pod", "rm", "-af", "-t", "0"], ["rm", "-af", "-t", "0"], ["rmi", "-af"]):
                self.run(self.podman + argv, check=False, timeout=300)
        # Whatever is still mounted under the temp dir (podman's overlay home), deepest first.
        mounts = []
        with open("/proc/self/mountinfo") as f:
            for line in f:
                point = line.split()[4]
                if point.startswith(self.tmp):
                    mounts.append(point)
        for point in sorted(mounts, key=len, reverse=True):
            subprocess.run(["umount", "-l", point], stderr=subprocess.DEVNULL)
        shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peapod", required=True)
    ap.add_argument("--rootfs", required=True)
    ap.add_argument("--json", default=os.path.join(HERE, "..", "..", "docs", "benchmarks.json"))
    ap.add_argument("--pods", type=int, default=50)
    ap.add_argument("--quick", action="store_true", help="a third of the repetitions")
    ap.add_argument("--no-podman", action="store_true")
    ap.add_argument("--run-on-disk", action="store_true",
                    help="keep run-time state in the temp dir instead of a private tmpfs (as /run)")
    ap.add_argument("--only", default="1,2,3,4,6,7", help="which measurements (4 includes 5)")
    opts = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("error: run as root (tools/bench/run.sh does)")
    bench = Bench(opts)
    started = time.time()
    load_before = os.getloadavg()
    try:
        bench.setup()
        only = opts.only.split(",")
        if "1" in only:
            bench.m1_true()
        if "2" in only:
            bench.m2_pod()
        if "3" in only:
            bench.m3_restart()
        if "4" in only:
            bench.m4_scale()
        if "6" in only:
            bench.m6_probes()
        if "7" in only:
            bench.m7_confinement()
    finally:
        bench.cleanup()
    uname = os.uname()
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": f"{uname.sysname} {uname.release} {uname.machine}",
        "cpus": os.cpu_count(),
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "seconds": round(time.time() - started, 1),
        "cgroup_hybrid": bench.hybrid,
        "podman": bench.podman_reason or "ok",
        "notes": bench.notes,
        "versions": {},
    }
    for tool, argv in {"crun": ["crun", "--version"], "runc": ["runc", "--version"],
                       "bwrap": ["bwrap", "--version"], "podman": ["podman", "--version"],
                       "hyperfine": ["hyperfine", "--version"]}.items():
        try:
            meta["versions"][tool] = subprocess.run(argv, capture_output=True, text=True).stdout.splitlines()[0]
        except (OSError, IndexError):
            meta["versions"][tool] = "missing"
    table = bench.report()
    print(f"\nPeapod benchmark, {meta['date']}, {meta['host']}, {meta['cpus']} CPUs, "
          f"load {load_before[0]:.2f} -> {meta['loadavg_after'][0]:.2f}, {meta['seconds']} s")
    for note in bench.notes:
        print(f"note: {note}")
    print(table)
    with open(opts.json, "w") as f:
        json.dump({"meta": meta, "results": bench.results, "table": table}, f, indent=1)
    print(f"\nraw samples: {opts.json}")


if __name__ == "__main__":
    main()
