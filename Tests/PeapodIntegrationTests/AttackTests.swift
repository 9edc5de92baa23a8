// Attacks from inside real pods (tools/attacks/attack.c, built here with gcc): every attack must be
// blocked in a default pod, in a pod with a shared PID namespace and against an entering `exec`;
// a subPath symlink must not lead out of its volume; a hostUsers: false pod's root must not write
// the host's files. Then the positive side: the securityContext fields give exactly the
// capabilities, seccomp mode, no_new_privs, ids and mounts Kubernetes specifies.

import Foundation
import Testing
import PeapodTestSupport

/// What the attack program needs from the host: the binary (mounted read-only into the pods), a
/// file and a process that exist only on the host, the host's namespaces, and a TCP and an
/// abstract socket service on the host's loopback.
final class AttackKit {
    let binDir: String
    let binary: String
    let marker: String
    let processName: String
    let abstractName: String
    let listener: Process
    let port: Int

    init(_ peapod: Peapod) throws {
        binDir = peapod.base + "/attack-bin"
        binary = binDir + "/attack"
        try FileManager.default.createDirectory(atPath: binDir, withIntermediateDirectories: true)
        guard let gcc = findExecutable("gcc") else {
            throw HarnessError("gcc is not installed (tools/test.sh installs gcc and libc6-dev)")
        }
        let build = Process()
        build.executableURL = URL(fileURLWithPath: gcc)
        build.arguments = ["-static", "-O2", "-o", binary, Environment.packageRoot + "/tools/attacks/attack.c"]
        let buildErrors = Pipe()
        build.standardError = buildErrors
        try build.run()
        let diagnostics = buildErrors.fileHandleForReading.readDataToEndOfFile()
        build.waitUntilExit()
        guard build.terminationStatus == 0 else {
            throw HarnessError("gcc failed on tools/attacks/attack.c: \(String(decoding: diagnostics, as: UTF8.self))")
        }

        let id = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(8).lowercased()
        // Outside the mounted directory: only an escape can see it.
        marker = peapod.base + "/host-marker-" + id
        try "only on the host\n".write(toFile: marker, atomically: true, encoding: .utf8)
        processName = "ppmark" + id
        abstractName = "peapod-attack-" + id

        listener = Process()
        listener.executableURL = URL(fileURLWithPath: binary)
        listener.arguments = ["listen", "--tcp", "127.0.0.1:0", "--abstract", abstractName, "--name", processName,
                              "--seconds", "600"]
        let output = Pipe()
        listener.standardOutput = output
        listener.standardError = FileHandle.nullDevice
        listener.standardInput = FileHandle.nullDevice
        try listener.run()
        var text = ""
        let deadline = Date().addingTimeInterval(10)
        while !text.contains("ready\n") && Date() < deadline && listener.isRunning {
            text += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        }
        let portLine = text.split(separator: "\n").first { $0.hasPrefix("tcp ") }
        guard let portLine, let port = Int(portLine.dropFirst(4)) else {
            kill(listener.processIdentifier, SIGKILL)
            listener.waitUntilExit()
            throw HarnessError("the host listener did not start: \(text)")
        }
        self.port = port
    }

    /// Stops the host listener (its command line names the harness's directory, so it would
    /// otherwise count as a leftover).
    func stop() {
        if listener.isRunning {
            kill(listener.processIdentifier, SIGKILL)
            listener.waitUntilExit()
        }
    }

    /// The host's namespaces as `type:inode,...`.
    static var hostNamespaces: String {
        ["mnt", "pid", "net", "ipc", "uts", "cgroup"].compactMap { type -> String? in
            var st = stat()
            guard stat("/proc/self/ns/" + type, &st) == 0 else { return nil }
            return "\(type):\(st.st_ino)"
        }.joined(separator: ",")
    }

    /// The arguments every attack run gets, as a YAML flow list's items.
    var arguments: [String] {
        ["--marker", marker, "--host-ns", Self.hostNamespaces, "--connect", "127.0.0.1:\(port)",
         "--abstract", abstractName, "--host-proc", processName]
    }

    func command(_ words: [String]) -> String {
        "[" + (["/attacks/attack"] + words).map { "\"\($0)\"" }.joined(separator: ", ") + "]"
    }

    var volume: String { "{name: attacks, hostPath: {path: \(binDir), type: Directory}}" }
    let mount = "{name: attacks, mountPath: /attacks, readOnly: true}"
}

/// One line of the attack program's output.
struct AttackLine {
    var verdict: String
    var name: String
    var detail: String

    static func parse(_ text: String) -> [AttackLine] {
        text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ", maxSplits: 2).map(String.init)
            guard parts.count >= 2, ["BLOCKED", "ESCAPED", "SKIPPED"].contains(parts[0]), parts[1].hasSuffix(":") else {
                return nil
            }
            return AttackLine(verdict: parts[0], name: String(parts[1].dropLast()), detail: parts.count > 2 ? parts[2] : "")
        }
    }
}

/// Prints `N of M attacks blocked` for `where` and records every escape as a failure.
func requireAllBlocked(_ lines: [AttackLine], in place: String, minimum: Int, exitCode: Int?) {
    let escaped = lines.filter { $0.verdict == "ESCAPED" }
    let blocked = lines.filter { $0.verdict == "BLOCKED" }
    let skipped = lines.filter { $0.verdict == "SKIPPED" }
    print("attacks in \(place): \(blocked.count) of \(blocked.count + escaped.count) attacks blocked"
          + (skipped.isEmpty ? "" : " (\(skipped.count) not testable on this kernel: \(skipped.map(\.name).joined(separator: ", ")))"))
    for line in escaped { print("  ESCAPED \(line.name): \(line.detail)") }
    #expect(lines.count >= minimum, "\(place): only \(lines.count) attack results")
    let names = Set(lines.map(\.name))
    #expect(names.count == lines.count, "\(place): an attack reported twice")
    let escapes = escaped.map { "\($0.name): \($0.detail)" }.joined(separator: "\n")
    #expect(escaped.isEmpty, "\(place): \(escaped.count) attacks escaped:\n\(escapes)")
    if let exitCode {
        // The program's exit status is its own count of escapes.
        #expect(exitCode == escaped.count, "\(place): exit code \(exitCode) for \(escaped.count) escapes")
    }
}

func containerState(_ pod: [String: Any], _ name: String, key: String = "containerStatuses") -> [String: Any]? {
    (value(pod, "status", key) as? [[String: Any]])?.first { $0["name"] as? String == name }
}

/// `key: value` lines of `attack report`.
func reportFields(_ text: String) -> [String: String] {
    var fields: [String: String] = [:]
    for line in text.split(separator: "\n") {
        guard let colon = line.firstIndex(of: ":") else { continue }
        fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    return fields
}

/// The logs of a container once they hold `marker` (its program has finished writing).
func logs(_ peapod: Peapod, _ pod: String, _ container: String, until marker: String, timeout: Double = 30) throws -> String {
    let deadline = Date().addingTimeInterval(timeout)
    var text = ""
    while Date() < deadline {
        text = try peapod.run(["logs", pod, "-c", container]).stdout
        if text.contains(marker) { return text }
        usleep(100_000)
    }
    throw HarnessError("pod \(pod) container \(container): no «\(marker)» in its logs after \(timeout)s: \(text)")
}

/// The pid of the host process whose command line is exactly `words` (a unique sleep).
func hostPID(commandLine words: [String], timeout: Double = 10) -> Int32? {
    let wanted = words.joined(separator: "\0") + "\0"
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = Int32(entry), let data = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline") else { continue }
            if String(decoding: data, as: UTF8.self) == wanted { return pid }
        }
        usleep(50_000)
    }
    return nil
}

@Suite("Attacks from inside containers", .serialized, .requires(Environment.skipNote) { Environment.isRoot })
struct AttackTests {
    @Test("Every attack is blocked: in a default pod, with a shared PID namespace, and against an entering exec")
    func attacksAreBlocked() throws {
        try withPeapod { peapod in
            let kit = try AttackKit(peapod)
            defer { kit.stop() }
            let execs = 6
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: attacks}
            spec:
              restartPolicy: Never
              volumes: [\(kit.volume)]
              containers:
              - name: attacker
                image: busybox
                command: \(kit.command(["all"] + kit.arguments))
                volumeMounts: [\(kit.mount)]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: attacks-shared}
            spec:
              restartPolicy: Never
              shareProcessNamespace: true
              terminationGracePeriodSeconds: 1
              volumes: [\(kit.volume)]
              containers:
              - {name: peer, image: busybox, command: [sleep, "3600"]}
              - name: attacker
                image: busybox
                command: \(kit.command(["all"] + kit.arguments))
                volumeMounts: [\(kit.mount)]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: attacks-exec}
            spec:
              restartPolicy: Never
              volumes: [\(kit.volume)]
              containers:
              - name: watcher
                image: busybox
                command: \(kit.command(["watch-exec", "--seconds", "60", "--until", "/tmp/watch-done"]))
                volumeMounts: [\(kit.mount)]
            """
            let applied = try peapod.apply(manifest)
            try #require(applied.code == 0, "\(applied.output)")

            // The entering processes: execs one after the other while the watcher runs.
            _ = try peapod.waitRunning("attacks-exec")
            _ = try logs(peapod, "attacks-exec", "watcher", until: "WATCHING")
            for i in 0..<execs {
                let result = try peapod.exec("attacks-exec", ["sleep", "0.2"])
                #expect(result.code == 0, "exec \(i): \(result.output)")
            }
            let done = try peapod.exec("attacks-exec", ["touch", "/tmp/watch-done"])
            #expect(done.code == 0, "\(done.output)")

            let single = try peapod.waitForPhase("attacks", ["Succeeded", "Failed"], timeout: 90)
            let singleLog = try logs(peapod, "attacks", "attacker", until: "SUMMARY")
            requireAllBlocked(AttackLine.parse(singleLog), in: "a default pod", minimum: 40,
                              exitCode: value(containerState(single, "attacker"), "state", "terminated", "exitCode") as? Int)

            let shared = try peapod.waitFor("attacks-shared", timeout: 90) { pod in
                value(containerState(pod, "attacker"), "state", "terminated") != nil
            }
            let sharedLog = try logs(peapod, "attacks-shared", "attacker", until: "SUMMARY")
            let sharedLines = AttackLine.parse(sharedLog)
            requireAllBlocked(sharedLines, in: "a pod with a shared PID namespace", minimum: 40,
                              exitCode: value(containerState(shared, "attacker"), "state", "terminated", "exitCode") as? Int)
            // The pause process and the peer are there to be attacked.
            let procs = sharedLines.first { $0.name == "host-procs" }?.detail ?? ""
            #expect(procs.contains("sees 3 process"), "\(procs)")

            let watched = try peapod.waitForPhase("attacks-exec", ["Succeeded", "Failed"], timeout: 90)
            let watchLog = try logs(peapod, "attacks-exec", "watcher", until: "SUMMARY")
            let watchLines = AttackLine.parse(watchLog)
            requireAllBlocked(watchLines, in: "a container entered by exec", minimum: 1,
                              exitCode: value(containerState(watched, "watcher"), "state", "terminated", "exitCode") as? Int)
            let detail = watchLines.first?.detail ?? ""
            let entered = detail.range(of: #"\d+ processes entered"#, options: .regularExpression)
                .flatMap { Int(detail[$0].split(separator: " ")[0]) } ?? 0
            #expect(entered >= execs, "the watcher did not see every exec: \(detail)")
        }
    }

    @Test("A subPath that is a symlink out of its volume: the pod does not start, says why, and the host stays unseen")
    func subPathSymlinkEscape() throws {
        try withPeapod { peapod in
            let secretDir = peapod.base + "/host-secret"
            try FileManager.default.createDirectory(atPath: secretDir, withIntermediateDirectories: true)
            let secret = "host secret " + UUID().uuidString
            try (secret + "\n").write(toFile: secretDir + "/secret", atomically: true, encoding: .utf8)

            // A hostPath volume holding a symlink to a directory beside it: refused at apply, as
            // the kubelet refuses it before starting anything.
            let volumeDir = peapod.base + "/host-volume"
            try FileManager.default.createDirectory(atPath: volumeDir, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: volumeDir + "/escape", withDestinationPath: "../host-secret")
            let hostPathPod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: subpath-host}
            spec:
              restartPolicy: Never
              volumes: [{name: data, hostPath: {path: \(volumeDir), type: Directory}}]
              containers:
              - name: reader
                image: busybox
                command: [cat, /data/secret]
                volumeMounts: [{name: data, mountPath: /data, subPath: escape}]
            """
            let refused = try peapod.apply(hostPathPod)
            #expect(refused.code != 0, "\(refused.output)")
            #expect(refused.stderr.contains("subPath \"escape\" escapes volume \"data\""), "\(refused.output)")
            #expect(!refused.output.contains(secret))

            // An emptyDir in which an init container plants the symlink: the app container must
            // fail to start with a clear reason, and never run.
            let plantedPod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: subpath-planted}
            spec:
              restartPolicy: Never
              volumes: [{name: data, emptyDir: {}}]
              initContainers:
              - name: plant
                image: busybox
                command: [ln, -s, \(secretDir), /data/escape]
                volumeMounts: [{name: data, mountPath: /data}]
              containers:
              - name: reader
                image: busybox
                command: [cat, /data/secret]
                volumeMounts: [{name: data, mountPath: /data, subPath: escape}]
            """
            let applied = try peapod.apply(plantedPod)
            try #require(applied.code == 0, "\(applied.output)")
            let pod = try peapod.waitFor("subpath-planted") { pod in
                value(containerState(pod, "reader"), "state", "waiting", "message") as? String != nil
            }
            let waiting = value(containerState(pod, "reader"), "state", "waiting") as? [String: Any] ?? [:]
            #expect(waiting["reason"] as? String == "CreateContainerConfigError", "\(waiting)")
            #expect((waiting["message"] as? String ?? "").contains("subPath \"escape\" escapes volume \"data\""), "\(waiting)")
            let described = try peapod.run(["describe", "pod", "subpath-planted"]).stdout
            #expect(described.contains("subPath \"escape\" escapes volume \"data\""), "\(described)")
            // Give a wrongly started container time to print the secret, then look everywhere.
            usleep(1_000_000)
            let again = try peapod.waitFor("subpath-planted") { _ in true }
            let reader = containerState(again, "reader") ?? [:]
            #expect((reader["state"] as? [String: Any])?.keys.sorted() == ["waiting"], "the reader started: \(reader)")
            #expect((reader["lastState"] as? [String: Any] ?? [:]).isEmpty && reader["restartCount"] as? Int == 0, "\(reader)")
            let readerLogs = try peapod.run(["logs", "subpath-planted", "-c", "reader"]).output
            #expect(!readerLogs.contains(secret), "\(readerLogs)")
            for entry in FileManager.default.enumerator(atPath: peapod.root + "/logs")?.allObjects as? [String] ?? [] {
                let text = (try? String(contentsOfFile: peapod.root + "/logs/" + entry, encoding: .utf8)) ?? ""
                #expect(!text.contains(secret), "the host's secret is in \(entry)")
            }
        }
    }

    @Test("hostUsers: false: the pod runs, its root is an unprivileged host id, and cannot write a host root's file")
    func userNamespaceCannotWriteHostFiles() throws {
        try withPeapod { peapod in
            let (dir, file) = try peapod.hostRootFile("host-owned", content: "host content\n")
            let seconds = "\(3000 + Int.random(in: 0..<5000))"
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: userns}
            spec:
              hostUsers: false
              terminationGracePeriodSeconds: 1
              volumes: [{name: host, hostPath: {path: \(dir), type: Directory}}]
              containers:
              - name: app
                image: busybox
                command: [sh, -c, 'cat /proc/self/uid_map; id -u; echo written >> /host/owned-by-root; echo "write=$?"; touch /host/new; echo "create=$?"; exec sleep \(seconds)']
                volumeMounts: [{name: host, mountPath: /host}]
            """
            let applied = try peapod.apply(manifest)
            try #require(applied.code == 0, "hostUsers: false must be accepted: \(applied.output)")
            _ = try peapod.waitRunning("userns")
            let log = try logs(peapod, "userns", "app", until: "create=")
            let lines = log.split(separator: "\n").map(String.init)
            let map = lines.first?.split(separator: " ", omittingEmptySubsequences: true).compactMap { Int($0) } ?? []
            #expect(map.count == 3 && map[0] == 0 && map[1] != 0 && map[2] <= 65536, "uid_map inside: \(log)")
            #expect(lines.dropFirst().first == "0", "root inside the pod: \(log)")
            #expect(lines.contains { $0.hasPrefix("write=") && $0 != "write=0" }, "the write to the host root's file: \(log)")
            #expect(lines.contains { $0.hasPrefix("create=") && $0 != "create=0" }, "a new file in the host root's directory: \(log)")
            #expect((try? String(contentsOfFile: file, encoding: .utf8)) == "host content\n")
            #expect(!FileManager.default.fileExists(atPath: dir + "/new"))

            // From the host: the container's process runs as the unprivileged id the map names.
            let pid = hostPID(commandLine: ["sleep", seconds])
            try #require(pid != nil, "the container's process was not found on the host")
            let hostMap = (try? String(contentsOfFile: "/proc/\(pid!)/uid_map", encoding: .utf8)) ?? ""
            let hostFields = hostMap.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Int($0) }
            #expect(hostFields.count == 3 && hostFields[0] == 0 && hostFields[1] != 0, "\(hostMap)")
            let status = (try? String(contentsOfFile: "/proc/\(pid!)/status", encoding: .utf8)) ?? ""
            let uidLine = status.split(separator: "\n").first { $0.hasPrefix("Uid:") } ?? ""
            let uids = uidLine.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().compactMap { Int($0) }
            #expect(!uids.isEmpty && uids.allSatisfy { $0 != 0 && $0 == hostFields.dropFirst().first }, "\(uidLine) vs \(hostMap)")
        }
    }

    @Test("securityContext: default and changed capabilities, seccomp, no_new_privs, ids, fsGroup, read-only root, privileged")
    func securityContextIsApplied() throws {
        try withPeapod { peapod in
            let kit = try AttackKit(peapod)
            defer { kit.stop() }
            let report = "/attacks/attack report; echo END; exec sleep 3600"
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: confined}
            spec:
              terminationGracePeriodSeconds: 1
              volumes: [\(kit.volume)]
              containers:
              - {name: default, image: busybox, command: [sh, -c, "\(report)"], volumeMounts: [\(kit.mount)]}
              - {name: netadmin, image: busybox, command: [sh, -c, "\(report)"], volumeMounts: [\(kit.mount)],
                 securityContext: {capabilities: {add: [NET_ADMIN]}}}
              - {name: chown, image: busybox, command: [sh, -c, "\(report)"], volumeMounts: [\(kit.mount)],
                 securityContext: {capabilities: {drop: [ALL], add: [CHOWN]}}}
              - {name: unconfined, image: busybox, command: [sh, -c, "\(report)"], volumeMounts: [\(kit.mount)],
                 securityContext: {seccompProfile: {type: Unconfined}}}
              - {name: nnp, image: busybox, command: [sh, -c, "\(report)"], volumeMounts: [\(kit.mount)],
                 securityContext: {allowPrivilegeEscalation: false}}
              - {name: readonly, image: busybox, command: [sh, -c, "\(report)"], volumeMounts: [\(kit.mount)],
                 securityContext: {readOnlyRootFilesystem: true}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: identity}
            spec:
              terminationGracePeriodSeconds: 1
              securityContext: {runAsUser: 1234, runAsGroup: 2345, supplementalGroups: [3456], fsGroup: 5678}
              volumes: [\(kit.volume), {name: scratch, emptyDir: {}}]
              containers:
              - name: app
                image: busybox
                command: [sh, -c, "/attacks/attack report; echo id=$(id -u):$(id -g):$(id -G); stat -c 'dir=%g:%a' /scratch; touch /scratch/f; stat -c 'file=%g' /scratch/f; echo END; exec sleep 3600"]
                volumeMounts: [\(kit.mount), {name: scratch, mountPath: /scratch}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: privileged}
            spec:
              terminationGracePeriodSeconds: 1
              volumes: [\(kit.volume)]
              containers:
              - name: app
                image: busybox
                command: [sh, -c, "\(report)"]
                volumeMounts: [\(kit.mount)]
                securityContext: {privileged: true}
            """
            let applied = try peapod.apply(manifest)
            try #require(applied.code == 0, "\(applied.output)")

            let defaultCaps = "00000000a80425fb"
            func fields(_ pod: String, _ container: String) throws -> [String: String] {
                reportFields(try logs(peapod, pod, container, until: "END"))
            }
            let plain = try fields("confined", "default")
            #expect(plain["CapEff"] == defaultCaps, "\(plain)")
            #expect(plain["CapPrm"] == defaultCaps && plain["CapBnd"] == defaultCaps, "\(plain)")
            #expect(plain["CapInh"] == "0000000000000000" && plain["CapAmb"] == "0000000000000000", "\(plain)")
            #expect(plain["Seccomp"] == "2", "RuntimeDefault by default: \(plain)")
            #expect(plain["NoNewPrivs"] == "0", "\(plain)")
            #expect(plain["uid"] == "0" && plain["root"] == "writable", "\(plain)")

            // NET_ADMIN is bit 12.
            #expect(try fields("confined", "netadmin")["CapEff"] == "00000000a80435fb")
            let chownOnly = try fields("confined", "chown")
            #expect(chownOnly["CapEff"] == "0000000000000001" && chownOnly["CapBnd"] == "0000000000000001", "\(chownOnly)")
            let unconfined = try fields("confined", "unconfined")
            #expect(unconfined["Seccomp"] == "0" && unconfined["CapEff"] == defaultCaps, "\(unconfined)")
            #expect(try fields("confined", "nnp")["NoNewPrivs"] == "1")
            let readonly = try fields("confined", "readonly")
            #expect(readonly["root"] == "not writable (EROFS)", "\(readonly)")
            let touch = try peapod.exec("confined", container: "readonly", ["touch", "/file"])
            #expect(touch.code != 0 && touch.stderr.contains("Read-only file system"), "\(touch.output)")

            // exec gets the container's confinement too.
            let entered = reportFields(try peapod.exec("confined", container: "default", ["/attacks/attack", "report"]).stdout)
            #expect(entered["CapEff"] == defaultCaps && entered["Seccomp"] == "2" && entered["NoNewPrivs"] == "0", "\(entered)")
            let enteredNNP = reportFields(try peapod.exec("confined", container: "nnp", ["/attacks/attack", "report"]).stdout)
            #expect(enteredNNP["NoNewPrivs"] == "1", "\(enteredNNP)")

            let identityLog = try logs(peapod, "identity", "app", until: "END")
            let identity = reportFields(identityLog)
            #expect(identity["uid"] == "1234" && identity["gid"] == "2345", "\(identity)")
            let groups = Set((identity["groups"] ?? "").split(separator: ",").map(String.init))
            #expect(groups.isSuperset(of: ["3456", "5678"]), "supplementalGroups and fsGroup: \(identity)")
            // A non-root process keeps no capability but the bounding set.
            #expect(identity["CapEff"] == "0000000000000000" && identity["CapBnd"] == defaultCaps, "\(identity)")
            let idLine = identityLog.split(separator: "\n").first { $0.hasPrefix("id=") }.map(String.init) ?? ""
            let idParts = idLine.dropFirst(3).split(separator: ":")
            #expect(idParts.count == 3 && idParts[0] == "1234" && idParts[1] == "2345", "\(idLine)")
            let allGroups = Set(idParts.last.map { $0.split(separator: " ").map(String.init) } ?? [])
            #expect(allGroups.isSuperset(of: ["2345", "3456", "5678"]), "\(idLine)")
            // fsGroup: the emptyDir belongs to the group, setgid, group-writable; new files inherit it.
            let dirLine = identityLog.split(separator: "\n").first { $0.hasPrefix("dir=") }.map(String.init) ?? ""
            let dirParts = dirLine.dropFirst(4).split(separator: ":")
            let mode = dirParts.count == 2 ? Int(dirParts[1], radix: 8) ?? 0 : 0
            #expect(dirParts.first == "5678" && mode & 0o2000 != 0 && mode & 0o070 == 0o070, "\(dirLine)")
            #expect(identityLog.contains("file=5678\n"), "\(identityLog)")
            let execID = try peapod.exec("identity", ["id", "-u"])
            #expect(execID.stdout == "1234\n", "\(execID.output)")

            // Privileged: every capability the host has, no seccomp filter, the host's devices.
            let privileged = try fields("privileged", "app")
            let hostStatus = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            let hostBounding = hostStatus.split(separator: "\n").first { $0.hasPrefix("CapBnd:") }?
                .split(separator: "\t").last.map(String.init) ?? "?"
            #expect(privileged["CapEff"] == hostBounding && privileged["Seccomp"] == "0", "\(privileged) vs \(hostBounding)")
            let disk = hostDisk()
            try #require(disk != nil, "no disk in /proc/partitions")
            let seen = try peapod.exec("privileged", ["ls", "/dev/" + disk!])
            #expect(seen.code == 0, "/dev/\(disk!) in a privileged container: \(seen.output)")
            let unseen = try peapod.exec("confined", container: "default", ["ls", "/dev/" + disk!])
            #expect(unseen.code != 0, "/dev/\(disk!) in a default container: \(unseen.output)")
        }
    }
}

/// The host's first whole disk (not a loop, ram or zram device, not a partition).
func hostDisk() -> String? {
    let partitions = (try? String(contentsOfFile: "/proc/partitions", encoding: .utf8)) ?? ""
    for line in partitions.split(separator: "\n").dropFirst() {
        guard let name = line.split(separator: " ", omittingEmptySubsequences: true).last.map(String.init) else { continue }
        if name.hasPrefix("loop") || name.hasPrefix("ram") || name.hasPrefix("zram") { continue }
        if FileManager.default.fileExists(atPath: "/sys/block/" + name) { return name }
    }
    return nil
}
