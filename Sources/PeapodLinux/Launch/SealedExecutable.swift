// Entering a container from a sealed copy of the running program (CPeapod/sealed.c): for a
// container that can hold CAP_SYS_PTRACE, which could otherwise open the entering process's
// binary and write into it once the command ended (runc's CVE-2019-5736).

#if canImport(Glibc)
import Glibc
#endif
import CPeapod

public enum SealedExecutable {
    /// Whether this process runs from the sealed copy already.
    public static var isRunning: Bool {
        var buffer = [CChar](repeating: 0, count: 256)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return n > 0 && String(cBuffer: buffer).hasPrefix("/memfd:peapod")
    }

    /// Re-executes this program, with the same arguments and environment, from a memfd copy
    /// sealed against writing. Returns only by throwing.
    public static func reexec(arguments: [String]) throws -> Never {
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        _ = pp_reexec_sealed(argv, environ)
        throw SealedExecutableError(errno: errno)
    }
}

public struct SealedExecutableError: Error, CustomStringConvertible {
    public var errno: Int32
    public var description: String { "re-executing from a sealed copy: \(errnoDescription(errno))" }
}
