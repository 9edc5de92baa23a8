// What waitpid(2) says of a child that ended: the one place its status word is taken apart
// (glibc's WIFEXITED, WEXITSTATUS, WTERMSIG and WCOREDUMP are macros Swift cannot call).

public struct WaitStatus: Sendable, Equatable {
    /// The status word as waitpid stored it.
    public var raw: Int32

    public init(raw: Int32) {
        self.raw = raw
    }

    /// The exit code of a process that exited on its own; nil when a signal ended it.
    public var exitCode: Int32? {
        raw & 0x7f == 0 ? (raw >> 8) & 0xff : nil
    }

    /// The signal that ended the process; nil when it exited (or is only stopped, which
    /// the callers never ask waitpid for).
    public var signal: Int32? {
        let number = raw & 0x7f
        return number != 0 && number != 0x7f ? number : nil
    }

    /// The signal's end left a core dump.
    public var coreDumped: Bool {
        signal != nil && raw & 0x80 != 0
    }

    /// As a shell, and the kubelet's container status, report it: the exit code, or 128 plus
    /// the signal's number.
    public var shellExitCode: Int32 {
        if let signal { return 128 + signal }
        return exitCode ?? 0
    }
}
