// Pods with hostUsers: false, run as root: a user namespace of the pod's own, mapped to a range
// of unprivileged host ids no other pod has, checked from inside the containers and from the host.

import Foundation
import Testing
import PeapodTestSupport

/// The fields of a one-line uid_map or gid_map.
private func mapFields(_ text: String) -> [String] {
    text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
}

private func owner(_ path: String) -> (uid: Int, gid: Int)? {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
          let uid = attributes[.ownerAccountID] as? NSNumber, let gid = attributes[.groupOwnerAccountID] as? NSNumber
    else { return nil }
    return (uid.intValue, gid.intValue)
}

private func podDirectory(_ peapod: Peapod, _ name: String) throws -> String {
    let dirs = try FileManager.default.contentsOfDirectory(atPath: peapod.root + "/pods").filter { $0.hasPrefix("default_\(name)_") }
    guard dirs.count == 1 else { throw HarnessError("pod \(name): \(dirs.count) store directories") }
    return peapod.root + "/pods/" + dirs[0]
}

private func containerPID(_ peapod: Peapod, _ pod: String, _ container: String) throws -> Int {
    let file = try podDirectory(peapod, pod) + "/status.json"
    let status = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file)))
    guard let pid = value(status, "containerPids", container) as? Int else { throw HarnessError("no pid of \(container) in \(file)") }
    return pid
}

private func leases(_ peapod: Peapod) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: peapod.root + "/userns")) ?? []).filter { !$0.hasPrefix(".") }.sorted()
}

private func sleeper(_ name: String, hostUsers: Bool? = false) -> String {
    """
    apiVersion: v1
    kind: Pod
    metadata: {name: \(name)}
    spec:
      \(hostUsers.map { "hostUsers: \($0)" } ?? "")
      terminationGracePeriodSeconds: 1
      containers:
      - {name: app, image: busybox, command: [sleep, "3600"]}
    """
}

@Suite("hostUsers: false", .serialized, .requires(Environment.skipNote) { Environment.isRoot })
struct UserNamespaceTests {
    @Test("Root of its own user namespace, an unprivileged range on the host: the root filesystem and an emptyDir are its own, a file of the host's root is not")
    func rootOfItsOwnNamespace() throws {
        try withPeapod { peapod in
            let (hostDir, hostFile) = try peapod.hostRootFile("host-data", content: "host\n")
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: userns}
            spec:
              hostUsers: false
              terminationGracePeriodSeconds: 1
              volumes:
              - {name: data, emptyDir: {}}
              - {name: host, hostPath: {path: \(hostDir), type: Directory}}
              containers:
              - name: app
                image: busybox
                command: [sleep, "3600"]
                volumeMounts: [{name: data, mountPath: /data}, {name: host, mountPath: /host}]
            """
            let applied = try peapod.apply(manifest)
            #expect(applied.code == 0, "\(applied.output)")
            _ = try peapod.waitRunning("userns")

            let uidMap = try peapod.exec("userns", ["cat", "/proc/self/uid_map"])
            let fields = mapFields(uidMap.stdout)
            #expect(fields.count == 3 && fields[0] == "0" && fields[2] == "65536", "\(uidMap.output)")
            let base = try #require(Int(fields.count == 3 ? fields[1] : ""))
            #expect(base >= 65536 && base % 65536 == 0)
            #expect(mapFields(try peapod.exec("userns", ["cat", "/proc/self/gid_map"]).stdout) == fields)
            #expect(try peapod.exec("userns", ["id", "-u"]).stdout == "0\n")
            #expect(try peapod.exec("userns", ["id", "-g"]).stdout == "0\n")
            // The image's files are root's inside.
            #expect(try peapod.exec("userns", ["stat", "-c", "%u:%g", "/bin/busybox"]).stdout == "0:0\n")
            // The capabilities of the confinement, over its own namespaces only.
            #expect(try peapod.exec("userns", ["grep", "CapEff", "/proc/self/status"]).stdout.hasSuffix("00000000a80425fb\n"))

            // Its root filesystem and its emptyDir: written by the container's root, owned by
            // the pod's first host id.
            let rootfs = try peapod.exec("userns", ["sh", "-c", "echo made > /made-here && cat /made-here"])
            #expect(rootfs.stdout == "made\n", "\(rootfs.output)")
            let data = try peapod.exec("userns", ["sh", "-c", "echo data > /data/file && stat -c %u /data/file"])
            #expect(data.stdout == "0\n", "\(data.output)")
            let podDir = try podDirectory(peapod, "userns")
            let emptyDirFile = podDir + "/volumes/kubernetes.io~empty-dir/data/file"
            #expect(owner(emptyDirFile).map { $0 == (base, base) } == true, "\(String(describing: owner(emptyDirFile)))")
            let instances = try FileManager.default.contentsOfDirectory(atPath: podDir + "/containers").filter { $0.hasPrefix("app_") }
            let upperFiles = instances.map { podDir + "/containers/" + $0 + "/upper/made-here" }.filter { FileManager.default.fileExists(atPath: $0) }
            #expect(upperFiles.count == 1)
            #expect(upperFiles.first.flatMap(owner).map { $0 == (base, base) } == true)

            // A hostPath file of the host's root: the overflow id inside, and not writable.
            #expect(try peapod.exec("userns", ["stat", "-c", "%u", "/host/owned-by-root"]).stdout == "65534\n")
            let denied = try peapod.exec("userns", ["sh", "-c", "echo changed > /host/owned-by-root"])
            #expect(denied.code != 0 && denied.stderr.contains("Permission denied"), "\(denied.output)")
            #expect(try String(contentsOfFile: hostFile, encoding: .utf8) == "host\n")

            // From the host: the container's root is the unprivileged host id, in another user
            // namespace, which `exec` joins too.
            let pid = try containerPID(peapod, "userns", "app")
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            #expect(status.contains("Uid:\t\(base)\t\(base)\t\(base)\t\(base)\n"), "\(status)")
            let podUserNS = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/user")
            #expect(podUserNS != (try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/user")))
            #expect(try peapod.exec("userns", ["readlink", "/proc/self/ns/user"]).stdout == podUserNS + "\n")

            #expect(leases(peapod).count == 1 && leases(peapod).first?.hasPrefix("\(base)-") == true, "\(leases(peapod))")
            let deleted = try peapod.run(["delete", "pod", "userns"])
            #expect(deleted.code == 0, "\(deleted.output)")
            #expect(leases(peapod).isEmpty, "\(leases(peapod))")
        }
    }

    @Test("Pods get ranges of their own, also from applies at the same moment; a deleted pod's range goes to the next; other pods keep the host's ids")
    func rangesOfTheirOwn() throws {
        try withPeapod { peapod in
            // Two applies at once: the store lock orders them, and the leases never overlap.
            var applies: [Process] = []
            for name in ["one", "two"] {
                let file = peapod.base + "/\(name).yaml"
                try sleeper(name).write(toFile: file, atomically: true, encoding: .utf8)
                applies.append(try peapod.start(["apply", "-f", file], output: Pipe()))
            }
            for apply in applies {
                apply.waitUntilExit()
                #expect(apply.terminationStatus == 0)
            }
            peapod.noteUIDs()
            func base(_ pod: String) throws -> Int {
                _ = try peapod.waitRunning(pod)
                let map = try peapod.exec(pod, ["cat", "/proc/self/uid_map"])
                return try #require(Int(mapFields(map.stdout).dropFirst().first ?? ""), "\(map.output)")
            }
            let one = try base("one"), two = try base("two")
            #expect(abs(one - two) >= 65536, "ranges \(one) and \(two) overlap")
            #expect(leases(peapod).count == 2)

            #expect(try peapod.run(["delete", "pod", "one"]).code == 0)
            #expect(leases(peapod).count == 1)
            #expect(try peapod.apply(sleeper("three")).code == 0)
            // The lowest free range: the one just freed (the two took the two lowest).
            #expect(try base("three") == one, "the freed range \(one) was not given again")

            // A pod without hostUsers: false is in the host's user namespace, as before.
            #expect(try peapod.apply(sleeper("plain", hostUsers: nil)).code == 0)
            _ = try peapod.waitRunning("plain")
            #expect(mapFields(try peapod.exec("plain", ["cat", "/proc/self/uid_map"]).stdout) == ["0", "0", "4294967295"])
            #expect(leases(peapod).count == 2)
        }
    }

    @Test("A shared PID namespace, hooks and exec probes in a user namespace: the pause is root of the pod's namespace; procMount: Unmasked")
    func sharedPIDNamespaceAndProbes() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: shared}
            spec:
              hostUsers: false
              shareProcessNamespace: true
              terminationGracePeriodSeconds: 1
              volumes: [{name: scratch, emptyDir: {medium: Memory}}]
              containers:
              - name: app
                image: busybox
                command: [sleep, "3600"]
                volumeMounts: [{name: scratch, mountPath: /scratch}]
                lifecycle: {postStart: {exec: {command: [sh, -c, "id -u > /scratch/hook"]}}}
                readinessProbe: {exec: {command: [test, -f, /scratch/hook]}, periodSeconds: 1}
              - name: side
                image: busybox
                command: [sleep, "3600"]
                securityContext: {procMount: Unmasked}
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitFor("shared") { pod in
                (value(pod, "status", "conditions") as? [[String: Any]])?.contains {
                    $0["type"] as? String == "Ready" && $0["status"] as? String == "True"
                } == true
            }
            #expect(try peapod.exec("shared", container: "app", ["cat", "/scratch/hook"]).stdout == "0\n")
            let ps = try peapod.exec("shared", container: "side", ["ps", "-o", "pid,user,comm"])
            #expect(ps.stdout.contains("1 root     peapod-pause"), "\(ps.output)")
            // /proc/keys is masked (a mount over it) by default, not with procMount: Unmasked.
            let masked = ["sh", "-c", "grep -c ' /proc/keys ' /proc/self/mountinfo; true"]
            #expect(try peapod.exec("shared", container: "app", masked).stdout == "1\n")
            #expect(try peapod.exec("shared", container: "side", masked).stdout == "0\n")
            // Not even the namespace's root reaches the pause's view of the host.
            let root = try peapod.exec("shared", container: "side", ["ls", "/proc/1/root/"])
            #expect(root.code != 0, "\(root.output)")
        }
    }

    @Test("hostUsers: false with a namespace of the host is refused as the API server refuses it")
    func refusedWithHostNamespaces() throws {
        try withPeapod { peapod in
            let result = try peapod.apply(sleeper("hostnet").replacingOccurrences(of: "hostUsers: false", with: "hostUsers: false\n  hostNetwork: true"))
            #expect(result.code != 0)
            #expect(result.stderr.contains("spec.hostNetwork: Forbidden: when `pod.Spec.HostUsers` is false"), "\(result.output)")
            #expect(leases(peapod).isEmpty)
        }
    }
}
