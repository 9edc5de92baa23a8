// Starting the per-pod supervisor: posix_spawn (no Swift code runs in the child) in a new
// session, so it outlives the command that started it and the terminal it ran in.

import Glibc

public enum DetachedProcess {
    /// glibc's POSIX_SPAWN_SETSID (not imported into Swift as a constant).
    static let setsidFlag: Int32 = 0x80

    public static var selfExecutable: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return n > 0 ? String(cBuffer: buffer) : CommandLine.arguments[0]
    }

    /// The variables a supervisor keeps from its caller's environment: the ones it or the
    /// libraries under it read (the search path, glibc's time zone, locale and tunables, the
    /// Swift runtime's crash reports, and where a dynamically linked build finds the Swift
    /// runtime). Not the whole environment: it sits at the top of each pod's supervisor stack
    /// for the pod's whole life, and a pod must not depend on it.
    static let keptVariables: Set<String> = [
        "PATH", "TZ", "LANG", "LC_ALL", "GLIBC_TUNABLES", "SWIFT_BACKTRACE", "LD_LIBRARY_PATH",
    ]

    static func keptEnvironment() -> [String] {
        var all: [String] = []
        var entry = environ
        while let variable = entry.pointee {
            all.append(String(cString: variable))
            entry += 1
        }
        return keptEnvironment(from: all)
    }

    static func keptEnvironment(from entries: [String]) -> [String] {
        var kept = entries.filter { text in
            guard let equals = text.utf8.firstIndex(of: UInt8(ascii: "=")) else { return false }
            return keptVariables.contains(String(text[..<equals]))
        }
        // A supervisor frees as it goes and then idles for the pod's life: glibc's per-thread
        // cache of freed chunks would pin them, scattered over the heap, where the idle trim
        // cannot hand them back (docs/benchmarks.md).
        // The caller's own tunables come after, so theirs win.
        let own = "glibc.malloc.tcache_count=0"
        if let index = kept.firstIndex(where: { $0.hasPrefix("GLIBC_TUNABLES=") }) {
            kept[index] = "GLIBC_TUNABLES=" + own + ":" + kept[index].dropFirst("GLIBC_TUNABLES=".count)
        } else {
            kept.append("GLIBC_TUNABLES=" + own)
        }
        return kept
    }

    /// Spawns `executable` with stdin from /dev/null, stdout and stderr appended to `logFile`,
    /// and, when given, `extraFD` as its fd 3 and `outputFD` as its fd 4. Returns its pid.
    public static func spawn(executable: String, arguments: [String], logFile: String, extraFD: Int32?,
                             outputFD: Int32? = nil) throws -> Int32 {
        // Copies above the child's targets first, so that no dup2 below overwrites a source.
        let given = [extraFD, outputFD]
        let sources = given.map { fd in fd.map { fcntl($0, F_DUPFD_CLOEXEC, 10) } }
        defer { for case let fd? in sources where fd >= 0 { close(fd) } }
        for (source, original) in zip(sources, given) where source.map({ $0 < 0 }) == true {
            throw StoreError("start supervisor: duplicate descriptor", String(original ?? -1), errno: errno)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logFile, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        if let fd = sources[0] { posix_spawn_file_actions_adddup2(&actions, fd, 3) }
        if let fd = sources[1] { posix_spawn_file_actions_adddup2(&actions, fd, 4) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(setsidFlag | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = keptEnvironment().map { strdup($0) } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, &argv, &envp)
        guard rc == 0 else { throw StoreError("start supervisor", executable, errno: rc) }
        return pid
    }
}
