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
        return hex(raw, dashesAfter: [])
    }

    /// A version 4 UUID, as the API server gives metadata.uid.
    public static func uuid() -> String {
        var raw = [UInt8](repeating: 0, count: 16)
        _ = pp_random_bytes(&raw, 16)
        raw[6] = (raw[6] & 0x0f) | 0x40
        raw[8] = (raw[8] & 0x3f) | 0x80
        return hex(raw, dashesAfter: [4, 6, 8, 10])
    }

    /// Lower-case hex digits of `bytes`, with a "-" after the byte counts in `dashesAfter`.
    static func hex(_ bytes: [UInt8], dashesAfter: [Int]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2 + dashesAfter.count)
        for (i, byte) in bytes.enumerated() {
            if dashesAfter.contains(i) { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
