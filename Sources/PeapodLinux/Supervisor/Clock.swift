// Wall-clock time, the host name and random identifiers, from plain system calls.

import CPeapod
import Glibc
import PeapodSpec

public enum Clock {
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(nanos: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec))
    }

    /// Monotonic nanoseconds, for measuring intervals.
    public static func monotonic() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// The machine's name: the node name of this one-node cluster.
    public static var hostname: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        return String(cBuffer: buffer)
    }

    public static func randomHex(_ bytes: Int) -> String {
        var raw = [UInt8](repeating: 0, count: bytes)
        _ = pp_random_bytes(&raw, bytes)
        return raw.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    /// A version 4 UUID, as the API server gives metadata.uid.
    public static func uuid() -> String {
        var raw = [UInt8](repeating: 0, count: 16)
        _ = pp_random_bytes(&raw, 16)
        raw[6] = (raw[6] & 0x0f) | 0x40
        raw[8] = (raw[8] & 0x3f) | 0x80
        let hex = raw.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        let c = Array(hex)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-" + String(c[12..<16]) + "-" + String(c[16..<20]) + "-"
            + String(c[20..<32])
    }
}
