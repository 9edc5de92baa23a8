// `peapod run`'s foreground supervisor: its argument list, and the echo of container output
// that it writes next to the CRI log.

import Foundation
import PeapodRuntime
import Testing

@testable import PeapodLinux

@Suite struct ForegroundTests {
    @Test("The supervisor's argument list round-trips, with and without --foreground, log rotation and housekeeping")
    func arguments() throws {
        for foreground in [false, true] {
            for rotation in [CRILogRotation.kubelet, CRILogRotation(maxSize: 4096, maxFiles: 2), nil] {
                let command = SupervisorCommand(
                    root: "/r", runRoot: "/rr", backoff: BackoffPolicy(baseSeconds: 0.5, capSeconds: 3), podDir: "/r/pods/x",
                    foreground: foreground, logRotation: rotation, housekeepingNanos: 250_000_000)
                let parsed = SupervisorCommand(parsing: command.arguments.dropFirst())
                #expect(parsed == command)
                #expect(command.arguments.contains("--foreground") == foreground)
            }
        }
        let defaults = SupervisorCommand(root: "/r", runRoot: "/rr", backoff: .kubelet, podDir: "/p")
        #expect(defaults.logRotation == CRILogRotation(maxSize: 10 * 1024 * 1024, maxFiles: 5))
        #expect(defaults.housekeepingNanos == 10_000_000_000)
        let base = ["--root", "/r", "--run-root", "/rr", "--backoff-base", "1", "--backoff-cap", "2",
                    "--container-log-max-size", "1024", "--container-log-max-files", "3", "--housekeeping-interval", "1000"]
        #expect(SupervisorCommand(parsing: (base + ["/p"])[...])?.logRotation == CRILogRotation(maxSize: 1024, maxFiles: 3))
        #expect(SupervisorCommand(parsing: (base + ["--foreground", "--foreground", "/p"])[...]) == nil)
        #expect(SupervisorCommand(parsing: (base + ["--other", "/p"])[...]) == nil)
        #expect(SupervisorCommand(parsing: ["--root", "/r", "--run-root", "/rr", "--backoff-base", "1", "--backoff-cap", "2", "/p"]) == nil)
        var bad = base
        bad[11] = "1"  // fewer than 2 files
        #expect(SupervisorCommand(parsing: (bad + ["/p"])[...]) == nil)
    }

    @Test("The supervisor finds its pod from the directory it is given, without looking through the store")
    func podDirectory() {
        let store = PodStore(root: "/state", runRoot: "/run/peapod")
        let location = store.location(namespace: "team-a", name: "web", uid: "0f3c")
        #expect(store.location(podDir: location.podDir) == location)
        #expect(store.location(podDir: "/state/pods/team-a_web_0f3c") == location)
        for other in ["/state/pods/web", "/state/pods/a_b_c_d", "/state/pods/a_b_c/x", "/elsewhere/pods/a_b_c", "/state/pods/", ""] {
            #expect(store.location(podDir: other) == nil, "\(other)")
        }
    }

    @Test("Echoed output: one line per record with the prefix; long lines continue; a stream's unfinished end is a line")
    func echo() throws {
        let dir = NSTemporaryDirectory() + "peapod-echo-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let output = ForegroundOutput(fd: fds[1], podName: "p")
        let writer = try CRILogWriter(path: dir + "/c/0.log", maxLineSize: 8)
        writer.echo = output.echo(container: "c")
        writer.write(Array("one\r\ntwo\nabcdefghij".utf8), stream: .stdout)
        writer.write(Array("err".utf8), stream: .stderr)
        writer.write(Array("kl\n".utf8), stream: .stdout)
        writer.close()
        output.write("[pod/p] phase: Succeeded\n")
        output.close()
        close(fds[1])
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        close(fds[0])
        #expect(String(decoding: bytes, as: UTF8.self) == """
            [pod/p/c] one
            [pod/p/c] two
            [pod/p/c] abcdefgh[pod/p/c] ijkl
            [pod/p/c] err
            [pod/p] phase: Succeeded

            """)
    }

    @Test("Once the reader is gone, nothing more is written and nothing fails")
    func readerGone() {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        close(fds[0])
        let previous = signal(SIGPIPE, SIG_IGN)
        defer { signal(SIGPIPE, previous) }
        let output = ForegroundOutput(fd: fds[1], podName: "p")
        output.write("lost\n")
        #expect(output.fd == -1)
        output.write("also lost\n")
        close(fds[1])
    }

    @Test("A reader that does not keep up: lines wait (the writer never blocks) and come out in order")
    func slowReader() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let output = ForegroundOutput(fd: fds[1], podName: "p")
        #expect(output.fd != fds[1], "a pipe gets a non-blocking open file of its own")
        // Far more than a pipe holds (64 KiB): without the queue this would block.
        let line = String(repeating: "x", count: 99) + "\n"
        for _ in 0..<5_000 { output.write(line) }
        #expect(output.pending)
        var total = 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        while output.pending {
            let n = read(fds[0], &buffer, buffer.count)
            #expect(n > 0 && buffer[0..<n].allSatisfy { $0 == UInt8(ascii: "x") || $0 == 10 })
            total += max(0, n)
            output.flush()
        }
        output.close()
        close(fds[1])
        while true {
            let n = read(fds[0], &buffer, buffer.count)
            if n <= 0 { break }
            total += n
        }
        #expect(total == 5_000 * 100)
    }
}

@Suite("Supervisor environment")
struct SupervisorEnvironmentTests {
    @Test func aSupervisorKeepsOnlyTheVariablesItsLibrariesRead() {
        let caller = ["PATH=/usr/bin:/bin", "HOME=/root", "TZ=UTC", "PEAPOD_ROOT=/srv/p", "LANG=C.UTF-8", "SSH_AUTH_SOCK=/tmp/a",
                      "PATHX=no", "noequals", "LD_LIBRARY_PATH=/opt/swift/lib"]
        #expect(DetachedProcess.keptEnvironment(from: caller)
                == ["PATH=/usr/bin:/bin", "TZ=UTC", "LANG=C.UTF-8", "LD_LIBRARY_PATH=/opt/swift/lib",
                    "GLIBC_TUNABLES=glibc.malloc.tcache_count=0"])
        // The caller's tunables are kept, after the supervisor's own.
        #expect(DetachedProcess.keptEnvironment(from: ["GLIBC_TUNABLES=glibc.malloc.arena_max=2"])
                == ["GLIBC_TUNABLES=glibc.malloc.tcache_count=0:glibc.malloc.arena_max=2"])
    }
}
