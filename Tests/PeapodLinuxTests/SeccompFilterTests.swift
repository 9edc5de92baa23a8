// RuntimeDefault compiled with libseccomp and run on a classic-BPF interpreter: what a container
// with given capabilities may call, on this machine's architecture and its 32-bit neighbours.

import CPeapod
import Foundation
import Testing
@testable import PeapodLinux

/// Capability masks: bit n for capability n.
enum Caps {
    /// Docker's and containerd's defaults: CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW,
    /// SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE.
    static let runtimeDefault: UInt64 = 0xa804_25fb

    static func bit(_ name: String) -> UInt64 { 1 << UInt64(SeccompPolicy.capabilityNumber(name)!) }
}

/// The machine's architecture with a chosen kernel: the filter is compiled by libseccomp for
/// the native architecture, so tests run native system call numbers.
func testHost(kernel: KernelVersion = KernelVersion(6, 1)) -> SeccompHost {
    var host = try! SeccompHost.current()
    host.kernel = kernel
    return host
}

let nativeAudit: UInt32? = AuditArch.of(testHost().architecture)
let isX86_64 = testHost().architecture == .x86_64

func nr(_ name: String) -> Int32 {
    let n = pp_seccomp_syscall_number(name)
    precondition(n >= 0, "\(name) is not a native system call here")
    return n
}

/// Runs one native call through a filter.
func verdict(_ filter: SeccompFilter, _ name: String, _ args: [UInt64] = []) throws -> SeccompVerdict {
    try SeccompInterpreter.run(filter.instructions, SeccompCall(nr(name), arch: nativeAudit!, args: args))
}

// clone(2) flags.
let CLONE_VM_: UInt64 = 0x100, CLONE_FS_: UInt64 = 0x200, CLONE_FILES_: UInt64 = 0x400
let CLONE_SIGHAND_: UInt64 = 0x800, CLONE_THREAD_: UInt64 = 0x10000, CLONE_NEWNS_: UInt64 = 0x20000
let CLONE_NEWUSER_: UInt64 = 0x1000_0000, CLONE_NEWNET_: UInt64 = 0x4000_0000, CLONE_NEWCGROUP_: UInt64 = 0x0200_0000

@Suite("RuntimeDefault compiled", .enabled(if: nativeAudit != nil, "the interpreter knows no AUDIT_ARCH for this machine"))
struct SeccompRuntimeDefaultTests {
    let defaultCaps: SeccompFilter
    let admin: SeccompFilter

    init() throws {
        defaultCaps = try SeccompFilter.compile(.runtimeDefault, capabilities: Caps.runtimeDefault, host: testHost())
        admin = try SeccompFilter.compile(.runtimeDefault, capabilities: Caps.runtimeDefault | Caps.bit("CAP_SYS_ADMIN"), host: testHost())
    }

    @Test func theProgramFitsTheKernelAndEndsEveryPathWithAReturn() throws {
        #expect(defaultCaps.count > 100 && defaultCaps.count <= 4096)
        #expect(defaultCaps.flags == UInt32(PP_SECCOMP_FLAG_SPEC_ALLOW))
        // Every native system call number gets a verdict without the interpreter failing.
        for n in Int32(0)..<Int32(480) {
            _ = try SeccompInterpreter.run(defaultCaps.instructions, SeccompCall(n, arch: nativeAudit!))
        }
    }

    @Test func everyNativeCallIsDecidedInAFewInstructions() throws {
        // libseccomp's binary tree: about log2(350) comparisons, not a walk down the allow-list.
        var worst = 0
        for n in Int32(0)..<Int32(480) {
            worst = max(worst, try SeccompInterpreter.execute(defaultCaps.instructions, SeccompCall(n, arch: nativeAudit!)).steps)
        }
        #expect(worst <= 40, "\(worst) instructions")
    }

    @Test(arguments: ["read", "write", "execve", "getpid", "openat", "mmap", "futex", "exit_group", "rt_sigreturn",
                      "chroot", "capset", "setuid", "mknodat", "name_to_handle_at", "io_uring_setup", "seccomp"])
    func everydayCallsAreAllowed(name: String) throws {
        #expect(try verdict(defaultCaps, name).isAllowed, "\(name)")
    }

    @Test(arguments: ["mount", "umount2", "init_module", "finit_module", "delete_module", "kexec_load", "reboot",
                      "swapon", "settimeofday", "clock_settime", "open_by_handle_at", "bpf", "perf_event_open",
                      "keyctl", "add_key", "request_key", "unshare", "setns", "acct", "syslog", "vhangup", "mbind",
                      "kcmp", "pidfd_getfd", "process_madvise", "fsopen", "open_tree", "move_mount", "sethostname",
                      "quotactl", "lookup_dcookie", "userfaultfd", "pivot_root", "iopl", "ioperm",
                      "lsm_list_modules"])
    func privilegedCallsFailWithEPERMUnderTheDefaultCapabilities(name: String) throws {
        guard pp_seccomp_syscall_number(name) >= 0 || SeccompPolicy.unifiedSyscallNumbers[name] != nil else { return }
        let n = pp_seccomp_syscall_number(name) >= 0 ? pp_seccomp_syscall_number(name) : SeccompPolicy.unifiedSyscallNumbers[name]!
        let v = try SeccompInterpreter.run(defaultCaps.instructions, SeccompCall(n, arch: nativeAudit!))
        #expect(v.isErrno(EPERM), "\(name): \(v)")
    }

    @Test func anUnlistedSystemCallNumberFailsWithEPERM() throws {
        let v = try SeccompInterpreter.run(defaultCaps.instructions, SeccompCall(4000, arch: nativeAudit!))
        #expect(v.isErrno(EPERM), "\(v)")
    }

    @Test func capSysAdminUnlocksMountNamespacesAndTheNewMountAPI() throws {
        for name in ["mount", "umount2", "unshare", "setns", "sethostname", "fsopen", "move_mount", "bpf", "perf_event_open"] {
            #expect(try verdict(admin, name).isAllowed, "\(name)")
        }
        // And not what other capabilities guard.
        for name in ["reboot", "init_module", "settimeofday", "kcmp"] {
            #expect(try verdict(admin, name).isErrno(EPERM), "\(name)")
        }
    }

    @Test(arguments: [
        ("CAP_SYS_MODULE", "init_module"), ("CAP_SYS_MODULE", "finit_module"), ("CAP_SYS_MODULE", "delete_module"),
        ("CAP_SYS_BOOT", "reboot"), ("CAP_SYS_TIME", "settimeofday"), ("CAP_SYS_TIME", "clock_settime"),
        ("CAP_SYSLOG", "syslog"), ("CAP_SYS_NICE", "mbind"), ("CAP_SYS_NICE", "set_mempolicy"),
        ("CAP_SYS_NICE", "set_mempolicy_home_node"), ("CAP_SYS_RAWIO", "iopl"), ("CAP_SYS_RAWIO", "ioperm"),
        ("CAP_SYS_PACCT", "acct"), ("CAP_SYS_TTY_CONFIG", "vhangup"), ("CAP_BPF", "bpf"),
        ("CAP_PERFMON", "perf_event_open"), ("CAP_DAC_READ_SEARCH", "open_by_handle_at"),
        ("CAP_SYS_PTRACE", "kcmp"), ("CAP_SYS_PTRACE", "pidfd_getfd"), ("CAP_SYS_PTRACE", "process_madvise"),
    ])
    func eachCapabilityUnlocksItsCalls(capability: String, name: String) throws {
        guard pp_seccomp_syscall_number(name) >= 0 else { return }  // iopl/ioperm exist on x86 only
        let without = try SeccompFilter.compile(.runtimeDefault, capabilities: Caps.runtimeDefault, host: testHost())
        let with = try SeccompFilter.compile(.runtimeDefault, capabilities: Caps.runtimeDefault | Caps.bit(capability), host: testHost())
        #expect(try verdict(without, name).isErrno(EPERM), "\(name) without \(capability)")
        #expect(try verdict(with, name).isAllowed, "\(name) with \(capability)")
    }

    @Test func cloneWithNamespaceFlagsNeedsCapSysAdmin() throws {
        guard testHost().architecture != .s390x else { return }
        let fork: UInt64 = UInt64(SIGCHLD)
        let thread = CLONE_VM_ | CLONE_FS_ | CLONE_FILES_ | CLONE_SIGHAND_ | CLONE_THREAD_
        #expect(try verdict(defaultCaps, "clone", [fork]).isAllowed)
        #expect(try verdict(defaultCaps, "clone", [thread]).isAllowed)
        for flag in [CLONE_NEWUSER_, CLONE_NEWNS_, CLONE_NEWNET_, CLONE_NEWCGROUP_, CLONE_NEWUSER_ | CLONE_NEWNS_] {
            #expect(try verdict(defaultCaps, "clone", [fork | flag]).isErrno(EPERM), "flags 0x\(String(flag, radix: 16))")
            #expect(try verdict(admin, "clone", [fork | flag]).isAllowed)
        }
    }

    @Test func clone3FailsWithENOSYSSoLibcFallsBackToCloneUnlessCapSysAdmin() throws {
        #expect(try verdict(defaultCaps, "clone3").isErrno(ENOSYS))
        #expect(try verdict(admin, "clone3").isAllowed)
    }

    @Test func personalityAllowsOnlyTheQueryAndHarmlessPersonas() throws {
        for persona: UInt64 in [0, 0x8, 0x20000, 0x20008, 0xffff_ffff] {
            #expect(try verdict(defaultCaps, "personality", [persona]).isAllowed, "0x\(String(persona, radix: 16))")
        }
        for persona: UInt64 in [0x9999, 0x0040_0000, 0x1, 0x0100_0000] {
            #expect(try verdict(defaultCaps, "personality", [persona]).isErrno(EPERM), "0x\(String(persona, radix: 16))")
        }
    }

    @Test func socketsOfEveryFamilyButVsock() throws {
        #expect(try verdict(defaultCaps, "socket", [UInt64(AF_INET)]).isAllowed)
        #expect(try verdict(defaultCaps, "socket", [UInt64(AF_UNIX)]).isAllowed)
        #expect(try verdict(defaultCaps, "socket", [40]).isErrno(EPERM))
    }

    @Test func ptraceIsAllowedFromKernel4_8AndOtherwiseNeedsCapSysPtrace() throws {
        #expect(try verdict(defaultCaps, "ptrace").isAllowed)
        #expect(try verdict(defaultCaps, "process_vm_readv").isAllowed)
        let old = testHost(kernel: KernelVersion(4, 4))
        let before = try SeccompFilter.compile(.runtimeDefault, capabilities: Caps.runtimeDefault, host: old)
        #expect(try verdict(before, "ptrace").isErrno(EPERM))
        let traced = try SeccompFilter.compile(.runtimeDefault, capabilities: Caps.runtimeDefault | Caps.bit("CAP_SYS_PTRACE"), host: old)
        #expect(try verdict(traced, "ptrace").isAllowed)
    }

    @Test func aForeignArchitectureIsKilled() throws {
        let foreign = isX86_64 ? AuditArch.aarch64 : AuditArch.x86_64
        let v = try SeccompInterpreter.run(defaultCaps.instructions, SeccompCall(0, arch: foreign))
        #expect(v.action == SeccompVerdict.killThread, "\(v)")
    }

    @Test(.enabled(if: isX86_64)) func i386AndX32CallsFollowTheSameRules() throws {
        let i386 = AuditArch.i386
        // i386 numbers: read 3, mount 21, personality 136, socketcall 102, arch_prctl 384.
        #expect(try SeccompInterpreter.run(defaultCaps.instructions, SeccompCall(3, arch: i386)).isAllowed)
        #expect(try SeccompInterpreter.run(defaultCaps.instructions, SeccompCall(21, arch: i386)).isErrno(EPERM))
        #expect(try SeccompInterpreter.run(admin.instructions, SeccompCall(21, arch: i386)).isAllowed)
        #expect(try SeccompInterpreter.run(defaultCaps.instructions, SeccompCall(136, arch: i386, args: [0x9999])).isErrno(EPERM))
        #expect(try SeccompInterpreter.run(defaultCaps.instructions, SeccompCall(102, arch: i386)).isAllowed)
        // x32: x86_64's numbers with bit 30, under x86_64's AUDIT_ARCH.
        let x32 = UInt32(0x4000_0000)
        #expect(try SeccompInterpreter.run(defaultCaps.instructions, SeccompCall(Int32(bitPattern: x32 | 0), arch: AuditArch.x86_64)).isAllowed)
        #expect(try SeccompInterpreter.run(defaultCaps.instructions, SeccompCall(Int32(bitPattern: x32 | 165), arch: AuditArch.x86_64)).isErrno(EPERM))
    }

    @Test(.enabled(if: isX86_64)) func x86_64OnlyCallsAreAllowedThere() throws {
        #expect(try verdict(defaultCaps, "arch_prctl").isAllowed)
        #expect(try verdict(defaultCaps, "modify_ldt").isAllowed)
        // uretprobe (335) is newer than this machine's libseccomp may know: allowed by number.
        #expect(try SeccompInterpreter.run(defaultCaps.instructions, SeccompCall(335, arch: AuditArch.x86_64)).isAllowed)
    }

    @Test func systemCallsNewerThanLibseccompAreAllowedByNumberOnTheNativeArchitecture() throws {
        // statmount, listmount, mseal, setxattrat, getxattrat, listxattrat, removexattrat.
        for (name, number) in [("statmount", 457), ("listmount", 458), ("mseal", 462), ("setxattrat", 463),
                               ("getxattrat", 464), ("listxattrat", 465), ("removexattrat", 466)] {
            let v = try SeccompInterpreter.run(defaultCaps.instructions, SeccompCall(Int32(number), arch: nativeAudit!))
            #expect(v.isAllowed, "\(name): \(v)")
            #expect(!defaultCaps.skippedSyscalls.contains(name))
        }
        // lsm_* stay behind CAP_SYS_ADMIN.
        #expect(try SeccompInterpreter.run(defaultCaps.instructions, SeccompCall(461, arch: nativeAudit!)).isErrno(EPERM))
        #expect(try SeccompInterpreter.run(admin.instructions, SeccompCall(461, arch: nativeAudit!)).isAllowed)
    }

    @Test func theTableOfNewerNumbersAgreesWithLibseccomp() {
        guard testHost().architecture == .x86_64 || testHost().architecture == .aarch64 else { return }
        for (name, number) in SeccompPolicy.unifiedSyscallNumbers {
            let known = pp_seccomp_syscall_number(name)
            // memfd_secret and map_shadow_stack are missing on some architectures (pseudo numbers).
            if known >= 0 { #expect(known == number, "\(name)") }
        }
        if isX86_64, pp_seccomp_syscall_number("uretprobe") >= 0 { #expect(pp_seccomp_syscall_number("uretprobe") == 335) }
    }

    @Test func theSameInputsCompileToTheSameProgram() throws {
        let again = try SeccompFilter.compile(.runtimeDefault, capabilities: Caps.runtimeDefault, host: testHost())
        #expect(again.instructions == defaultCaps.instructions)
        #expect(admin.instructions != defaultCaps.instructions)
    }
}

@Suite("Seccomp policies compiled", .enabled(if: nativeAudit != nil, "the interpreter knows no AUDIT_ARCH for this machine"))
struct SeccompCompileTests {
    func compile(_ json: String, capabilities: UInt64 = Caps.runtimeDefault) throws -> SeccompFilter {
        try SeccompFilter.compile(try SeccompPolicy.parse(json, file: "test.json"), capabilities: capabilities, host: testHost(), profile: "test.json")
    }

    @Test func everyActionReturnsWhatTheKernelExpects() throws {
        let filter = try compile("""
        {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
          {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
          {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO"},
          {"names": ["reboot"], "action": "SCMP_ACT_KILL_PROCESS"},
          {"names": ["swapon"], "action": "SCMP_ACT_KILL"},
          {"names": ["swapoff"], "action": "SCMP_ACT_KILL_THREAD"},
          {"names": ["kexec_load"], "action": "SCMP_ACT_TRAP"},
          {"names": ["uname"], "action": "SCMP_ACT_LOG"},
          {"names": ["sync"], "action": "SCMP_ACT_TRACE", "errnoRet": 7}
        ]}
        """)
        #expect(try verdict(filter, "mkdirat").isErrno(EACCES))
        #expect(try verdict(filter, "rmdir").isErrno(EPERM))
        #expect(try verdict(filter, "reboot").action == SeccompVerdict.killProcess)
        #expect(try verdict(filter, "swapon").action == SeccompVerdict.killThread)
        #expect(try verdict(filter, "swapoff").action == SeccompVerdict.killThread)
        #expect(try verdict(filter, "kexec_load").action == SeccompVerdict.trap)
        #expect(try verdict(filter, "uname").action == SeccompVerdict.log)
        #expect(try verdict(filter, "sync") == SeccompVerdict(value: SeccompVerdict.trace | 7))
        #expect(try verdict(filter, "read").isAllowed)
    }

    @Test func argumentComparisons() throws {
        let filter = try compile("""
        {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
          {"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 3, "op": "SCMP_CMP_LT"}]},
          {"names": ["write"], "action": "SCMP_ACT_ALLOW", "args": [
             {"index": 0, "value": 1, "op": "SCMP_CMP_GE"}, {"index": 2, "value": 4096, "op": "SCMP_CMP_LE"}]},
          {"names": ["close"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_GT"}]},
          {"names": ["dup"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 5, "op": "SCMP_CMP_NE"}]},
          {"names": ["fcntl"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 255, "valueTwo": 1, "op": "SCMP_CMP_MASKED_EQ"}]},
          {"names": ["lseek"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 1, "value": 4294967296, "op": "SCMP_CMP_EQ"}]}
        ]}
        """)
        #expect(try verdict(filter, "read", [2]).isAllowed)
        #expect(try verdict(filter, "read", [3]).isErrno(ENOSYS))
        #expect(try verdict(filter, "write", [1, 0, 4096]).isAllowed)
        #expect(try verdict(filter, "write", [1, 0, 4097]).isErrno(ENOSYS))
        #expect(try verdict(filter, "write", [0, 0, 10]).isErrno(ENOSYS))
        #expect(try verdict(filter, "close", [3]).isAllowed)
        #expect(try verdict(filter, "close", [2]).isErrno(ENOSYS))
        #expect(try verdict(filter, "dup", [4]).isAllowed)
        #expect(try verdict(filter, "dup", [5]).isErrno(ENOSYS))
        #expect(try verdict(filter, "fcntl", [0, 0x101]).isAllowed)
        #expect(try verdict(filter, "fcntl", [0, 0x102]).isErrno(ENOSYS))
        // 64-bit arguments are compared whole.
        #expect(try verdict(filter, "lseek", [0, 1 << 32]).isAllowed)
        #expect(try verdict(filter, "lseek", [0, 0]).isErrno(ENOSYS))
    }

    @Test func conditionsOnOneArgumentAreAlternativesAsInRunc() throws {
        let filter = try compile("""
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
            {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}
        ]}
        """)
        #expect(try verdict(filter, "personality", [0]).isAllowed)
        #expect(try verdict(filter, "personality", [8]).isAllowed)
        #expect(try verdict(filter, "personality", [9]).isErrno(EPERM))
    }

    @Test func unknownSystemCallNamesAreSkippedAndReported() throws {
        let filter = try compile("""
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["read", "no_such_call", "write"], "action": "SCMP_ACT_ALLOW"}
        ]}
        """)
        #expect(filter.skippedSyscalls == ["no_such_call"])
        #expect(try verdict(filter, "read").isAllowed)
        #expect(try verdict(filter, "write").isAllowed)
    }

    @Test func aRuleWithTheDefaultActionIsLeftOut() throws {
        let filter = try compile("""
        {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
          {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
          {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}
        ]}
        """)
        #expect(try verdict(filter, "read").isAllowed)
        #expect(try verdict(filter, "mkdir").isErrno(EPERM))
    }

    @Test func includesAndExcludesFollowCapabilitiesArchitectureAndKernel() throws {
        let json = """
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_NET_ADMIN", "CAP_SYS_NICE"]}},
          {"names": ["write"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_NET_ADMIN"]}},
          {"names": ["close"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "99.1"}},
          {"names": ["dup"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "99.1"}},
          {"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["\(isX86_64 ? "amd64" : "arm64")"]}},
          {"names": ["gettid"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["s390x"]}}
        ]}
        """
        let plain = try compile(json)
        let netAdmin = try compile(json, capabilities: Caps.runtimeDefault | Caps.bit("CAP_NET_ADMIN"))
        let both = try compile(json, capabilities: Caps.runtimeDefault | Caps.bit("CAP_NET_ADMIN") | Caps.bit("CAP_SYS_NICE"))
        #expect(try verdict(plain, "read").isErrno(EPERM))
        #expect(try verdict(netAdmin, "read").isErrno(EPERM))
        #expect(try verdict(both, "read").isAllowed)
        #expect(try verdict(plain, "write").isAllowed)
        #expect(try verdict(netAdmin, "write").isErrno(EPERM))
        #expect(try verdict(plain, "close").isErrno(EPERM))
        #expect(try verdict(plain, "dup").isAllowed)
        #expect(try verdict(plain, "getpid").isAllowed)
        #expect(try verdict(plain, "gettid").isErrno(EPERM))
    }

    @Test func flagsAreCarriedToTheFilter() throws {
        #expect(try compile(#"{"defaultAction": "SCMP_ACT_ALLOW"}"#).flags == UInt32(PP_SECCOMP_FLAG_SPEC_ALLOW))
        #expect(try compile(#"{"defaultAction": "SCMP_ACT_ALLOW", "flags": []}"#).flags == 0)
        #expect(try compile(#"{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_TSYNC"]}"#).flags
            == UInt32(PP_SECCOMP_FLAG_LOG))
    }

    @Test func anArchitectureListedAddsItsCalls() throws {
        guard isX86_64 else { return }
        let only = try compile(#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}"#)
        // Native only: an i386 call is a foreign architecture.
        #expect(try SeccompInterpreter.run(only.instructions, SeccompCall(3, arch: AuditArch.i386)).action == SeccompVerdict.killThread)
        let with = try compile(#"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"], "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"}]}"#)
        #expect(try SeccompInterpreter.run(with.instructions, SeccompCall(3, arch: AuditArch.i386)).isAllowed)
        #expect(try SeccompInterpreter.run(with.instructions, SeccompCall(0, arch: AuditArch.x86_64)).isAllowed)
    }

    @Test func conflictingRulesKeepTheFirstAsLibseccompDoes() throws {
        let filter = try compile("""
        {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
          {"names": ["read"], "action": "SCMP_ACT_ALLOW"},
          {"names": ["read"], "action": "SCMP_ACT_KILL_PROCESS"}
        ]}
        """)
        #expect(try verdict(filter, "read").isAllowed)
    }
}

@Suite("Seccomp filter files")
struct SeccompFilterFileTests {
    func directory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.path + "/peapod-seccomp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func aWrittenFilterReadsBackIdentical() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let filter = try SeccompFilter.compile(.runtimeDefault, capabilities: Caps.runtimeDefault, host: testHost())
        try filter.write(to: dir + "/seccomp.bpf")
        let back = try SeccompFilter.read(from: dir + "/seccomp.bpf")
        #expect(back.instructions == filter.instructions)
        #expect(back.count == filter.count && back.flags == filter.flags)
        #expect(!FileManager.default.fileExists(atPath: dir + "/seccomp.bpf.tmp"))
        // Writing again replaces it.
        let other = try SeccompFilter.compile(.runtimeDefault, capabilities: Caps.runtimeDefault | Caps.bit("CAP_SYS_ADMIN"), host: testHost())
        try other.write(to: dir + "/seccomp.bpf")
        #expect(try SeccompFilter.read(from: dir + "/seccomp.bpf").instructions == other.instructions)
    }

    @Test func damagedFilesAreRefusedWithTheirPath() throws {
        let dir = try directory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let filter = try SeccompFilter.compile(.runtimeDefault, capabilities: Caps.runtimeDefault, host: testHost())
        let path = dir + "/f"
        try filter.write(to: path)
        let good = try Data(contentsOf: URL(fileURLWithPath: path))

        func refused(_ bytes: Data, _ words: String) throws {
            try bytes.write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: SeccompError.self) { try SeccompFilter.read(from: path) }
            #expect(error?.message.hasPrefix("seccomp filter \(path): ") == true)
            #expect(error?.message.contains(words) == true, "\(error?.message ?? "")")
        }
        try refused(Data("not a filter".utf8), "not a Peapod seccomp filter file")
        try refused(good.prefix(good.count - 8), "do not hold")
        try refused(good + Data([0]), "do not hold")
        var version = good
        version[8] = 2
        try refused(version, "format 2")
        var flags = good
        flags[12] = 0x80
        try refused(flags, "unknown flags")
        var zero = good.prefix(24)
        zero[16] = 0
        zero[17] = 0
        try refused(zero, "do not hold")

        let missing = #expect(throws: SeccompError.self) { try SeccompFilter.read(from: dir + "/none") }
        #expect(missing?.message == "seccomp filter \(dir)/none: no such file")
        let unwritable = #expect(throws: SeccompError.self) { try filter.write(to: dir + "/no/such/dir/f") }
        #expect(unwritable?.message == "seccomp filter \(dir)/no/such/dir/f: write: No such file or directory")
    }
}

/// A fresh pthread (not one of Swift's pool), for loading a filter that dies with it.
func onOwnThread(_ body: @escaping @Sendable () -> Void) {
    final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { arg in
        let box = Unmanaged<Box>.fromOpaque(arg!).takeRetainedValue()
        box.body()
        return nil
    }, box)
    precondition(rc == 0)
    pthread_join(thread, nil)
}

/// glibc's syscall(), which Swift does not import (it is variadic). It is an assembly stub that
/// moves its integer arguments into the system call's registers, so a fixed seven-argument
/// signature calls it correctly.
typealias RawSyscall = @convention(c) (Int, Int, Int, Int, Int, Int, Int) -> Int
let rawSyscall: RawSyscall = unsafeBitCast(dlsym(nil, "syscall")!, to: RawSyscall.self)

/// The errno a raw system call failed with, 0 when it succeeded.
func failure(_ name: String, _ args: Int...) -> Int32 {
    var a = args + [Int](repeating: 0, count: 6 - args.count)
    a = Array(a.prefix(6))
    return rawSyscall(Int(nr(name)), a[0], a[1], a[2], a[3], a[4], a[5]) == -1 ? errno : 0
}

let PR_SET_NO_NEW_PRIVS_ = 38

@Suite("Seccomp filter loaded by the kernel")
struct SeccompKernelTests {
    /// Loads RuntimeDefault on a thread of its own with no_new_privs (so no privilege is needed;
    /// both end with the thread) and makes real system calls under it.
    @Test func theKernelRefusesWhatTheFilterRefuses() throws {
        let filter = try SeccompFilter.compile(.runtimeDefault, capabilities: Caps.runtimeDefault, host: try SeccompHost.current())
        let results = Results()
        onOwnThread {
            results.set("nnp", failure("prctl", PR_SET_NO_NEW_PRIVS_, 1))
            do { try filter.installOnCurrentThread() } catch { results.set("install", -1); return }
            results.set("install", 0)
            results.set("getpid", failure("getpid"))
            results.set("personality", failure("personality", 0x9999))
            results.set("personality query", failure("personality", 0xffff_ffff))
            results.set("mount", failure("mount"))
            results.set("unshare", failure("unshare", 0x0400_0000))
            results.set("clone3", failure("clone3"))
            results.set("vsock", failure("socket", 40, 1, 0))
        }
        #expect(results.get("nnp") == 0, "\(results)")
        #expect(results.get("install") == 0, "\(results)")
        #expect(results.get("getpid") == 0)
        #expect(results.get("personality query") == 0)
        #expect(results.get("personality") == EPERM)
        #expect(results.get("mount") == EPERM)
        #expect(results.get("unshare") == EPERM)
        #expect(results.get("clone3") == ENOSYS)
        #expect(results.get("vsock") == EPERM)
        // The filter went with its thread: this one may still ask for its persona.
        #expect(failure("personality", 0xffff_ffff) == 0)
    }

    @Test func aFilterReadBackFromAFileLoadsToo() throws {
        let path = FileManager.default.temporaryDirectory.path + "/peapod-seccomp-load-\(getpid())"
        defer { unlink(path) }
        try SeccompFilter.compile(.runtimeDefault, capabilities: Caps.runtimeDefault, host: try SeccompHost.current()).write(to: path)
        let filter = try SeccompFilter.read(from: path)
        let results = Results()
        onOwnThread {
            guard failure("prctl", PR_SET_NO_NEW_PRIVS_, 1) == 0 else { return }
            do { try filter.installOnCurrentThread() } catch { results.set("install", -1); return }
            results.set("install", 0)
            results.set("personality", failure("personality", 0x9999))
        }
        #expect(results.get("install") == 0)
        #expect(results.get("personality") == EPERM)
    }
}

final class Results: @unchecked Sendable, CustomStringConvertible {
    private var values: [String: Int32] = [:]
    private let lock = NSLock()
    func set(_ key: String, _ value: Int32) { lock.lock(); values[key] = value; lock.unlock() }
    func get(_ key: String) -> Int32? { lock.lock(); defer { lock.unlock() }; return values[key] }
    var description: String { lock.lock(); defer { lock.unlock() }; return "\(values)" }
}
