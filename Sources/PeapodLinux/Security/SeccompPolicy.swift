// Peapod's own form of a seccomp profile, the one both RuntimeDefault (a table in Swift) and
// Localhost profiles (OCI/Docker JSON files) become, and its resolution against one container:
// which rules apply given the container's capabilities, the machine's architecture and its
// kernel, as moby and containerd decide it. The compiler (SeccompFilter.swift) takes the
// resolved rules; nothing here touches the kernel.

#if canImport(Glibc)
import Glibc
#endif
import PeapodSpec

public struct SeccompPolicy: Sendable, Equatable {
    /// What a matching rule, or the default, does with a system call (OCI's SCMP_ACT_*).
    public enum Action: Sendable, Hashable {
        case allow
        /// The call fails with this errno and does not run.
        case errno(UInt16)
        /// OCI's SCMP_ACT_KILL and SCMP_ACT_KILL_THREAD: the calling thread dies.
        case killThread
        case killProcess
        /// SIGSYS to the caller.
        case trap
        /// Allowed and logged by the kernel's audit.
        case log
        /// A ptrace tracer is told, with this value; without a tracer the call fails with ENOSYS.
        case trace(UInt16)
    }

    /// How one system call argument is compared (OCI's SCMP_CMP_*).
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        case notEqual = "SCMP_CMP_NE"
        case lessThan = "SCMP_CMP_LT"
        case lessOrEqual = "SCMP_CMP_LE"
        case equal = "SCMP_CMP_EQ"
        case greaterOrEqual = "SCMP_CMP_GE"
        case greaterThan = "SCMP_CMP_GT"
        /// (argument & value) == valueTwo.
        case maskedEqual = "SCMP_CMP_MASKED_EQ"
    }

    public struct ArgumentCondition: Sendable, Hashable {
        public var index: Int
        public var comparison: Comparison
        public var value: UInt64
        public var valueTwo: UInt64
        public init(_ index: Int, _ comparison: Comparison, _ value: UInt64, _ valueTwo: UInt64 = 0) {
            self.index = index
            self.comparison = comparison
            self.value = value
            self.valueTwo = valueTwo
        }
    }

    /// moby's includes/excludes: capabilities (numbers), architectures (Go's names: "amd64",
    /// "arm64", ...) and a lowest kernel. An include holds when every part given holds; an
    /// exclude when any does.
    public struct Condition: Sendable, Equatable {
        public var capabilities: [Int] = []
        public var architectures: [String] = []
        public var minimumKernel: KernelVersion?
        public init(capabilities: [Int] = [], architectures: [String] = [], minimumKernel: KernelVersion? = nil) {
            self.capabilities = capabilities
            self.architectures = architectures
            self.minimumKernel = minimumKernel
        }
        public var isEmpty: Bool { capabilities.isEmpty && architectures.isEmpty && minimumKernel == nil }
    }

    public struct Rule: Sendable, Equatable {
        public var names: [String]
        public var action: Action
        public var arguments: [ArgumentCondition]
        public var includes: Condition
        public var excludes: Condition
        public init(names: [String], action: Action, arguments: [ArgumentCondition] = [],
                    includes: Condition = Condition(), excludes: Condition = Condition()) {
            self.names = names
            self.action = action
            self.arguments = arguments
            self.includes = includes
            self.excludes = excludes
        }
    }

    /// SECCOMP_FILTER_FLAG_* a profile may ask for. TSYNC and WAIT_KILLABLE_RECV are accepted and
    /// have no effect: the child that loads the filter has one thread and no notification listener.
    public enum Flag: String, Sendable, Hashable, CaseIterable {
        case threadSync = "SECCOMP_FILTER_FLAG_TSYNC"
        case log = "SECCOMP_FILTER_FLAG_LOG"
        case speculationAllowed = "SECCOMP_FILTER_FLAG_SPEC_ALLOW"
        case waitKillableReceive = "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"

        /// The bit given to seccomp(2), 0 for the flags with no effect here.
        var kernelBit: UInt32 {
            switch self {
            case .log: return 2
            case .speculationAllowed: return 4
            case .threadSync, .waitKillableReceive: return 0
            }
        }
    }

    public struct ArchitectureGroup: Sendable, Equatable {
        public var architecture: SeccompArchitecture
        public var subArchitectures: [SeccompArchitecture]
        public init(_ architecture: SeccompArchitecture, _ subArchitectures: [SeccompArchitecture]) {
            self.architecture = architecture
            self.subArchitectures = subArchitectures
        }
    }

    public var defaultAction: Action
    /// The architectures the filter covers (OCI's `architectures`); when empty, the group of
    /// `architectureMap` whose architecture is the machine's (moby's `archMap`); when neither
    /// names it, the native architecture alone.
    public var architectures: [SeccompArchitecture]
    public var architectureMap: [ArchitectureGroup]
    /// nil: no `flags` given, and the filter is loaded with SECCOMP_FILTER_FLAG_SPEC_ALLOW, as crun
    /// does (docs/seccomp.md says why).
    public var flags: [Flag]?
    public var rules: [Rule]

    public init(defaultAction: Action, architectures: [SeccompArchitecture] = [],
                architectureMap: [ArchitectureGroup] = [], flags: [Flag]? = nil, rules: [Rule]) {
        self.defaultAction = defaultAction
        self.architectures = architectures
        self.architectureMap = architectureMap
        self.flags = flags
        self.rules = rules
    }

    /// The capabilities any rule's includes or excludes name, as a mask: two containers whose
    /// capabilities agree on these bits get the same filter.
    public var capabilitiesConsulted: UInt64 {
        var mask: UInt64 = 0
        for rule in rules {
            for c in rule.includes.capabilities + rule.excludes.capabilities where c < 64 { mask |= 1 << UInt64(c) }
        }
        return mask
    }
}

/// A Linux kernel's major and minor version ("6.1" of 6.1.0-13-amd64).
public struct KernelVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// "4.8", "6.1.0-13-amd64", "5.15.0": the first two numbers; nil when they are not there.
    public init?(parsing text: String) {
        var numbers: [Int] = []
        var current: Int?
        for byte in text.utf8 {
            if ByteClass.isDigit(byte) {
                let digit = Int(byte - 0x30)
                let (m, o1) = (current ?? 0).multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(digit)
                if o1 || o2 { return nil }
                current = s
            } else {
                guard let c = current else { return nil }
                numbers.append(c)
                current = nil
                if numbers.count == 2 || byte != UInt8(ascii: ".") { break }
            }
        }
        if let c = current, numbers.count < 2 { numbers.append(c) }
        guard numbers.count == 2 else { return nil }
        self.init(numbers[0], numbers[1])
    }

    public static func < (a: KernelVersion, b: KernelVersion) -> Bool {
        (a.major, a.minor) < (b.major, b.minor)
    }

    public var description: String { "\(major).\(minor)" }
}

/// The architectures a seccomp filter can cover, by their OCI names.
public enum SeccompArchitecture: String, Sendable, Hashable, CaseIterable {
    case x86 = "SCMP_ARCH_X86"
    case x86_64 = "SCMP_ARCH_X86_64"
    case x32 = "SCMP_ARCH_X32"
    case arm = "SCMP_ARCH_ARM"
    case aarch64 = "SCMP_ARCH_AARCH64"
    case mips = "SCMP_ARCH_MIPS"
    case mips64 = "SCMP_ARCH_MIPS64"
    case mips64n32 = "SCMP_ARCH_MIPS64N32"
    case mipsel = "SCMP_ARCH_MIPSEL"
    case mipsel64 = "SCMP_ARCH_MIPSEL64"
    case mipsel64n32 = "SCMP_ARCH_MIPSEL64N32"
    case ppc = "SCMP_ARCH_PPC"
    case ppc64 = "SCMP_ARCH_PPC64"
    case ppc64le = "SCMP_ARCH_PPC64LE"
    case s390 = "SCMP_ARCH_S390"
    case s390x = "SCMP_ARCH_S390X"
    case parisc = "SCMP_ARCH_PARISC"
    case parisc64 = "SCMP_ARCH_PARISC64"
    case riscv64 = "SCMP_ARCH_RISCV64"
    case loongarch64 = "SCMP_ARCH_LOONGARCH64"
    case m68k = "SCMP_ARCH_M68K"
    case sh = "SCMP_ARCH_SH"
    case sheb = "SCMP_ARCH_SHEB"

    /// libseccomp's name for it (seccomp_arch_resolve_name). An architecture the installed
    /// libseccomp does not know is refused when the filter is compiled.
    public var libseccompName: String {
        String(rawValue.dropFirst("SCMP_ARCH_".count)).lowercased()
    }

    /// The names moby's includes/excludes use for it: Go's GOARCH, and "x86"/"x32" as moby's
    /// own profile writes them.
    var goNames: [String] {
        switch self {
        case .x86: return ["386", "x86"]
        case .x86_64: return ["amd64"]
        case .x32: return ["x32", "amd64p32"]
        case .arm: return ["arm"]
        case .aarch64: return ["arm64"]
        case .mips: return ["mips"]
        case .mips64: return ["mips64"]
        case .mips64n32: return ["mips64p32"]
        case .mipsel: return ["mipsle"]
        case .mipsel64: return ["mips64le"]
        case .mipsel64n32: return ["mips64p32le"]
        case .ppc: return ["ppc"]
        case .ppc64: return ["ppc64"]
        case .ppc64le: return ["ppc64le"]
        case .s390: return ["s390"]
        case .s390x: return ["s390x"]
        case .parisc: return ["parisc"]
        case .parisc64: return ["parisc64"]
        case .riscv64: return ["riscv64"]
        case .loongarch64: return ["loong64"]
        case .m68k: return ["m68k"]
        case .sh: return ["sh"]
        case .sheb: return ["shbe"]
        }
    }

    /// Every architecture name an include or exclude may use.
    static let knownGoNames: Set<String> = Set(allCases.flatMap(\.goNames)).union(["riscv", "sparc", "sparc64", "wasm", "armbe", "arm64be"])

    /// The architecture of uname(2)'s `machine`, nil for one seccomp has no name for.
    public init?(machine: String) {
        switch machine {
        case "x86_64": self = .x86_64
        case "i386", "i486", "i586", "i686": self = .x86
        case "aarch64", "arm64": self = .aarch64
        case "ppc64le": self = .ppc64le
        case "ppc64": self = .ppc64
        case "ppc": self = .ppc
        case "s390x": self = .s390x
        case "s390": self = .s390
        case "riscv64": self = .riscv64
        case "loongarch64": self = .loongarch64
        case "mips64": self = .mips64
        case "mips": self = .mips
        case "parisc64": self = .parisc64
        case "parisc": self = .parisc
        case "m68k": self = .m68k
        default:
            if machine.hasPrefix("arm") { self = .arm } else { return nil }
        }
    }
}

/// What a profile is resolved against besides the container's capabilities.
public struct SeccompHost: Sendable, Hashable {
    public var architecture: SeccompArchitecture
    public var kernel: KernelVersion
    public init(architecture: SeccompArchitecture, kernel: KernelVersion) {
        self.architecture = architecture
        self.kernel = kernel
    }

    /// This machine, from uname(2).
    public static func current() throws(SeccompError) -> SeccompHost {
        var u = utsname()
        guard uname(&u) == 0 else { throw SeccompError("seccomp: uname: \(String(cString: strerror(errno)))") }
        let machine = withUnsafeBytes(of: &u.machine) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        let release = withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
        guard let architecture = SeccompArchitecture(machine: machine) else {
            throw SeccompError("seccomp: this machine's architecture \(machine) has no seccomp architecture name")
        }
        guard let kernel = KernelVersion(parsing: release) else {
            throw SeccompError("seccomp: cannot read the kernel version from \"\(release)\"")
        }
        return SeccompHost(architecture: architecture, kernel: kernel)
    }
}

/// A profile that cannot be read or compiled, as one line naming the profile and the problem.
public struct SeccompError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

// MARK: - Resolution

/// The rules that apply to one container, ready for libseccomp: one system call name each, with
/// conditions on distinct arguments.
struct ResolvedSeccompRule: Sendable, Equatable {
    var name: String
    var action: SeccompPolicy.Action
    var arguments: [SeccompPolicy.ArgumentCondition]
}

struct ResolvedSeccompPolicy: Sendable, Equatable {
    var defaultAction: SeccompPolicy.Action
    /// The native architecture first.
    var architectures: [SeccompArchitecture]
    var flags: UInt32
    var rules: [ResolvedSeccompRule]
}

extension SeccompPolicy.Condition {
    /// moby's `includes`: every capability present, the machine among the architectures, the
    /// kernel at least the minimum.
    func includes(capabilities mask: UInt64, host: SeccompHost) -> Bool {
        if !architectures.isEmpty && !architectures.contains(where: host.architecture.goNames.contains) { return false }
        for c in capabilities where !SeccompPolicy.has(c, in: mask) { return false }
        if let k = minimumKernel, host.kernel < k { return false }
        return true
    }

    /// moby's `excludes`: any capability present, or the machine among the architectures, or the
    /// kernel at least the minimum.
    func excludes(capabilities mask: UInt64, host: SeccompHost) -> Bool {
        if architectures.contains(where: host.architecture.goNames.contains) { return true }
        for c in capabilities where SeccompPolicy.has(c, in: mask) { return true }
        if let k = minimumKernel, host.kernel >= k { return true }
        return false
    }
}

extension SeccompPolicy {
    static func has(_ capability: Int, in mask: UInt64) -> Bool {
        capability >= 0 && capability < 64 && mask & (1 << UInt64(capability)) != 0
    }

    /// The architectures the filter covers on `host`, native first.
    func architectures(on host: SeccompHost) -> [SeccompArchitecture] {
        var listed = architectures
        if listed.isEmpty, let group = architectureMap.first(where: { $0.architecture == host.architecture }) {
            listed = [group.architecture] + group.subArchitectures
        }
        var result = [host.architecture]
        for a in listed where !result.contains(a) { result.append(a) }
        return result
    }

    /// The rules that apply to a container with these effective capabilities (bit n for
    /// capability n) on `host`. As runc does, a rule whose action is the default action is left
    /// out (libseccomp refuses it; it changes nothing), and a rule with several conditions on one
    /// argument becomes one rule per condition (libseccomp refuses two comparisons of one
    /// argument in a rule), so those conditions are alternatives.
    func resolved(capabilities mask: UInt64, host: SeccompHost) -> ResolvedSeccompPolicy {
        var resolved: [ResolvedSeccompRule] = []
        for rule in rules where rule.action != defaultAction {
            if !rule.excludes.isEmpty && rule.excludes.excludes(capabilities: mask, host: host) { continue }
            if !rule.includes.isEmpty && !rule.includes.includes(capabilities: mask, host: host) { continue }
            let indexes = rule.arguments.map(\.index)
            let argumentSets = Set(indexes).count == indexes.count ? [rule.arguments] : rule.arguments.map { [$0] }
            for name in rule.names {
                for arguments in argumentSets {
                    resolved.append(ResolvedSeccompRule(name: name, action: rule.action, arguments: arguments))
                }
            }
        }
        let flagBits = (flags ?? [.speculationAllowed]).reduce(UInt32(0)) { $0 | $1.kernelBit }
        return ResolvedSeccompPolicy(defaultAction: defaultAction, architectures: architectures(on: host),
                                     flags: flagBits, rules: resolved)
    }
}

// MARK: - Capabilities

extension SeccompPolicy {
    /// Linux capability numbers by name (linux/capability.h), for the includes and excludes.
    static let capabilityNumbers: [String: Int] = [
        "CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2, "CAP_FOWNER": 3,
        "CAP_FSETID": 4, "CAP_KILL": 5, "CAP_SETGID": 6, "CAP_SETUID": 7, "CAP_SETPCAP": 8,
        "CAP_LINUX_IMMUTABLE": 9, "CAP_NET_BIND_SERVICE": 10, "CAP_NET_BROADCAST": 11,
        "CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13, "CAP_IPC_LOCK": 14, "CAP_IPC_OWNER": 15,
        "CAP_SYS_MODULE": 16, "CAP_SYS_RAWIO": 17, "CAP_SYS_CHROOT": 18, "CAP_SYS_PTRACE": 19,
        "CAP_SYS_PACCT": 20, "CAP_SYS_ADMIN": 21, "CAP_SYS_BOOT": 22, "CAP_SYS_NICE": 23,
        "CAP_SYS_RESOURCE": 24, "CAP_SYS_TIME": 25, "CAP_SYS_TTY_CONFIG": 26, "CAP_MKNOD": 27,
        "CAP_LEASE": 28, "CAP_AUDIT_WRITE": 29, "CAP_AUDIT_CONTROL": 30, "CAP_SETFCAP": 31,
        "CAP_MAC_OVERRIDE": 32, "CAP_MAC_ADMIN": 33, "CAP_SYSLOG": 34, "CAP_WAKE_ALARM": 35,
        "CAP_BLOCK_SUSPEND": 36, "CAP_AUDIT_READ": 37, "CAP_PERFMON": 38, "CAP_BPF": 39,
        "CAP_CHECKPOINT_RESTORE": 40,
    ]

    /// "CAP_SYS_ADMIN", "SYS_ADMIN" or "sys_admin" → 21; nil for a name Linux does not have.
    public static func capabilityNumber(_ name: String) -> Int? {
        let upper = name.uppercased()
        return capabilityNumbers[upper.hasPrefix("CAP_") ? upper : "CAP_" + upper]
    }
}
