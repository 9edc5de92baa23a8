// Reading /proc/self/mountinfo: which mount points exist. Used to check that nothing is left
// mounted under a pod's directories (leak checks in tests and after delete).

#if canImport(Glibc)
import Glibc
#endif
import PeapodSpec

public enum MountTable {
    /// Mount points (field 5 of each mountinfo line), with the kernel's octal escapes
    /// (`\040` for a space) decoded.
    public static func mountPoints(mountinfo: String? = nil) -> [String] {
        let text = mountinfo ?? (try? FileSystem.readText("/proc/self/mountinfo", limit: 64 << 20)) ?? ""
        return text.nonEmptyLines().compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            return fields.count > 4 ? unescape(fields[4]) : nil
        }
    }

    /// How many mounts sit at `prefix` or below it. Reads /proc/self/mountinfo unless
    /// `mountinfo` is given.
    public static func count(under prefix: String, mountinfo: String? = nil) -> Int {
        let base = prefix.count > 1 && prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        return mountPoints(mountinfo: mountinfo).filter { $0 == base || $0.hasPrefix(base == "/" ? "/" : base + "/") }.count
    }

    static func unescape(_ field: Substring) -> String {
        guard field.utf8.contains(UInt8(ascii: "\\")) else { return String(field) }
        var out: [UInt8] = []
        let bytes = Array(field.utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\\"), i + 3 < bytes.count,
               let value = UInt8(String(decoding: bytes[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                out.append(value)
                i += 4
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
