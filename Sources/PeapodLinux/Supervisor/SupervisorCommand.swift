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

    /// The descriptor a foreground supervisor writes its lines to.
    public static let foregroundOutputFD: Int32 = 4

    public init(root: String, runRoot: String, backoff: BackoffPolicy, podDir: String, foreground: Bool = false) {
        self.root = root
        self.runRoot = runRoot
        self.backoff = backoff
        self.podDir = podDir
        self.foreground = foreground
    }

    /// `peapod-supervisor` next to the running executable (`/proc/self/exe`).
    public static var executablePath: String {
        let me = DetachedProcess.selfExecutable
        guard let slash = me.lastIndex(of: "/") else { return executableName }
        return String(me[...slash]) + executableName
    }

    /// argv: `peapod-supervisor --root R --run-root RR --backoff-base B --backoff-cap C [--foreground] PODDIR`.
    public var arguments: [String] {
        [
            Self.executableName, "--root", root, "--run-root", runRoot,
            "--backoff-base", String(Double(backoff.baseNanos) / 1e9),
            "--backoff-cap", String(Double(backoff.capNanos) / 1e9),
        ] + (foreground ? ["--foreground"] : []) + [podDir]
    }

    /// Parses exactly what `arguments` builds (without argv[0]), by hand: ArgumentParser's set-up
    /// of a command tree was about a fifth of a supervisor's start-up CPU (docs/benchmarks.md),
    /// and the supervisor links neither it nor Foundation. nil for anything else.
    public init?(parsing args: ArraySlice<String>) {
        var a = Array(args)
        let foreground = a.count == 10 && a[8] == "--foreground"
        if foreground { a.remove(at: 8) }
        guard a.count == 9, a[0] == "--root", a[2] == "--run-root", a[4] == "--backoff-base", a[6] == "--backoff-cap",
              let base = Double(a[5]), let cap = Double(a[7]), base >= 0, cap >= 0, !a[8].hasPrefix("-")
        else { return nil }
        self.init(root: a[1], runRoot: a[3], backoff: BackoffPolicy(baseSeconds: base, capSeconds: cap), podDir: a[8],
                  foreground: foreground)
    }

    /// Supervises the pod until it is deleted; returns the exit code. `readyFD` gets "ok" once
    /// the sandbox exists, or "error: ..." (PodSupervisor.run).
    public func run(readyFD: Int32) throws -> Int32 {
        // Buffers of 32 KiB and more (the 64 KiB read buffers of files and of container output)
        // are mmapped and go back to the kernel when freed, instead of staying resident in the
        // heap of every supervisor for the pod's whole life: 55 KiB less per pod, measured.
        _ = pp_malloc_mmap_threshold(32 * 1024)
        let store = PodStore(root: root, runRoot: runRoot)
        guard let location = store.list().first(where: { $0.podDir == podDir }) else {
            throw SupervisorCommandError(description: "no pod at \(podDir)")
        }
        let pod = try store.readPod(location)
        let supervisor = try PodSupervisor(
            store: store, location: location, pod: pod, config: PlannerConfig(backoff: backoff))
        if foreground { supervisor.foregroundOutput = Self.foregroundOutputFD }
        return supervisor.run(readyFD: readyFD)
    }
}

public struct SupervisorCommandError: Error, CustomStringConvertible {
    public var description: String
}
