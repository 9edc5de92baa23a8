// Root tests: real containers started by spawnContainer, asserting from their output.

import Foundation
import Testing
@testable import PeapodLinux
import PeapodTestSupport

@Suite("spawnContainer (root)", .requires(Root.containersNote) { Root.canRunContainers })
struct LaunchContainerTests {
    @Test func commandIsPID1AndSeesOnlyItsOwnProcesses() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        // `; true` keeps busybox sh from exec-ing ps in its own place.
        let run = try pod.sh("echo $$; ps -o pid,comm; true")
        let lines = run.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(run.exitCode == 0)
        #expect(lines.first == "1")
        // Only the shell (PID 1) and ps itself: nothing of the host.
        let processes = lines.dropFirst(2).map { $0.split(separator: " ").map(String.init) }
        #expect(processes.map { $0.first } == ["1", "2"], "\(run.output)")
        #expect(processes.map { $0.last } == ["sh", "ps"], "\(run.output)")
    }

    @Test func hostnameIsTheSandboxHostname() throws {
        let pod = try TestPod(hostname: "web-0")
        defer { pod.cleanup() }
        let run = try pod.run(["hostname"])
        #expect(run.output == "web-0\n")
    }
}

@Suite("container isolation (root)", .requires(Root.containersNote) { Root.canRunContainers })
struct LaunchIsolationTests {
    @Test func networkHasOnlyLoopbackAndItIsUp() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        let run = try pod.sh("ls /sys/class/net; echo --; ip link")
        let parts = run.output.components(separatedBy: "--\n")
        #expect(parts.first == "lo\n", "\(run.output)")
        let links = parts.last?.split(separator: "\n").filter { $0.first?.isNumber == true } ?? []
        #expect(links.count == 1, "\(run.output)")
        #expect(links.first?.contains("lo:") == true && links.first?.contains("UP") == true, "\(run.output)")
    }

    @Test func maskedPathsAreEmptyAndProcSysIsReadOnly() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        // /proc/kcore is absent on kernels without CONFIG_PROC_KCORE; then there is nothing to mask.
        let run = try pod.sh("""
            if [ -e /proc/kcore ]; then wc -c < /proc/kcore; else echo 0; fi
            wc -c < /proc/keys
            ls /sys/firmware | wc -l
            echo peapod 2>/dev/null > /proc/sys/kernel/domainname && echo wrote || echo refused
            """)
        let lines = run.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.filter { !$0.contains("/proc/sys") } == ["0", "0", "0", "refused"], "\(run.output)")
    }

    @Test func devHasTheStandardNodesAndLinks() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        let run = try pod.sh("ls /dev | sort | tr '\\n' ' '; echo; readlink /dev/fd; readlink /dev/ptmx; echo x > /dev/null && echo ok")
        #expect(run.output.hasPrefix("fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero \n"), "\(run.output)")
        #expect(run.output.hasSuffix("/proc/self/fd\npts/ptmx\nok\n"), "\(run.output)")
    }

    @Test func writesLandInTheUpperDirAndNeverInTheImage() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        let launch = try pod.launch(["/bin/sh", "-c", "echo hello > /written && mkdir -p /a/b && echo done"])
        let run = try pod.run(launch)
        #expect(run.output == "done\n")
        let fm = FileManager.default
        #expect(fm.fileExists(atPath: launch.rootfs.upperDir + "/written"))
        #expect(fm.fileExists(atPath: launch.rootfs.upperDir + "/a/b"))
        #expect(!fm.fileExists(atPath: pod.fixture.image + "/written"))
        #expect(!fm.fileExists(atPath: pod.fixture.image + "/a"))
        // The overlay existed only in the container's mount namespace.
        #expect(MountTable.count(under: launch.rootfs.mergedDir) == 0)
    }

    @Test func readOnlyRootRefusesWritesButVolumesStayWritable() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        let volume = try pod.fixture.hostDir("rw-volume")
        var launch = try pod.launch(["/bin/sh", "-c", "touch /x 2>/dev/null && echo root-wrote || echo root-refused; touch /data/y && echo volume-wrote"],
                                    mounts: [MountSpec(kind: .bind(source: volume, recursive: true), target: "/data", label: "volume \"data\"")],
                                    readOnlyRoot: true)
        launch.workingDir = "/"
        let run = try pod.run(launch)
        #expect(run.output == "root-refused\nvolume-wrote\n")
        #expect(FileManager.default.fileExists(atPath: volume + "/y"))
    }
}

@Suite("container mounts (root)", .requires(Root.containersNote) { Root.canRunContainers })
struct LaunchMountTests {
    @Test func readOnlyBindRefusesWritesAndWritableBindReachesTheHost() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        let ro = try pod.fixture.hostDir("ro")
        let rw = try pod.fixture.hostDir("rw")
        try "from host\n".write(toFile: ro + "/seed", atomically: true, encoding: .utf8)
        let run = try pod.sh("""
            cat /ro/seed
            touch /ro/x 2>/dev/null && echo ro-wrote || echo ro-refused
            echo shared > /deep/rw/file && echo rw-wrote
            """, mounts: [
                MountSpec(kind: .bind(source: ro, recursive: true), target: "/ro", readOnly: true, label: "volume \"ro\""),
                MountSpec(kind: .bind(source: rw, recursive: false), target: "/deep/rw", label: "volume \"rw\""),
            ])
        #expect(run.output == "from host\nro-refused\nrw-wrote\n")
        #expect(!FileManager.default.fileExists(atPath: ro + "/x"))
        #expect((try? String(contentsOfFile: rw + "/file", encoding: .utf8)) == "shared\n")
    }

    @Test func fileTargetAndTmpfsMount() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        let hosts = try pod.fixture.hostDir("etc") + "/hosts"
        try "127.0.0.1 localhost\n".write(toFile: hosts, atomically: true, encoding: .utf8)
        let run = try pod.sh("cat /etc/hosts; grep ' /scratch ' /proc/mounts; echo x > /etc/hosts 2>/dev/null || echo hosts-ro", mounts: [
            MountSpec(kind: .bind(source: hosts, recursive: false), target: "/etc/hosts", targetType: .file,
                      readOnly: true, label: "/etc/hosts"),
            MountSpec(kind: .tmpfs(options: "size=1m,mode=700"), target: "/scratch", label: "volume \"scratch\""),
        ])
        let lines = run.output.split(separator: "\n")
        #expect(lines.first == "127.0.0.1 localhost", "\(run.output)")
        #expect(lines.dropFirst().first?.hasPrefix("tmpfs /scratch tmpfs rw,nosuid,nodev") == true, "\(run.output)")
        #expect(lines.dropFirst().first?.contains("mode=700") == true, "\(run.output)")
        #expect(lines.last == "hosts-ro", "\(run.output)")
    }

    @Test func missingBindSourceNamesTheVolumeAndThePath() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        let missing = pod.fixture.base + "/does-not-exist"
        let launch = try pod.launch(["/bin/true"], mounts: [
            MountSpec(kind: .bind(source: missing, recursive: true), target: "/data", label: "volume \"data\""),
        ])
        let error = #expect(throws: LaunchError.self) { try pod.run(launch) }
        #expect(error?.step == .mountSource)
        #expect(error?.errno == ENOENT)
        #expect(error?.description == "container app: mount volume \"data\" at /data: bind source \(missing): no such file or directory")
    }

    @Test func dotDotSymlinkInTheImageResolvesInsideTheRoot() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        let outside = try pod.fixture.hostDir("outside")
        // /up climbs far above the image; inside the root ".." stops at "/".
        try FileManager.default.createSymbolicLink(atPath: pod.fixture.image + "/up", withDestinationPath: "../../../../../..")
        let launch = try pod.launch(["/bin/sh", "-c", "ls -d /up\(outside)/sub"], mounts: [
            MountSpec(kind: .tmpfs(options: ""), target: "/up\(outside)/sub", label: "volume \"b\""),
        ])
        let run = try pod.run(launch)
        #expect(run.output == "/up\(outside)/sub\n")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: outside)) ?? ["?"]).isEmpty, "created on the host")
        #expect(FileManager.default.fileExists(atPath: launch.rootfs.upperDir + outside + "/sub"))
    }

    @Test func absoluteSymlinkToAHostPathIsNotFollowedOutOfTheRoot() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        let outside = try pod.fixture.hostDir("outside")
        // /evil names a host directory that exists on the host but not in the image: the mount
        // must not land on the host; the shim refuses the dangling (in-root) target.
        try FileManager.default.createSymbolicLink(atPath: pod.fixture.image + "/evil", withDestinationPath: outside)
        let volume = try pod.fixture.hostDir("vol")
        let error = #expect(throws: LaunchError.self) {
            try pod.sh("true", mounts: [MountSpec(kind: .bind(source: volume, recursive: false), target: "/evil/sub", label: "volume \"a\"")])
        }
        #expect(error?.step == .mountTarget)
        #expect(error?.description.hasPrefix("container app: create mount point for volume \"a\" at /evil/sub: ") == true)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: outside)) ?? ["?"]).isEmpty, "created on the host")
    }

    @Test func sandboxShmIsSharedAndDefaultShmIsPrivate() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        let shm = MountSpec(kind: .bind(source: pod.sandbox.shmDir, recursive: false), target: "/dev/shm", label: "/dev/shm")
        _ = try pod.sh("echo segment > /dev/shm/seg", mounts: [shm])
        #expect(try pod.sh("cat /dev/shm/seg", mounts: [shm]).output == "segment\n")
        #expect(try pod.sh("ls /dev/shm | wc -l").output.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }
}

@Suite("process setup (root)", .requires(Root.containersNote) { Root.canRunContainers })
struct LaunchProcessTests {
    @Test func execOfAMissingBinaryIsAClearError() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        let error = #expect(throws: LaunchError.self) { try pod.run(["/bin/nope"]) }
        #expect(error?.step == .exec)
        #expect(error?.description == "container app: exec \"/bin/nope\": no such file or directory")
        let search = #expect(throws: LaunchError.self) { try pod.run(["nope"]) }
        #expect(search?.description == "container app: exec \"nope\": executable file not found in $PATH")
    }

    @Test func pathSearchUsesTheContainerEnvironment() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        try FileManager.default.createDirectory(atPath: pod.fixture.image + "/opt/tools", withIntermediateDirectories: true)
        let tool = pod.fixture.image + "/opt/tools/mytool"
        try "#!/bin/sh\necho tool ran with PATH=$PATH\n".write(toFile: tool, atomically: true, encoding: .utf8)
        chmod(tool, 0o755)
        let run = try pod.run(["mytool"], environment: ["PATH=/opt/tools:/bin"])
        #expect(run.output == "tool ran with PATH=/opt/tools:/bin\n")
        // Without PATH in the environment, the default applies (and /bin is in it).
        #expect(try pod.run(["echo", "default"], environment: []).output == "default\n")
    }

    @Test func workingDirIsCreatedAndHonoured() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        #expect(try pod.run(["pwd"], workingDir: "/srv/app/data").output == "/srv/app/data\n")
    }

    @Test func uidGidAndSupplementaryGroupsAreApplied() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        var launch = try pod.launch(["/bin/sh", "-c", "id -u; id -g; id -G"])
        launch.process.uid = 1000
        launch.process.gid = 1000
        launch.process.supplementalGroups = [1000, 5]
        #expect(try pod.run(launch).output == "1000\n1000\n1000 5\n")
    }

    @Test func blockedAndIgnoredSignalsOfTheCallerAreReset() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        // SigBlk and SigIgn of the container process: all clear.
        let run = try pod.run(["grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"])
        #expect(run.output == "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n", "\(run.output)")
    }

    @Test func onlyStdioIsInherited() throws {
        let pod = try TestPod()
        defer { pod.cleanup() }
        #expect(try pod.sh("ls /proc/self/fd | tr '\\n' ' '").output == "0 1 2 3 ")  // 3 = ls's own dir fd
    }
}
