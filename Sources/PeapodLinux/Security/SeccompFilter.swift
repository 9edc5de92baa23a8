// A compiled seccomp filter: the classic-BPF program a container's child loads right before
// execve, in memory that stays put for the object's lifetime so the launch can hand its address
// to C. Compiling goes through libseccomp (Sources/CPeapod/seccomp.c); a filter can also be
// written to a file and read back, so that `peapod exec` loads exactly the program the
// supervisor compiled for the container without compiling it again.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod

public final class SeccompFilter: @unchecked Sendable {
    /// The number of instructions (struct sock_filter, 8 bytes each).
    public let count: Int
    /// SECCOMP_FILTER_FLAG_* bits to load it with (pp_seccomp_install).
    public let flags: UInt32
    /// System calls the profile names that neither libseccomp nor Peapod's table of newer calls
    /// knows: their rules were left out, so they get the default action. Empty for a filter read
    /// from a file.
    public let skippedSyscalls: [String]
    private let storage: UnsafeMutablePointer<UInt64>

    init(copying source: UnsafePointer<UInt64>, count: Int, flags: UInt32, skippedSyscalls: [String]) {
        storage = .allocate(capacity: max(count, 1))
        storage.initialize(from: source, count: count)
        self.count = count
        self.flags = flags
        self.skippedSyscalls = skippedSyscalls
    }

    deinit { storage.deallocate() }

    /// The program's address, valid as long as this object lives (and, after clone or fork, in
    /// the child's copy of the same memory): what pp_seccomp_install takes with `count` and
    /// `flags`. Immutable.
    public var program: UnsafeRawPointer { UnsafeRawPointer(storage) }

    /// Each instruction as its 8 bytes in memory order (code: UInt16, jt: UInt8, jf: UInt8,
    /// k: UInt32), read as one UInt64 of this machine's byte order.
    public var instructions: [UInt64] { Array(UnsafeBufferPointer(start: storage, count: count)) }

    /// Loads the filter on the calling thread (tests only: the container's child loads it in C).
    func installOnCurrentThread() throws(SeccompError) {
        guard pp_seccomp_install(program, UInt32(count), flags) == 0 else {
            throw SeccompError("seccomp: load the filter: \(String(cString: strerror(errno)))")
        }
    }
}

// MARK: - Compiling

extension SeccompFilter {
    /// Compiles `policy` for a container with these effective capabilities (bit n for capability
    /// n) on `host`; `profile` names the profile in errors.
    public static func compile(_ policy: SeccompPolicy, capabilities: UInt64, host: SeccompHost,
                               profile: String = "RuntimeDefault") throws(SeccompError) -> SeccompFilter {
        try compile(policy.resolved(capabilities: capabilities, host: host), host: host, profile: profile)
    }

    static func compile(_ policy: ResolvedSeccompPolicy, host: SeccompHost, profile: String) throws(SeccompError) -> SeccompFilter {
        let arena = CArena()
        let (defaultKind, defaultData) = policy.defaultAction.cAction
        var cRules: [pp_seccomp_rule] = []
        cRules.reserveCapacity(policy.rules.count)
        var skipped: [String] = []
        let newer = SeccompPolicy.newerSyscallNumbers(on: host.architecture)
        for rule in policy.rules {
            var nativeNumber: Int32 = -1
            if pp_seccomp_syscall_number(rule.name) == -1 {
                guard let n = newer[rule.name] else {
                    if !skipped.contains(rule.name) { skipped.append(rule.name) }
                    continue
                }
                nativeNumber = n
            }
            let args = arena.array(rule.arguments.map {
                pp_seccomp_arg(index: UInt32($0.index), op: $0.comparison.cValue, value: $0.value, value_two: $0.valueTwo)
            })
            let (kind, data) = rule.action.cAction
            cRules.append(pp_seccomp_rule(name: arena.string(rule.name), native_number: nativeNumber, action: kind,
                                          action_data: data, arg_count: UInt32(rule.arguments.count), args: args))
        }
        let arches = arena.constStringArray(policy.architectures.map(\.libseccompName))
        let rules = arena.array(cRules)
        var spec = pp_seccomp_spec(default_action: defaultKind, default_action_data: defaultData, arches: arches,
                                   arch_count: policy.architectures.count, rules: rules, rule_count: cRules.count)

        let capacity = Int(PP_SECCOMP_MAX_INSTRUCTIONS)
        let program = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity)
        defer { program.deallocate() }
        var count: UInt32 = 0
        var unresolved: UInt32 = 0
        var message = [CChar](repeating: 0, count: 512)
        let rc = pp_seccomp_compile(&spec, program, UInt32(capacity), &count, &unresolved, &message, message.count)
        guard rc == 0 else {
            let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw SeccompError("seccomp profile \(profile): \(text)")
        }
        return SeccompFilter(copying: program, count: Int(count), flags: policy.flags, skippedSyscalls: skipped)
    }
}

extension SeccompPolicy.Action {
    var cAction: (UInt32, UInt32) {
        switch self {
        case .allow: return (UInt32(PP_SECCOMP_ALLOW.rawValue), 0)
        case .errno(let e): return (UInt32(PP_SECCOMP_ERRNO.rawValue), UInt32(e))
        case .killThread: return (UInt32(PP_SECCOMP_KILL_THREAD.rawValue), 0)
        case .killProcess: return (UInt32(PP_SECCOMP_KILL_PROCESS.rawValue), 0)
        case .trap: return (UInt32(PP_SECCOMP_TRAP.rawValue), 0)
        case .log: return (UInt32(PP_SECCOMP_LOG.rawValue), 0)
        case .trace(let v): return (UInt32(PP_SECCOMP_TRACE.rawValue), UInt32(v))
        }
    }
}

extension SeccompPolicy.Comparison {
    var cValue: UInt32 {
        switch self {
        case .notEqual: return UInt32(PP_SECCOMP_NE.rawValue)
        case .lessThan: return UInt32(PP_SECCOMP_LT.rawValue)
        case .lessOrEqual: return UInt32(PP_SECCOMP_LE.rawValue)
        case .equal: return UInt32(PP_SECCOMP_EQ.rawValue)
        case .greaterOrEqual: return UInt32(PP_SECCOMP_GE.rawValue)
        case .greaterThan: return UInt32(PP_SECCOMP_GT.rawValue)
        case .maskedEqual: return UInt32(PP_SECCOMP_MASKED_EQ.rawValue)
        }
    }
}

extension SeccompPolicy {
    /// Numbers of system calls newer than some libseccomp builds know, for the native
    /// architecture only (libseccomp cannot translate a number it has no name for to another
    /// architecture). Since Linux 5.1 (pidfd_send_signal, 424) new calls get one number on every
    /// architecture but alpha, ia64 and MIPS; uretprobe exists on x86_64 alone.
    static func newerSyscallNumbers(on architecture: SeccompArchitecture) -> [String: Int32] {
        switch architecture {
        case .mips, .mipsel, .mips64, .mipsel64, .mips64n32, .mipsel64n32, .x32: return [:]
        default: break
        }
        var table = unifiedSyscallNumbers
        if architecture == .x86_64 { table["uretprobe"] = 335 }
        return table
    }

    static let unifiedSyscallNumbers: [String: Int32] = [
        "pidfd_send_signal": 424, "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433,
        "pidfd_open": 434, "clone3": 435, "close_range": 436, "openat2": 437, "pidfd_getfd": 438,
        "faccessat2": 439, "process_madvise": 440, "epoll_pwait2": 441, "mount_setattr": 442,
        "quotactl_fd": 443, "landlock_create_ruleset": 444, "landlock_add_rule": 445,
        "landlock_restrict_self": 446, "memfd_secret": 447, "process_mrelease": 448, "futex_waitv": 449,
        "set_mempolicy_home_node": 450, "cachestat": 451, "fchmodat2": 452, "map_shadow_stack": 453,
        "futex_wake": 454, "futex_wait": 455, "futex_requeue": 456, "statmount": 457, "listmount": 458,
        "lsm_get_self_attr": 459, "lsm_set_self_attr": 460, "lsm_list_modules": 461, "mseal": 462,
        "setxattrat": 463, "getxattrat": 464, "listxattrat": 465, "removexattrat": 466, "open_tree_attr": 467,
    ]
}

// MARK: - Files

extension SeccompFilter {
    /// The file form: "PPSECCMP", then little-endian UInt32s (format 1, flags, instruction
    /// count, 0), then the instructions as they lie in memory. Only this machine reads it back.
    static let magic: [UInt8] = Array("PPSECCMP".utf8)
    static let headerSize = 24

    /// Publishes the filter at `path`, atomically (a reader sees the old file or the whole new one).
    public func write(to path: String) throws(SeccompError) {
        var bytes = SeccompFilter.magic
        for field in [UInt32(1), flags, UInt32(count), 0] {
            withUnsafeBytes(of: field.littleEndian) { bytes.append(contentsOf: $0) }
        }
        bytes.append(contentsOf: UnsafeRawBufferPointer(start: storage, count: count * 8))
        let temp = path + ".tmp"
        do {
            try FileSystem.writeFile(temp, bytes, mode: 0o644)
        } catch {
            let code = (error as? StoreError)?.errno ?? EIO
            unlink(temp)
            throw SeccompError("seccomp filter \(path): write: \(String(cString: strerror(code)))")
        }
        guard rename(temp, path) == 0 else {
            let e = errno
            unlink(temp)
            throw SeccompError("seccomp filter \(path): rename: \(String(cString: strerror(e)))")
        }
    }

    /// Reads a filter `write(to:)` published.
    public static func read(from path: String) throws(SeccompError) -> SeccompFilter {
        let limit = headerSize + Int(PP_SECCOMP_MAX_INSTRUCTIONS) * 8
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readBytes(path, limit: limit + 1)
        } catch {
            let code = (error as? StoreError)?.errno ?? EIO
            throw SeccompError("seccomp filter \(path): \(code == ENOENT ? "no such file" : String(cString: strerror(code)))")
        }
        func field(_ i: Int) -> UInt32 {
            var v: UInt32 = 0
            for b in 0..<4 { v |= UInt32(bytes[8 + i * 4 + b]) << (8 * UInt32(b)) }
            return v
        }
        guard bytes.count >= headerSize, Array(bytes[0..<8]) == magic else {
            throw SeccompError("seccomp filter \(path): not a Peapod seccomp filter file")
        }
        guard field(0) == 1, field(3) == 0 else {
            throw SeccompError("seccomp filter \(path): format \(field(0)) is not one this Peapod reads")
        }
        let count = Int(field(2))
        guard count >= 1, count <= Int(PP_SECCOMP_MAX_INSTRUCTIONS), bytes.count == headerSize + count * 8 else {
            throw SeccompError("seccomp filter \(path): \(bytes.count) bytes do not hold the \(count) instructions its header announces")
        }
        let known: UInt32 = UInt32(PP_SECCOMP_FLAG_LOG) | UInt32(PP_SECCOMP_FLAG_SPEC_ALLOW)
        guard field(1) & ~known == 0 else {
            throw SeccompError("seccomp filter \(path): unknown flags 0x\(String(field(1), radix: 16))")
        }
        return bytes.withUnsafeBytes { raw in
            withUnsafeTemporaryAllocation(of: UInt64.self, capacity: count) { buffer in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[headerSize...]))
                return SeccompFilter(copying: buffer.baseAddress!, count: count, flags: field(1), skippedSyscalls: [])
            }
        }
    }
}
