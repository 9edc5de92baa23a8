// The contract between `peapod apply`/`run` and the per-pod supervisor executable
// (peapod-supervisor, next to peapod): its fixed argument list, built and parsed here so that
// both sides agree, and what it does with them.

import CPeapod
import Glibc
import PeapodRuntime

public struct SupervisorCommand: Sendable, Equatable {
    /// The executable's file name; it lives in the same directory as `peapod`.
    public static let executableName = "peapod-supervisor"

    public var root: String
    public var runRoot: String
    public var backoff: BackoffPolicy
    public var podDir: String
    /// `peapod run`: the supervisor writes the pod's phase changes and its containers' output
    /// lines to fd 4 (the command's standard output) and deletes the pod once it has finished.
    public var foreground: Bool
    /// The containers' log rotation (`--container-log-max-size`, `--container-log-max-files`);
    /// nil: none (a negative maximum size, as the kubelet's).
    public var logRotation: CRILogRotation?
    /// How often local storage is measured against its limits (`--housekeeping-interval`).
    public var housekeepingNanos: Int64

    /// The descriptor a foreground supervisor writes its lines to.
    public static let foregroundOutputFD: Int32 = 4

    public init(
        root: String, runRoot: String, backoff: BackoffPolicy, podDir: String, foreground: Bool = false,
        logRotation: CRILogRotation? = .kubelet, housekeepingNanos: Int64 = Planner.defaultHousekeepingNanos
    ) {
        self.root = root
        self.runRoot = runRoot
        self.backoff = backoff
        self.podDir = podDir
        self.foreground = foreground
        self.logRotation = logRotation
        self.housekeepingNanos = housekeepingNanos
    }

    /// `peapod-supervisor` next to the running executable (`/proc/self/exe`).
    public static var executablePath: String {
        let me = DetachedProcess.selfExecutable
        guard let slash = me.lastIndex(of: "/") else { return executableName }
        return String(me[...slash]) + executableName
    }

    /// argv: `peapod-supervisor --root R --run-root RR --backoff-base B --backoff-cap C
    /// --container-log-max-size BYTES --container-log-max-files N --housekeeping-interval NANOS
    /// [--foreground] PODDIR` (a maximum size of -1: no rotation).
    public var arguments: [String] {
        [
            Self.executableName, "--root", root, "--run-root", runRoot,
            "--backoff-base", String(Double(backoff.baseNanos) / 1e9),
            "--backoff-cap", String(Double(backoff.capNanos) / 1e9),
            "--container-log-max-size", String(logRotation?.maxSize ?? -1),
            "--container-log-max-files", String(logRotation?.maxFiles ?? CRILogRotation.kubelet.maxFiles),
            "--housekeeping-interval", String(housekeepingNanos),
        ] + (foreground ? ["--foreground"] : []) + [podDir]
    }

    /// Parses exactly what `arguments` builds (without argv[0]); nil for anything else. The list
    /// is fixed and only `peapod` writes it, so it is matched word by word: the CLI's option
    /// parser (PeapodCLI) is not linked into the supervisor.
    public init?(parsing args: ArraySlice<String>) {
        var a = Array(args)
        let foreground = a.count == 16 && a[14] == "--foreground"
        if foreground { a.remove(at: 14) }
        guard a.count == 15, a[0] == "--root", a[2] == "--run-root", a[4] == "--backoff-base", a[6] == "--backoff-cap",
              a[8] == "--container-log-max-size", a[10] == "--container-log-max-files", a[12] == "--housekeeping-interval",
              let base = Double(a[5]), let cap = Double(a[7]), base >= 0, cap >= 0,
              let maxSize = Int64(a[9]), maxSize != 0, let maxFiles = Int(a[11]), maxFiles >= 2,
              let housekeeping = Int64(a[13]), housekeeping > 0, !a[14].hasPrefix("-")
        else { return nil }
        self.init(root: a[1], runRoot: a[3], backoff: BackoffPolicy(baseSeconds: base, capSeconds: cap), podDir: a[14],
                  foreground: foreground,
                  logRotation: maxSize > 0 ? CRILogRotation(maxSize: maxSize, maxFiles: maxFiles) : nil,
                  housekeepingNanos: housekeeping)
    }

    /// Supervises the pod until it is deleted; returns the exit code. `readyFD` gets "ok" once
    /// the sandbox exists, or "error: ..." (PodSupervisor.run).
    public func run(readyFD: Int32) throws -> Int32 {
        // Buffers of 32 KiB and more (the 64 KiB read buffers of files and of container output)
        // are mmapped and go back to the kernel when freed, instead of staying resident in the
        // heap of every supervisor for the pod's whole life (docs/benchmarks.md).
        _ = pp_malloc_mmap_threshold(32 * 1024)
        let store = PodStore(root: root, runRoot: runRoot)
        guard let location = store.location(podDir: podDir), FileSystem.exists(location.podFile) else {
            throw SupervisorCommandError(description: "no pod at \(podDir)")
        }
        let pod = try store.readPod(location)
        let supervisor = try PodSupervisor(
            store: store, location: location, pod: pod,
            config: PlannerConfig(backoff: backoff, housekeepingNanos: housekeepingNanos))
        supervisor.logRotation = logRotation
        if foreground { supervisor.foregroundOutput = Self.foregroundOutputFD }
        return supervisor.run(readyFD: readyFD)
    }
}

public struct SupervisorCommandError: Error, CustomStringConvertible {
    public var description: String
}
