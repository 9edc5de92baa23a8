// The cgroup v2 device filter: parsing the v1 rules, the eBPF program assembled from them (its
// shape, and its decisions through DeviceFilterInterpreter against the v1 controller's rule),
// the v2 driver attaching it to container cgroups only; and, as root, the kernel's verifier
// taking the programs and a process in a cgroup2 cgroup refused what the list does not allow.

import CPeapod
import Foundation
import Testing
@testable import PeapodLinux
import PeapodSpec
import PeapodTestSupport

/// What the v1 devices controller decides: one rule of the type (or "a") whose major and minor
/// match (or are "*") grants every bit asked for.
func v1Allows(_ rules: [DeviceRule], _ r: DeviceRequest) -> Bool {
    rules.contains { rule in
        let kind = rule.kind == .all || (rule.kind == .block ? DeviceRequest.block : DeviceRequest.char) == r.type
        return kind && (rule.major ?? r.major) == r.major && (rule.minor ?? r.minor) == r.minor
            && r.access & ~rule.access.rawValue == 0
    }
}

/// xorshift64*: the same cases on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}

@Suite struct DeviceRuleTests {
    @Test func theDefaultListParsesAndPrintsBack() throws {
        let rules = try DeviceFilter.rules(CgroupLimits.defaultDevices, for: "/x")
        #expect(rules.map(\.description) == CgroupLimits.defaultDevices)
        #expect(rules[0] == DeviceRule(.char, major: nil, minor: nil, access: .mknod))
        #expect(rules[1] == DeviceRule(.block, major: nil, minor: nil, access: .mknod))
        #expect(rules[2] == DeviceRule(.char, major: 1, minor: 3, access: .all))
        #expect(rules.last == DeviceRule(.char, major: 136, minor: nil, access: .all))
    }

    @Test func v1Forms() {
        #expect(DeviceRule("a") == DeviceRule(.all, major: nil, minor: nil, access: .all))
        #expect(DeviceRule("a *:* rwm") == DeviceRule(.all, major: nil, minor: nil, access: .all))
        #expect(DeviceRule("b 8:0 r") == DeviceRule(.block, major: 8, minor: 0, access: .read))
        #expect(DeviceRule("c 10:200 wr") == DeviceRule(.char, major: 10, minor: 200, access: [.read, .write]))
        #expect(DeviceRule("c *:5 m") == DeviceRule(.char, major: nil, minor: 5, access: .mknod))
        #expect(DeviceRule("c 4095:1048575 rwm")?.description == "c 4095:1048575 rwm")
    }

    @Test(arguments: [
        "", "b", "c", "x 1:3 r", "cc 1:3 r", "c 1:3", "c 1:3 ", "c 1:3 rx", "c 1:3 R", "c 1-3 r",
        "c :3 r", "c 1: r", "c 1:3:4 r", "c -1:3 r", "c +1:3 r", "c 1:*3 r", "c 2147483648:0 r",
        "c 1:4294967296 r", "c 1:3 rwm x", "a 1:3",
    ])
    func malformedRulesAreRefused(_ line: String) {
        #expect(DeviceRule(line) == nil)
    }

    @Test func aMalformedListNamesTheRuleAndTheCgroup() {
        #expect(throws: CgroupError("filter devices of", "/sys/fs/cgroup/p/app", errno: EINVAL, message: "malformed device rule \"c 1:3 q\"")) {
            try DeviceFilter.rules(["c 1:3 rwm", "c 1:3 q"], for: "/sys/fs/cgroup/p/app")
        }
    }
}

@Suite struct DeviceFilterProgramTests {
    static let defaults = try! DeviceFilter.rules(CgroupLimits.defaultDevices, for: "/")

    static func listing(_ program: [UInt64]) -> [String] { program.map { BPFInstruction($0).description } }

    @Test func theDefaultProgramHasThePrologueOneBlockPerRuleAndDeniesAtTheEnd() throws {
        let program = try DeviceFilter.program(Self.defaults)
        // 6 (prologue) + 6 (c *:* m) + 6 (b *:* m) + 8 × 5 (c M:m rwm) + 4 (c 136:* rwm) + 2.
        #expect(program.count == 64)
        let listing = Self.listing(program)
        #expect(Array(listing.prefix(12)) == [
            "r2 = *(u32 *)(r1 + 0)", "w2 &= 65535", "r3 = *(u32 *)(r1 + 0)", "w3 >>= 16",
            "r4 = *(u32 *)(r1 + 4)", "r5 = *(u32 *)(r1 + 8)",
            // c *:* m: a char device, nothing asked but mknod.
            "if r2 != 2 goto +5", "w1 = w3", "w1 &= 1", "if r1 != r3 goto +2", "r0 = 1", "exit",
        ])
        // b *:* m, then c 1:3 rwm: no access test when every bit is granted.
        #expect(Array(listing[12..<23]) == [
            "if r2 != 1 goto +5", "w1 = w3", "w1 &= 1", "if r1 != r3 goto +2", "r0 = 1", "exit",
            "if r2 != 2 goto +4", "if r4 != 1 goto +3", "if r5 != 3 goto +2", "r0 = 1", "exit",
        ])
        #expect(Array(listing.suffix(6)) == ["if r2 != 2 goto +3", "if r4 != 136 goto +2", "r0 = 1", "exit", "r0 = 0", "exit"])
        try DeviceFilterInterpreter.check(program)
    }

    @Test func anEmptyListDeniesEverythingAndAllStopsTheProgram() throws {
        let none = try DeviceFilter.program([])
        #expect(Self.listing(none).suffix(2) == ["r0 = 0", "exit"])
        #expect(none.count == 8)
        try DeviceFilterInterpreter.check(none)

        // Nothing after an unconditional rule could run, and the verifier refuses what cannot.
        let all = try DeviceFilter.program(try DeviceFilter.rules(["c 1:3 rwm", "a", "c 1:5 rwm"], for: "/"))
        #expect(all.count == 6 + 5 + 2)
        #expect(Self.listing(all).suffix(2) == ["r0 = 1", "exit"])
        try DeviceFilterInterpreter.check(all)
        for type in [DeviceRequest.block, DeviceRequest.char] {
            #expect(try DeviceFilterInterpreter.run(none, DeviceRequest(type: type, access: 2, major: 1, minor: 3)) == 0)
            #expect(try DeviceFilterInterpreter.run(all, DeviceRequest(type: type, access: 7, major: 8, minor: 0)) == 1)
        }
    }

    @Test func theKernelsLengthLimitIsKept() throws {
        // 8 + 8 per fully specified rule: 511 rules make exactly 4096 instructions.
        let rule = DeviceRule(.char, major: 1, minor: 3, access: .read)
        #expect(try DeviceFilter.program(Array(repeating: rule, count: 511)).count == 4096)
        #expect(throws: CgroupError.self) { try DeviceFilter.program(Array(repeating: rule, count: 512)) }
    }

    @Test("The default list: the harmless devices open, any node may be made, nothing else opens")
    func defaultDecisions() throws {
        let program = try DeviceFilter.program(Self.defaults)
        let (m, r, w) = (UInt32(1), UInt32(2), UInt32(4))
        let c = DeviceRequest.char, b = DeviceRequest.block
        let cases: [(DeviceRequest, Bool)] = [
            (.init(type: c, access: r | w, major: 1, minor: 3), true),      // null
            (.init(type: c, access: r, major: 1, minor: 9), true),          // urandom
            (.init(type: c, access: r | w, major: 5, minor: 2), true),      // ptmx
            (.init(type: c, access: r | w, major: 136, minor: 7), true),    // a pseudo-terminal
            (.init(type: c, access: m, major: 1, minor: 11), true),         // making /dev/kmsg
            (.init(type: b, access: m, major: 8, minor: 0), true),          // making a disk's node
            (.init(type: c, access: r, major: 1, minor: 11), false),        // reading /dev/kmsg
            (.init(type: c, access: w, major: 1, minor: 11), false),
            (.init(type: b, access: r, major: 8, minor: 0), false),         // reading the disk
            (.init(type: b, access: r, major: 1, minor: 3), false),         // 1:3 is allowed as char only
            (.init(type: c, access: r, major: 1, minor: 1), false),         // /dev/mem
            (.init(type: c, access: r | w, major: 4, minor: 0), false),     // tty0
            (.init(type: c, access: r, major: 5, minor: 3), false),
            (.init(type: c, access: r | m, major: 1, minor: 11), false),    // m alone is granted, not r
            (.init(type: c, access: r, major: 137, minor: 0), false),
        ]
        for (request, allowed) in cases {
            #expect(try DeviceFilterInterpreter.run(program, request) == (allowed ? 1 : 0), "\(request)")
            #expect(v1Allows(Self.defaults, request) == allowed, "\(request)")
        }
    }

    @Test("Random rule lists decide every access as the v1 devices controller does")
    func randomListsMatchTheV1Rule() throws {
        var rng = SeededGenerator(state: 0x9e37_79b9_7f4a_7c15)
        let majors: [UInt32?] = [nil, 1, 5, 136]
        let minors: [UInt32?] = [nil, 0, 3, 11]
        let kinds: [DeviceRule.Kind] = [.all, .block, .char, .char]
        var requests: [DeviceRequest] = []
        for type in [DeviceRequest.block, DeviceRequest.char] {
            for access in UInt32(1)...7 {
                for major: UInt32 in [1, 5, 136, 8] {
                    for minor: UInt32 in [0, 3, 11] { requests.append(.init(type: type, access: access, major: major, minor: minor)) }
                }
            }
        }
        var allowedSeen = 0, deniedSeen = 0
        for _ in 0..<150 {
            let rules = (0..<Int.random(in: 0...6, using: &rng)).map { _ in
                DeviceRule(kinds.randomElement(using: &rng)!, major: majors.randomElement(using: &rng)!,
                           minor: minors.randomElement(using: &rng)!,
                           access: DeviceRule.Access(rawValue: UInt32.random(in: 1...7, using: &rng)))
            }
            let program = try DeviceFilter.program(rules)
            try DeviceFilterInterpreter.check(program)
            for request in requests {
                let expected = v1Allows(rules, request)
                let verdict = try DeviceFilterInterpreter.run(program, request)
                #expect(verdict == (expected ? 1 : 0), "\(rules) on \(request)")
                if expected { allowedSeen += 1 } else { deniedSeen += 1 }
            }
        }
        // Both answers were exercised, many times.
        #expect(allowedSeen > 1000 && deniedSeen > 1000)
    }
}

/// Records what a v2 driver would attach.
final class DeviceRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var calls: [(rules: [DeviceRule], directory: String)] = []

    var installer: DeviceFilterInstaller {
        DeviceFilterInstaller { rules, directory throws(CgroupError) in
            self.lock.withLock { self.calls.append((rules, directory)) }
        }
    }
    var recorded: [(rules: [DeviceRule], directory: String)] { lock.withLock { calls } }
}

@Suite struct V2DeviceFilterTests {
    @Test("A v2 container cgroup gets the default list; a privileged container and the pod's cgroup get none")
    func onlyUnprivilegedContainersAreFiltered() throws {
        let fs = try FakeCgroupFS()
        let root = try fs.mount("unified", files: ["cgroup.subtree_control": ""])
        let pod = try loadPod("""
        apiVersion: v1
        kind: Pod
        metadata: {name: d}
        spec:
          containers:
          - {name: a, image: busybox}
          - {name: p, image: busybox, securityContext: {privileged: true}}
        """)
        let recorder = DeviceRecorder()
        let plan = PodCgroupPlan(mode: "test", entries: [.init(version: .v2, mountPoint: root, controllers: [.pids], parent: "/")],
                                 podCgroupName: "peapod-u1", pidsLimit: 64)
        let cgroups = PodCgroups(plan: plan, devices: recorder.installer)
        try cgroups.createPod(pod)
        #expect(recorder.recorded.isEmpty)
        _ = try cgroups.prepare(pod.spec.containers[0])
        _ = try cgroups.prepare(pod.spec.containers[1])
        // A restart reuses the cgroup and its program: prepared once.
        _ = try cgroups.prepare(pod.spec.containers[0])
        let calls = recorder.recorded
        #expect(calls.count == 1)
        #expect(calls.first?.directory == root + "/peapod-u1/a")
        #expect(calls.first?.rules.map(\.description) == CgroupLimits.defaultDevices)
    }

    @Test func aMalformedRuleFailsTheApplyBeforeAnythingIsAttached() throws {
        let recorder = DeviceRecorder()
        let driver = V2Driver(root: "/nonexistent", controllers: [], devices: recorder.installer)
        var limits = CgroupLimits()
        limits.allowedDevices = ["c 1:3 rwm", "c 1:3 rwx"]
        #expect(throws: CgroupError.self) { try driver.apply(limits, to: "/p/app") }
        #expect(recorder.recorded.isEmpty)
    }
}

/// The cgroup2 directory of this process (the "0::" line of /proc/self/cgroup under the cgroup2
/// mount), or nil when there is none.
enum UnifiedCgroup {
    static let mount: (mountPoint: String, own: String)? = {
        guard let mountinfo = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8),
              let cgroup = try? String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8),
              let line = cgroup.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else { return nil }
        let own = String(line.dropFirst(3))
        for entry in mountinfo.split(separator: "\n") {
            let halves = entry.components(separatedBy: " - ")
            guard halves.count == 2, halves[1].hasPrefix("cgroup2 ") else { continue }
            let fields = halves[0].split(separator: " ")
            guard fields.count >= 5 else { continue }
            let root = String(fields[3]), mountPoint = String(fields[4])
            // Inside a cgroup namespace both paths are relative to its root.
            guard root == "/" || own == root || own.hasPrefix(root + "/") else { continue }
            let relative = root == "/" ? own : String(own.dropFirst(root.count))
            let path = relative.isEmpty ? "/" : relative
            guard !path.contains("/.."), FileManager.default.fileExists(atPath: mountPoint + path) else { continue }
            return (mountPoint, path)
        }
        return nil
    }()
}

@Suite("Device filter in the kernel (root, cgroup2)",
       .requires("needs root") { Root.isRoot },
       .enabled(if: UnifiedCgroup.mount != nil, "NOT RUN on this host: no cgroup2 hierarchy is mounted"))
struct DeviceFilterKernelTests {
    func load(_ program: [UInt64]) -> (fd: Int32, errno: Int32, log: String) {
        var log = [CChar](repeating: 0, count: 1 << 16)
        let fd = program.withUnsafeBytes { pp_device_filter_load($0.baseAddress, UInt32(program.count), &log, log.count) }
        let err = fd < 0 ? errno : 0
        return (fd, err, String(decoding: log.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    @Test func theVerifierTakesTheAssembledPrograms() throws {
        let lists: [[String]] = [
            CgroupLimits.defaultDevices, [], ["a"], ["c 1:3 rwm", "a", "b 8:0 r"], ["b *:* rwm", "c *:5 w"],
            Array(repeating: "c 1:3 r", count: 511),
        ]
        for lines in lists {
            let program = try DeviceFilter.program(try DeviceFilter.rules(lines, for: "/"))
            let (fd, err, log) = load(program)
            #expect(fd >= 0, "\(lines.prefix(3)): \(String(cString: strerror(err))) \(log)")
            if fd >= 0 { close(fd) }
        }
    }

    @Test func aRefusedProgramComesWithTheVerifiersLog() {
        // r0 = 1 and no exit: the verifier refuses a program that can run off its end.
        let (fd, err, log) = load([0x0000_0001_0000_00b7])
        #expect(fd < 0)
        #expect(err == EINVAL)
        #expect(log.contains("exit") || log.contains("jump"), "\(log)")
    }

    /// Runs the script in `sh` with LC_ALL=C: its lines on standard output, "label: ok" or the
    /// label and the error's text.
    func run(_ script: String, _ arguments: [String]) throws -> [String: String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script, "sh"] + arguments
        process.environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "the script failed before its checks")
        var results: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { results[String(parts[0])] = parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return results
    }

    @Test("A process in the cgroup may make any node but opens only the allowed ones (EPERM otherwise)")
    func theKernelEnforcesTheDefaultList() throws {
        let (mountPoint, own) = UnifiedCgroup.mount!
        let temp = NSTemporaryDirectory() + "peapod-devfilter-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: temp) }
        var fs = statvfs()
        guard statvfs(temp, &fs) == 0, fs.f_flag & 4 == 0 else {   // ST_NODEV (glibc declares it for _GNU_SOURCE only)
            print("skipped: \(NSTemporaryDirectory()) is mounted nodev, so no node made there opens")
            return
        }

        let driver = V2Driver(root: mountPoint, controllers: [])
        let path = (own == "/" ? "" : own) + "/peapod-devfilter-\(getpid())"
        try driver.create(path)
        defer {
            // Only the script's processes can be here; a failed check may have left one.
            for pid in (try? String(contentsOfFile: driver.procsFile(path), encoding: .utf8))?.split(separator: "\n") ?? [] {
                if let pid = pid_t(pid) { kill(pid, SIGKILL) }
            }
            do { try driver.remove(path) } catch { Issue.record("the test cgroup is left: \(error)") }
        }

        // Every check runs in a process of the cgroup: the script moves itself there first.
        let script = """
        echo $$ > "$1" || exit 3
        cd "$2" || exit 3
        check() { if out=$( { eval "$2"; } 2>&1 ); then echo "$1: ok"; else echo "$1: ${out##*: }"; fi; }
        check mknod-null 'mknod null c 1 3'
        check mknod-kmsg 'mknod kmsg c 1 11'
        check mknod-loop 'mknod loop b 7 0'
        check read-null 'true < null'
        check write-null 'true > null'
        check read-dev-null 'true < /dev/null'
        check read-kmsg 'true < kmsg'
        check write-kmsg 'true >> kmsg'
        check read-loop 'true < loop'
        """
        let eperm = String(cString: strerror(EPERM))

        // Without the program the same opens go through: the refusals below are the filter's.
        try FileManager.default.createDirectory(atPath: temp + "/before", withIntermediateDirectories: false)
        let before = try run(script, [driver.procsFile(path), temp + "/before"])
        #expect(before["mknod-kmsg"] == "ok")
        #expect(before["read-kmsg"] == "ok", "\(before)")
        #expect(before["read-loop"] != nil && before["read-loop"] != eperm, "\(before)")

        var limits = CgroupLimits()
        limits.allowedDevices = CgroupLimits.defaultDevices
        try driver.apply(limits, to: path)

        try FileManager.default.createDirectory(atPath: temp + "/after", withIntermediateDirectories: false)
        let after = try run(script, [driver.procsFile(path), temp + "/after"])
        for label in ["mknod-null", "mknod-kmsg", "mknod-loop", "read-null", "write-null", "read-dev-null"] {
            #expect(after[label] == "ok", "\(label): \(after)")
        }
        for label in ["read-kmsg", "write-kmsg", "read-loop"] {
            #expect(after[label] == eperm, "\(label): \(after)")
        }
        #expect(after.count == 9, "\(after)")
    }
}
