// Capability names and numbers, from libcap: the names this host's libcap knows are the ones a
// securityContext may add or drop, and `ALL` means every capability the running kernel has.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod
import PeapodRuntime
import PeapodSpec

public enum LinuxCapabilities {
    /// The number of a capability name in `CAP_` form (`CAP_NET_ADMIN` → 12), or nil.
    public static func number(_ name: String) -> Int? {
        let n = pp_capability_number(name)
        return n < 0 ? nil : Int(n)
    }

    /// The highest capability of the running kernel (/proc/sys/kernel/cap_last_cap).
    public static let lastCapability: Int = {
        let n = pp_capability_last()
        return n < 0 ? 40 : Int(n)
    }()

    /// Every capability the kernel has, by name.
    public static let all: [String] = (0...lastCapability).compactMap { cap in
        var buffer = [CChar](repeating: 0, count: 64)
        guard pp_capability_name(Int32(cap), &buffer, buffer.count) == 0 else { return nil }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The bit mask of names (each in `CAP_` form); unknown names are reported, not dropped.
    public static func mask(_ names: [String]) throws(CapabilityError) -> UInt64 {
        var mask: UInt64 = 0
        for name in names {
            guard let n = number(name), n < 64 else { throw CapabilityError(name: name) }
            mask |= 1 << UInt64(n)
        }
        return mask
    }

    /// The names of the bits of `mask`, lowest first.
    public static func names(_ mask: UInt64) -> [String] {
        (0..<64).filter { mask & (1 << UInt64($0)) != 0 }.map { $0 < all.count ? all[$0] : "capability \($0)" }
    }

    /// What Peapod itself holds: a container can get no capability its runtime lacks (a host
    /// may withhold some from root itself).
    public static let held: UInt64 = pp_capability_permitted()

    /// containerd's default set: 00000000a80425fb.
    public static let defaultMask: UInt64 = (try? mask(ContainerSecurity.defaultCapabilities)) ?? 0
}

public struct CapabilityError: Error, Sendable, CustomStringConvertible {
    public var name: String
    public var description: String { "unknown capability \(GoQuote.quote(name))" }
}
