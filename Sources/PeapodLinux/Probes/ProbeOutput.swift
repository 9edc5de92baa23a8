// Where a probe child's output goes: one memfd per run or per probe, read back when the child is
// reaped.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod

/// An anonymous in-memory file a probe child writes its output into: the response of a network
/// probe, or the stdout and stderr of an exec probe. Reused from one run to the next.
public final class ProbeOutput {
    /// How much of an exec probe's output the kubelet keeps.
    public static let execOutputLimit = 10 * 1024
    /// How much a network probe child can leave in the file: a response, or a failure record.
    public static let networkOutputLimit = Int(PP_PROBE_RESPONSE_MAX)

    /// Close-on-exec: a child gets it only as the stdio it is explicitly given.
    public let fd: Int32

    public init() throws(ProbeError) {
        let fd = pp_memfd_cloexec("peapod-probe")
        if fd < 0 { throw ProbeError(operation: "create output file", errno: Glibc.errno) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// The first `limit` bytes written since the last reset.
    public func read(limit: Int) -> [UInt8] {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return [] }
        let count = min(Int(info.st_size), limit)
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, count - got, off_t(got)) }
            if n < 0 && Glibc.errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        return got == count ? bytes : Array(bytes[..<got])
    }

    /// Empties the file for the next run (the offset is shared with the children that wrote).
    public func reset() {
        _ = ftruncate(fd, 0)
        _ = lseek(fd, 0, SEEK_SET)
    }
}
