// cp, port-forward, attach through a terminal and run --rm against real pods.

import Foundation
import Testing
import PeapodTestSupport

@Suite("cp, port-forward, attach, run --image", .serialized, .requires(Environment.skipNote) { Environment.isRoot })
struct KubectlIOTests {
    @Test("cp: a file and a directory in and out; symlinks copied as symlinks, never written through")
    func copy() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: files}
            spec:
              containers:
              - name: c
                image: busybox
                command: [sh, -c, "mkdir -p /data/sub && echo hello > /data/a.txt && echo deep > /data/sub/b && ln -s / /data/root && ln -s /etc /data/etc && ln -s /etc /tmp/x && ln -s /../../host /tmp/escape && mkdir /host && exec sleep 3600"]
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitRunning("files")
            let out = peapod.base + "/out"
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let tree = try peapod.run(["cp", "files:/data", out + "/data"])
            #expect(tree.code == 0, "\(tree.output)")
            #expect(try String(contentsOfFile: out + "/data/sub/b", encoding: .utf8) == "deep\n")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/data/root") == "/")
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/data/etc") == "/etc")
            // Copying again over the same tree: its symlinks are replaced, never followed.
            let again = try peapod.run(["cp", "files:/data", out + "/data"])
            #expect(again.code == 0, "\(again.output)")
            #expect(!FileManager.default.fileExists(atPath: "/etc/a.txt") && !FileManager.default.fileExists(atPath: "/sub/b"))
            let one = try peapod.run(["cp", "files:/data/a.txt", out])
            #expect(one.code == 0 && (try? String(contentsOfFile: out + "/a.txt", encoding: .utf8)) == "hello\n", "\(one.output)")
            // A tree whose root is the container's /tmp/x -> /etc: the link itself is copied.
            #expect(try peapod.run(["cp", "files:/tmp/x", out + "/x"]).code == 0)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out + "/x") == "/etc")

            let local = peapod.base + "/local"
            try FileManager.default.createDirectory(atPath: local + "/dir/inner", withIntermediateDirectories: true)
            try "in\n".write(toFile: local + "/dir/inner/f", atomically: true, encoding: .utf8)
            try "file\n".write(toFile: local + "/one.txt", atomically: true, encoding: .utf8)
            #expect(try peapod.run(["cp", local + "/dir", "files:/tmp/newdir"]).code == 0)
            #expect(try peapod.run(["cp", local + "/one.txt", "default/files:/tmp"]).code == 0)
            #expect(try peapod.exec("files", ["cat", "/tmp/newdir/inner/f", "/tmp/one.txt"]).stdout == "in\nfile\n")
            // Through the container's /tmp/escape -> /../../host: it stays in the container's root.
            let escape = try peapod.run(["cp", local + "/one.txt", "files:/tmp/escape/landed"])
            #expect(escape.code == 0, "\(escape.output)")
            #expect(try peapod.exec("files", ["cat", "/host/landed"]).stdout == "file\n")
            #expect(!FileManager.default.fileExists(atPath: "/host/landed"))
            let missing = try peapod.run(["cp", "files:/nope", out + "/nope"])
            #expect(missing.code == 1 && missing.stderr.contains("/nope: no such file or directory"), "\(missing.output)")
            let noLocal = try peapod.run(["cp", local + "/nope", "files:/tmp"])
            #expect(noLocal.stderr == "error: \(local)/nope doesn't exist in local filesystem\n")
        }
    }

    @Test("port-forward: busybox httpd in a loopback-only pod, through 127.0.0.1; ends with the pod")
    func portForward() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: web}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: c
                image: busybox
                command: [sh, -c, "mkdir -p /www && echo served-by-pod > /www/index.html && exec httpd -f -p 127.0.0.1:80 -h /www"]
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitRunning("web")
            let output = Pipe()
            let errors = Pipe()
            let forward = try peapod.start(["port-forward", "pod/web", ":80", "--address", "127.0.0.1"], output: output, errors: errors)
            defer { if forward.isRunning { forward.terminate() } }
            var text = ""
            let deadline = Date().addingTimeInterval(10)
            while !text.contains("\n") && Date() < deadline {
                text += String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
            }
            let port = text.split(separator: ":").dropFirst().first?.split(separator: " ").first.map(String.init) ?? ""
            #expect(text.hasPrefix("Forwarding from 127.0.0.1:") && text.contains(" -> 80"), "\(text)")
            let fetch = Process()
            // The image's own static busybox: the harness needs it anyway, the host may lack one.
            fetch.executableURL = URL(fileURLWithPath: Environment.rootfs + "/bin/busybox")
            fetch.arguments = ["wget", "-qO-", "http://127.0.0.1:\(port)/"]
            let body = Pipe()
            fetch.standardOutput = body
            try fetch.run()
            fetch.waitUntilExit()
            #expect(String(decoding: body.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "served-by-pod\n")
            #expect(try peapod.run(["delete", "pod", "web"]).code == 0)
            let end = Date().addingTimeInterval(10)
            while forward.isRunning && Date() < end { usleep(20_000) }
            #expect(!forward.isRunning && forward.terminationStatus == 1)
            let said = String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
            #expect(said.contains("error: lost connection to pod"), "\(said)")
        }
    }

    static let script = "/usr/bin/script"

    /// Runs peapod on a pseudo-terminal (script(1)), typing `input` after a pause.
    func onTerminal(_ peapod: Peapod, _ arguments: [String], input: String) throws -> String {
        let command = ([Environment.binary] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.script)
        process.arguments = ["-qfec", "stty rows 33 cols 77; " + command, "/dev/null"]
        process.environment = peapod.command([]).environment
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        for line in input.split(separator: "\n", omittingEmptySubsequences: false) {
            usleep(700_000)
            stdin.fileHandleForWriting.write(Data((line + "\r").utf8))
        }
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        return String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }

    @Test("attach -it: a tty container echoes through its terminal, takes the window size, and ctrl-p ctrl-q detaches",
          .requires("needs script(1) (util-linux; Debian: bsdutils) to put peapod on a terminal") { access(Self.script, X_OK) == 0 })
    func attachTerminal() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: term}
            spec:
              containers:
              - {name: c, image: busybox, command: [sh], stdin: true, tty: true}
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitRunning("term")
            let seen = try onTerminal(peapod, ["attach", "term", "-i", "-t"], input: "echo $((6*7))\nstty size\n\u{10}\u{11}")
            #expect(seen.contains("42"), "\(seen)")
            #expect(seen.contains("33 77"), "\(seen)")
            #expect(seen.contains("Session ended, resume using 'peapod attach term -c c -i -t'"), "\(seen)")
            // Detached, not ended: the shell still runs, and its log has the session.
            let pod = try peapod.waitRunning("term")
            #expect(value(pod, "status", "containerStatuses", 0, "restartCount") as? Int == 0)
            #expect(try peapod.run(["logs", "term"]).stdout.contains("42"))
            let plain = try peapod.run(["attach", "term", "-t"], timeout: 2)
            #expect(plain.stderr.contains("If you don't see a command prompt, try pressing enter."))
        }
    }

    @Test("run NAME --image -i --rm: attached, the exit code is the container's, the pod is deleted")
    func runImage() throws {
        try withPeapod { peapod in
            let result = try peapod.run(["run", "once", "--image=busybox", "-i", "--rm", "--restart=Never", "--", "sh", "-c",
                                         "read line; echo got:$line; exit 3"], stdin: "hello\n")
            #expect(result.code == 3, "\(result.output)")
            #expect(result.stdout.contains("got:hello") && result.stdout.contains("pod \"once\" deleted"), "\(result.output)")
            #expect(try peapod.run(["get", "pods", "-o", "name"]).stdout == "")
            let created = try peapod.run(["run", "plain", "--image", "busybox", "--labels=app=x", "--", "sleep", "100"])
            #expect(created.stdout == "pod/plain created\n")
            #expect(try peapod.run(["get", "pods", "-l", "app=x", "-o", "name"]).stdout == "pod/plain\n")
        }
    }
}
