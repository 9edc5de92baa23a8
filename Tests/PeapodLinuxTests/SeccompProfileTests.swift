// Localhost profiles: the OCI/Docker JSON form read into SeccompPolicy, the errors a bad file
// gets, the profiles directory's path rules, and the per-process cache of compiled filters.

import Foundation
import PeapodRuntime
import PeapodSpec
import Testing
@testable import PeapodLinux

@Suite struct SeccompProfileParsingTests {
    @Test func aDockerStyleProfileReadsIntoEveryField() throws {
        let policy = try SeccompPolicy.parse("""
        {
          "defaultAction": "SCMP_ACT_ERRNO",
          "defaultErrnoRet": 1,
          "archMap": [
            {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
            {"architecture": "SCMP_ARCH_RISCV64", "subArchitectures": null}
          ],
          "syscalls": [
            {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "comment": "ignored", "args": []},
            {"name": "chown", "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_CHOWN"], "arches": ["amd64"], "minKernel": "4.8"}},
            {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
             "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}],
             "excludes": {"caps": ["SYS_ADMIN"], "arches": ["s390", "s390x"]}},
            {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
            {"names": ["sync"], "action": "SCMP_ACT_TRACE"}
          ],
          "unknownKey": {"is": "ignored"}
        }
        """, file: "docker.json")
        #expect(policy.defaultAction == .errno(1))
        #expect(policy.architectures.isEmpty)
        #expect(policy.architectureMap == [.init(.x86_64, [.x86, .x32]), .init(.riscv64, [])])
        #expect(policy.flags == nil)
        #expect(policy.rules.count == 5)
        #expect(policy.rules[0] == SeccompPolicy.Rule(names: ["read", "write"], action: .allow))
        #expect(policy.rules[1].names == ["chown"])
        #expect(policy.rules[1].includes == .init(capabilities: [0], architectures: ["amd64"], minimumKernel: KernelVersion(4, 8)))
        #expect(policy.rules[2].arguments == [.init(0, .maskedEqual, 2_114_060_288, 0)])
        #expect(policy.rules[2].excludes == .init(capabilities: [21], architectures: ["s390", "s390x"]))
        #expect(policy.rules[3].action == .errno(38))
        #expect(policy.rules[4].action == .trace(UInt16(EPERM)))
        #expect(policy.capabilitiesConsulted == (1 << 0) | (1 << 21))
    }

    @Test func anOCIProfileWithArchitecturesAndFlags() throws {
        let policy = try SeccompPolicy.parse("""
        {"defaultAction": "SCMP_ACT_KILL_PROCESS", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
         "flags": ["SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"],
         "syscalls": [{"names": ["exit"], "action": "SCMP_ACT_LOG"}]}
        """, file: "oci.json")
        #expect(policy.defaultAction == .killProcess)
        #expect(policy.architectures == [.x86_64, .aarch64])
        #expect(policy.flags == [.speculationAllowed, .log])
        #expect(policy.rules == [.init(names: ["exit"], action: .log)])
    }

    @Test func theArchitecturesResolveAroundTheNativeOne() throws {
        let host = SeccompHost(architecture: .x86_64, kernel: KernelVersion(6, 1))
        #expect(SeccompPolicy.runtimeDefault.architectures(on: host) == [.x86_64, .x86, .x32])
        #expect(SeccompPolicy.runtimeDefault.architectures(on: SeccompHost(architecture: .aarch64, kernel: host.kernel)) == [.aarch64, .arm])
        let listed = SeccompPolicy(defaultAction: .allow, architectures: [.x86, .x86_64], rules: [])
        #expect(listed.architectures(on: host) == [.x86_64, .x86])
        #expect(SeccompPolicy(defaultAction: .allow, rules: []).architectures(on: host) == [.x86_64])
    }

    /// Each bad profile, the field its error names and words from the problem.
    static let badProfiles: [(String, String)] = [
        (#"{"defaultAction": "SCMP_ACT_ALLOW""#, "JSON syntax error at line 1"),
        (#"[]"#, "must be an object, not array"),
        (#"{}"#, "defaultAction: is required"),
        (#"{"defaultAction": 1}"#, "defaultAction: must be a string, not integer"),
        (#"{"defaultAction": "SCMP_ACT_DENY"}"#, #"defaultAction: unknown action "SCMP_ACT_DENY""#),
        (#"{"defaultAction": "SCMP_ACT_NOTIFY"}"#, "defaultAction: SCMP_ACT_NOTIFY is not supported"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 1}"#, "defaultErrnoRet: is only allowed with SCMP_ACT_ERRNO and SCMP_ACT_TRACE"),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1}"#, "defaultErrnoRet: must not be negative"),
        (#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 70000}"#, "defaultErrnoRet: 70000 does not fit"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock"}"#, "listenerPath: seccomp notification agents are not supported"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_VAX"]}"#, #"architectures[0]: unknown architecture "SCMP_ARCH_VAX""#),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": "SCMP_ARCH_X86_64"}"#, "architectures: must be an array, not string"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["x86"]}]}"#,
         #"archMap[0].subArchitectures[0]: unknown architecture "x86""#),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "archMap": [{"subArchitectures": []}]}"#, "archMap[0].architecture: is required"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86"], "archMap": [{"architecture": "SCMP_ARCH_X86_64"}]}"#,
         "give either architectures or archMap, not both"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NEW_LISTENER"]}"#, #"flags[0]: unknown flag "SECCOMP_FILTER_FLAG_NEW_LISTENER""#),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": {}}"#, "syscalls: must be an array, not object"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_ERRNO"}]}"#, "syscalls[0].names: must name at least one system call"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "mount", "action": "SCMP_ACT_ERRNO"}]}"#, "syscalls[0].names: must be an array, not string"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [""], "action": "SCMP_ACT_ERRNO"}]}"#, "syscalls[0].names[0]: must not be empty"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"name": "mount", "names": ["umount"], "action": "SCMP_ACT_ERRNO"}]}"#,
         "syscalls[0]: give either name or names, not both"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"]}]}"#, "syscalls[0].action: is required"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_NOTIFY"}]}"#,
         "syscalls[0].action: SCMP_ACT_NOTIFY is not supported"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_KILL", "errnoRet": 1}]}"#,
         "syscalls[0].errnoRet: is only allowed with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not SCMP_ACT_KILL"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "op": "SCMP_CMP_EQ"}]}]}"#,
         "syscalls[0].args[0].index: 6 is not an argument index (0 to 5)"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "args": [{"op": "SCMP_CMP_EQ"}]}]}"#,
         "syscalls[0].args[0].index: is required"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0}]}]}"#,
         "syscalls[0].args[0].op: is required"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "op": "SCMP_CMP_LIKE"}]}]}"#,
         #"syscalls[0].args[0].op: unknown comparison "SCMP_CMP_LIKE""#),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "op": "SCMP_CMP_EQ", "value": 18446744073709551615}]}]}"#,
         "syscalls[0].args[0].value: must be an integer from 0 to 9223372036854775807"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "op": "SCMP_CMP_EQ", "valueTwo": "1"}]}]}"#,
         "syscalls[0].args[0].valueTwo: must be an integer, not string"),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_TIME_TRAVEL"]}}]}"#,
         #"syscalls[0].includes.caps[0]: unknown capability "CAP_TIME_TRAVEL""#),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "excludes": {"arches": ["vax"]}}]}"#,
         #"syscalls[0].excludes.arches[0]: unknown architecture "vax""#),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "includes": {"minKernel": "four"}}]}"#,
         #"syscalls[0].includes.minKernel: "four" is not a kernel version"#),
        (#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO", "includes": []}]}"#,
         "syscalls[0].includes: must be an object, not array"),
    ]

    @Test(arguments: badProfiles)
    func aBadProfileIsRefusedInOneLineNamingTheFileAndField(json: String, words: String) {
        let error = #expect(throws: SeccompError.self) { try SeccompPolicy.parse(json, file: "/srv/seccomp/bad.json") }
        guard let message = error?.message else { return }
        #expect(message.hasPrefix("seccomp profile /srv/seccomp/bad.json: "), "\(message)")
        #expect(message.contains(words), "\(message)")
        #expect(!message.contains("\n"))
    }

    static func mobyJSON(_ policy: SeccompPolicy) -> String { policy.dockerJSON() }

    @Test func runtimeDefaultInMobysJSONFormReadsBackAsTheSameProfile() throws {
        let json = Self.mobyJSON(.runtimeDefault)
        #expect(json.contains(#""minKernel": "4.8""#) && json.contains(#""caps": ["#))
        let policy = try SeccompPolicy.parse(json, file: "default.json")
        #expect(policy == SeccompPolicy.runtimeDefault)
        let host = testHost()
        #expect(try SeccompFilter.compile(policy, capabilities: Caps.runtimeDefault, host: host).instructions
            == SeccompFilter.compile(.runtimeDefault, capabilities: Caps.runtimeDefault, host: host).instructions)
    }

    @Test func unknownSystemCallNamesAreNotParseErrors() throws {
        let policy = try SeccompPolicy.parse(#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["no_such_call"], "action": "SCMP_ACT_ALLOW"}]}"#, file: "x")
        #expect(policy.rules[0].names == ["no_such_call"])
    }

    @Test func kernelVersions() {
        #expect(KernelVersion(parsing: "4.8") == KernelVersion(4, 8))
        #expect(KernelVersion(parsing: "6.18.44-fc-v1300") == KernelVersion(6, 18))
        #expect(KernelVersion(parsing: "5.15.0-91-generic") == KernelVersion(5, 15))
        #expect(KernelVersion(parsing: "5") == nil)
        #expect(KernelVersion(parsing: "v5.4") == nil)
        #expect(KernelVersion(parsing: "") == nil)
        #expect(KernelVersion(4, 8) < KernelVersion(4, 10))
        #expect(KernelVersion(4, 19) < KernelVersion(5, 0))
    }

    @Test func capabilityNames() {
        #expect(SeccompPolicy.capabilityNumber("CAP_SYS_ADMIN") == 21)
        #expect(SeccompPolicy.capabilityNumber("sys_admin") == 21)
        #expect(SeccompPolicy.capabilityNumber("CAP_CHECKPOINT_RESTORE") == 40)
        #expect(SeccompPolicy.capabilityNumber("CAP_NOPE") == nil)
    }

    @Test func runtimeDefaultConsultsTheCapabilitiesMobyNames() {
        let names = ["CAP_DAC_READ_SEARCH", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_CHROOT", "CAP_SYS_MODULE",
                     "CAP_SYS_PACCT", "CAP_SYS_PTRACE", "CAP_SYS_RAWIO", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG",
                     "CAP_SYS_NICE", "CAP_SYSLOG", "CAP_BPF", "CAP_PERFMON"]
        let mask = names.reduce(UInt64(0)) { $0 | 1 << UInt64(SeccompPolicy.capabilityNumber($1)!) }
        #expect(SeccompPolicy.runtimeDefault.capabilitiesConsulted == mask)
    }
}

@Suite struct SeccompFiltersCacheTests {
    func root() throws -> String {
        let dir = FileManager.default.temporaryDirectory.path + "/peapod-seccomp-root-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir + "/seccomp/profiles", withIntermediateDirectories: true)
        return dir
    }

    @Test func theContainersProfileWinsThenThePodsThenRuntimeDefault() {
        let local = SeccompProfile(type: "Localhost", localhostProfile: "profiles/a.json")
        let unconfined = SeccompProfile(type: "Unconfined")
        let runtime = SeccompProfile(type: "RuntimeDefault")
        func source(container: SeccompProfile?, pod: SeccompProfile?, privileged: Bool) -> SeccompSource? {
            var spec = PodSpec()
            var podContext = PodSecurityContext()
            podContext.seccompProfile = pod
            spec.securityContext = podContext
            var c = Container()
            var context = SecurityContext()
            context.seccompProfile = container
            context.privileged = privileged
            c.securityContext = context
            return SeccompSource(ContainerSecurity.resolve(pod: spec, container: c, allCapabilities: []).seccomp)
        }
        #expect(source(container: nil, pod: nil, privileged: false) == .runtimeDefault)
        #expect(source(container: nil, pod: local, privileged: false) == .localhost("profiles/a.json"))
        #expect(source(container: runtime, pod: local, privileged: false) == .runtimeDefault)
        #expect(source(container: unconfined, pod: runtime, privileged: false) == nil)
        #expect(source(container: local, pod: unconfined, privileged: false) == .localhost("profiles/a.json"))
        #expect(source(container: nil, pod: unconfined, privileged: false) == nil)
        #expect(source(container: runtime, pod: nil, privileged: true) == nil)
    }

    @Test func theProfilesDirectoryIsTheStateRootsSeccomp() {
        #expect(SeccompFilters.profilesDirectory(stateRoot: "/var/lib/peapod") == "/var/lib/peapod/seccomp")
        #expect(SeccompFilters.profilesDirectory(stateRoot: "/var/lib/peapod/") == "/var/lib/peapod/seccomp")
    }

    @Test(arguments: ["", "/etc/seccomp.json", "../x.json", "profiles/../../x.json", "a/..", "..", "a\u{0}b"])
    func aLocalhostPathThatCouldLeaveTheDirectoryIsRefused(relative: String) {
        let filters = SeccompFilters(profilesDirectory: "/var/lib/peapod/seccomp")
        let error = #expect(throws: SeccompError.self) { try filters.profilePath(relative) }
        #expect(error?.message.hasPrefix("seccomp localhostProfile \"") == true)
        #expect(throws: SeccompError.self) { try filters.filter(for: .localhost(relative), capabilities: 0) }
    }

    @Test(arguments: [("audit.json", "/var/lib/peapod/seccomp/audit.json"),
                      ("profiles/audit.json", "/var/lib/peapod/seccomp/profiles/audit.json"),
                      ("./x..y/a.json", "/var/lib/peapod/seccomp/./x..y/a.json")])
    func aDescendingPathIsReadUnderTheDirectory(relative: String, path: String) throws {
        #expect(try SeccompFilters(profilesDirectory: "/var/lib/peapod/seccomp").profilePath(relative) == path)
    }

    @Test func eachSourceAndCapabilitySetIsCompiledOnce() throws {
        let filters = SeccompFilters(profilesDirectory: "/nonexistent/seccomp", host: testHost())
        let a = try filters.filter(for: .runtimeDefault, capabilities: Caps.runtimeDefault)
        let b = try filters.filter(for: .runtimeDefault, capabilities: Caps.runtimeDefault)
        #expect(a === b)
        // NET_ADMIN is not consulted by RuntimeDefault: the same filter.
        let netAdmin = try filters.filter(for: .runtimeDefault, capabilities: Caps.runtimeDefault | Caps.bit("CAP_NET_ADMIN"))
        #expect(netAdmin === a)
        let admin = try filters.filter(for: .runtimeDefault, capabilities: Caps.runtimeDefault | Caps.bit("CAP_SYS_ADMIN"))
        #expect(admin !== a)
        #expect(try filters.filter(for: .runtimeDefault, capabilities: Caps.runtimeDefault | Caps.bit("CAP_SYS_ADMIN")) === admin)
    }

    @Test func aLocalhostProfileIsReadAndCompiledOnceAndErrorsNameItsPath() throws {
        let dir = try root()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let filters = SeccompFilters(profilesDirectory: SeccompFilters.profilesDirectory(stateRoot: dir), host: testHost())
        let path = dir + "/seccomp/profiles/audit.json"
        try #"{"defaultAction": "SCMP_ACT_LOG", "syscalls": [{"names": ["mount"], "action": "SCMP_ACT_ERRNO"}]}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let a = try filters.filter(for: .localhost("profiles/audit.json"), capabilities: Caps.runtimeDefault)
        // The file changing later does not change a running supervisor's filter.
        try "not json".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try filters.filter(for: .localhost("profiles/audit.json"), capabilities: 0) === a)
        #expect(try filters.filter(for: .runtimeDefault, capabilities: 0) !== a)

        let fresh = SeccompFilters(profilesDirectory: SeccompFilters.profilesDirectory(stateRoot: dir), host: testHost())
        let broken = #expect(throws: SeccompError.self) { try fresh.filter(for: .localhost("profiles/audit.json"), capabilities: 0) }
        #expect(broken?.message.hasPrefix("seccomp profile \(path): JSON syntax error") == true, "\(broken?.message ?? "")")
        let missing = #expect(throws: SeccompError.self) { try fresh.filter(for: .localhost("none.json"), capabilities: 0) }
        #expect(missing?.message == "seccomp profile \(dir)/seccomp/none.json: no such file")
    }

    @Test func libseccompRefusalsNameTheProfile() throws {
        let dir = try root()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let filters = SeccompFilters(profilesDirectory: dir + "/seccomp", host: testHost())
        // Valid JSON that libseccomp cannot build: an architecture of the other byte order, or
        // one this libseccomp does not know.
        var refused = 0
        for arch in SeccompArchitecture.allCases where arch != testHost().architecture {
            let name = "\(arch.libseccompName).json"
            try #"{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["\#(arch.rawValue)"]}"#
                .write(toFile: dir + "/seccomp/" + name, atomically: true, encoding: .utf8)
            do {
                _ = try filters.filter(for: .localhost(name), capabilities: 0)
            } catch {
                refused += 1
                let prefix = "seccomp profile \(dir)/seccomp/\(name): architecture \(arch.libseccompName) "
                #expect(error.message == prefix + "is not known to libseccomp"
                    || error.message == prefix + "cannot share a filter with the native one (another byte order)", "\(error.message)")
            }
        }
        #expect(refused > 0)
        #expect(try filters.filter(for: .localhost("x86.json"), capabilities: 0).count > 0 || !isX86_64)
    }
}

