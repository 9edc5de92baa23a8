// The device allow-list on cgroup v2: the v1 rules of CgroupLimits.allowedDevices ("c 1:3 rwm")
// parsed, assembled into an eBPF program (CPeapod/device_filter.c) and attached to a container's
// cgroup, as runc and crun do where there is no devices controller (docs/security.md, Devices).

import CPeapod
import Glibc

/// One devices.allow line: "TYPE MAJOR:MINOR ACCESS" with TYPE a (any), b or c, MAJOR and MINOR a
/// number or "*", ACCESS some of r, w, m; or "a" alone, which allows every device.
public struct DeviceRule: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Character, Sendable { case all = "a", block = "b", char = "c" }

    /// The bits the kernel asks about (BPF_DEVCG_ACC_*).
    public struct Access: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let mknod = Access(rawValue: PP_DEVICE_MKNOD)
        public static let read = Access(rawValue: PP_DEVICE_READ)
        public static let write = Access(rawValue: PP_DEVICE_WRITE)
        public static let all: Access = [.read, .write, .mknod]
    }

    public var kind: Kind
    /// nil: every number.
    public var major: UInt32?
    public var minor: UInt32?
    public var access: Access

    public init(_ kind: Kind, major: UInt32?, minor: UInt32?, access: Access) {
        self.kind = kind
        self.major = major
        self.minor = minor
        self.access = access
    }

    /// Nil for anything the v1 devices.allow file would not take, or a number beyond what an
    /// instruction's signed 32-bit immediate holds (no device has one: majors have 12 bits,
    /// minors 20).
    public init?(_ text: String) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard let first = fields.first, first.count == 1, let kind = Kind(rawValue: first.first!) else { return nil }
        if fields.count == 1 {
            guard kind == .all else { return nil }
            self.init(.all, major: nil, minor: nil, access: .all)
            return
        }
        guard fields.count == 3 else { return nil }
        let numbers = fields[1].split(separator: ":", omittingEmptySubsequences: false)
        guard numbers.count == 2, let major = Self.number(numbers[0]), let minor = Self.number(numbers[1]) else { return nil }
        var access: Access = []
        for c in fields[2] {
            switch c {
            case "r": access.insert(.read)
            case "w": access.insert(.write)
            case "m": access.insert(.mknod)
            default: return nil
            }
        }
        guard !access.isEmpty else { return nil }
        self.init(kind, major: major, minor: minor, access: access)
    }

    /// "*" → .some(nil); a decimal number → .some(n); anything else → nil.
    private static func number(_ s: Substring) -> UInt32?? {
        if s == "*" { return .some(nil) }
        guard !s.isEmpty, s.allSatisfy({ ("0"..."9").contains($0) }), let n = UInt32(s), n <= UInt32(Int32.max) else { return nil }
        return .some(n)
    }

    public var description: String {
        let major = self.major.map(String.init) ?? "*"
        let minor = self.minor.map(String.init) ?? "*"
        var bits = ""
        if access.contains(.read) { bits += "r" }
        if access.contains(.write) { bits += "w" }
        if access.contains(.mknod) { bits += "m" }
        return "\(kind.rawValue) \(major):\(minor) \(bits)"
    }

    var cRule: pp_device_rule {
        pp_device_rule(type: CChar(UInt8(ascii: kind.rawValue.unicodeScalars.first!)),
                       major: major.map { Int32($0) } ?? PP_DEVICE_ANY,
                       minor: minor.map { Int32($0) } ?? PP_DEVICE_ANY,
                       access: access.rawValue)
    }
}

public enum DeviceFilter {
    /// The rules of a v1 allow-list; `directory` names the cgroup in the error.
    public static func rules(_ lines: [String], for directory: String) throws(CgroupError) -> [DeviceRule] {
        var rules: [DeviceRule] = []
        for line in lines {
            guard let rule = DeviceRule(line) else {
                throw CgroupError("filter devices of", directory, errno: EINVAL, message: "malformed device rule \"\(line)\"")
            }
            rules.append(rule)
        }
        return rules
    }

    /// The eBPF program for `rules`: one struct bpf_insn (8 bytes, this machine's byte order) per
    /// element. It allows what one rule allows and refuses everything else.
    public static func program(_ rules: [DeviceRule]) throws(CgroupError) -> [UInt64] {
        let cRules = rules.map(\.cRule)
        let capacity = Int(PP_DEVICE_FILTER_FIXED) + Int(PP_DEVICE_FILTER_PER_RULE) * rules.count
        var program = [UInt64](repeating: 0, count: capacity)
        var length: UInt32 = 0
        let rc = program.withUnsafeMutableBytes { buffer in
            pp_device_filter_build(cRules, cRules.count, buffer.baseAddress, UInt32(clamping: capacity), &length)
        }
        guard rc == 0 else {
            throw CgroupError("assemble the device filter for", rules.map(\.description).joined(separator: ", "), errno: errno)
        }
        return Array(program.prefix(Int(length)))
    }

    /// Loads the program for `rules` and attaches it to the cgroup v2 `directory`; the kernel
    /// keeps it as long as the cgroup exists.
    public static func attach(_ rules: [DeviceRule], to directory: String) throws(CgroupError) {
        let program = try program(rules)
        let cgroup = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard cgroup >= 0 else { throw CgroupError("open", directory, errno: errno) }
        defer { close(cgroup) }
        var log = [CChar](repeating: 0, count: 64 << 10)
        let fd = program.withUnsafeBytes { instructions in
            pp_device_filter_load(instructions.baseAddress, UInt32(program.count), &log, log.count)
        }
        guard fd >= 0 else {
            let err = errno
            let verifier = String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                .split(separator: "\n").joined(separator: " | ")
            var message = "load the device filter (\(program.count) instructions): \(String(cString: strerror(err)))"
            if !verifier.isEmpty { message += "; verifier: \(verifier)" }
            throw CgroupError("filter devices of", directory, errno: err, message: message)
        }
        defer { close(fd) }
        guard pp_device_filter_attach(cgroup, fd) == 0 else {
            let err = errno
            var e = CgroupError("attach the device filter to", directory, errno: err)
            if err == EPERM {
                e.message = "\(String(cString: strerror(err))) (an ancestor cgroup may hold a device program that allows none below it)"
            }
            throw e
        }
    }
}

/// Where a v2 driver puts a cgroup's device rules: the kernel, or a recorder in tests, whose
/// temporary directories standing in for cgroupfs take no program.
public struct DeviceFilterInstaller: Sendable {
    public var attach: @Sendable (_ rules: [DeviceRule], _ directory: String) throws(CgroupError) -> Void

    public init(attach: @escaping @Sendable (_ rules: [DeviceRule], _ directory: String) throws(CgroupError) -> Void) {
        self.attach = attach
    }

    public static let kernel = DeviceFilterInstaller { rules, directory throws(CgroupError) in
        try DeviceFilter.attach(rules, to: directory)
    }
}
