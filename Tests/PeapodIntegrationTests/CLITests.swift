// The kubectl-style commands against real pods: output formats, selectors, logs, exec with
// stdin, delete by file, and what a container sees of its spec (env, volumes).

import Foundation
import Testing
import PeapodTestSupport

@Suite("Commands on real pods", .serialized, .requires(Environment.skipNote) { Environment.isRoot })
struct CLITests {
    @Test("get: table, -o name, -o yaml, -o wide, -l selectors, -A, several pods as a List")
    func getFormats() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Pod
              metadata: {name: alpha, labels: {app: web, tier: front}}
              spec: {containers: [{name: c, image: busybox, command: [sleep, "3600"]}]}
            - apiVersion: v1
              kind: Pod
              metadata: {name: beta, namespace: other, labels: {app: db}}
              spec: {containers: [{name: c, image: busybox, command: [sleep, "3600"]}]}
            """
            let applied = try peapod.apply(manifest)
            #expect(applied.stdout == "pod/alpha created\npod/beta created\n", "\(applied.output)")
            _ = try peapod.waitRunning("alpha")
            let table = try peapod.run(["get", "pods"])
            let lines = table.stdout.split(separator: "\n")
            #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"])
            #expect(lines.count == 2 && lines[1].hasPrefix("alpha") && lines[1].contains("1/1") && lines[1].contains("Running"), "\(table.stdout)")
            #expect(try peapod.run(["get", "pods", "-A", "-o", "name"]).stdout == "pod/alpha\npod/beta\n")
            #expect(try peapod.run(["get", "po", "-A", "-l", "app=db", "-o", "name"]).stdout == "pod/beta\n")
            #expect(try peapod.run(["get", "pods", "-l", "app in (web,db),tier", "-o", "name"]).stdout == "pod/alpha\n")
            #expect(try peapod.run(["get", "pods", "-l", "app!=web", "-o", "name"]).stdout == "")
            let yaml = try peapod.run(["get", "pod/alpha", "-o", "yaml"])
            #expect(yaml.stdout.hasPrefix("apiVersion: v1\nkind: Pod\n"), "\(yaml.stdout)")
            #expect(yaml.stdout.contains("  phase: Running"))
            let wide = try peapod.run(["get", "pods", "-o", "wide"])
            #expect(wide.stdout.contains("NOMINATED NODE"))
            let list = try peapod.run(["get", "pods", "-A", "-o", "json"])
            let object = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any]
            #expect(object?["kind"] as? String == "List")
            #expect((object?["items"] as? [Any])?.count == 2)
            let missing = try peapod.run(["get", "pod", "nope"])
            #expect(missing.code != 0 && missing.stderr.contains("pods \"nope\" not found"))
        }
    }

    @Test("logs: --tail, --timestamps, -p after a restart, -c and the default container")
    func logs() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: talk}
            spec:
              restartPolicy: OnFailure
              volumes: [{name: marks, emptyDir: {}}]
              containers:
              - name: first
                image: busybox
                command: [sh, -c, "for i in 1 2 3 4 5; do echo line$i; done; echo oops >&2; [ -e /marks/again ] || { touch /marks/again; exit 1; }; exec sleep 3600"]
                volumeMounts: [{name: marks, mountPath: /marks}]
              - name: second
                image: busybox
                command: [sh, -c, "echo from-second; exec sleep 3600"]
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitFor("talk") { pod in
                let s = value(pod, "status", "containerStatuses", 0) as? [String: Any]
                return (s?["restartCount"] as? Int ?? 0) >= 1 && value(s, "state", "running") != nil
            }
            // The second instance prints the same lines, then sleeps.
            var all = try peapod.run(["logs", "talk"])
            for _ in 0..<50 where !all.stdout.hasSuffix("oops\n") {
                usleep(50_000)
                all = try peapod.run(["logs", "talk"])
            }
            #expect(all.stderr.contains("Defaulted container \"first\" out of: first, second"))
            #expect(all.stdout.hasPrefix("line1\nline2\nline3\nline4\nline5\noops\n"), "\(all.output)")
            #expect(try peapod.run(["logs", "talk", "--tail", "2"]).stdout == "line5\noops\n")
            let stamped = try peapod.run(["logs", "talk", "--tail", "1", "--timestamps"]).stdout
            #expect(stamped.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z oops\n$"#, options: .regularExpression) != nil, "\(stamped)")
            let previous = try peapod.run(["logs", "talk", "-p"])
            #expect(previous.code == 0 && previous.stdout.contains("line1"), "\(previous.output)")
            #expect(try peapod.run(["logs", "talk", "-c", "second"]).stdout == "from-second\n")
            let wrong = try peapod.run(["logs", "talk", "-c", "third"])
            #expect(wrong.code != 0 && wrong.stderr.contains("container third is not valid for pod talk"))
        }
    }

    @Test("run: phases and output of every pod in order, exit 1 when one Failed, nothing left after")
    func runForeground() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: fails}
            spec:
              restartPolicy: Never
              containers:
              - {name: a, image: busybox, command: [sh, -c, "echo one; echo two >&2; printf unfinished; exit 3"]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: works}
            spec:
              restartPolicy: Never
              initContainers:
              - {name: setup, image: busybox, command: [echo, ready]}
              containers:
              - {name: b, image: busybox, command: [echo, fine]}
            """
            let result = try peapod.run(["run", "-f", "-"], stdin: manifest, timeout: 30)
            #expect(result.code == 1, "\(result.output)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            func linesOf(_ pod: String) -> [String] { lines.filter { $0.hasPrefix("[pod/\(pod)]") || $0.hasPrefix("[pod/\(pod)/") } }
            let fails = linesOf("fails")
            #expect(fails.first == "[pod/fails] phase: Pending", "\(result.output)")
            #expect(fails.last == "[pod/fails] phase: Failed", "\(result.output)")
            // A line left unfinished when the container exits still ends its own line.
            for line in ["[pod/fails/a] one", "[pod/fails/a] two", "[pod/fails/a] unfinished"] {
                #expect(fails.contains(line), "\(line) missing: \(result.output)")
            }
            #expect(fails.firstIndex(of: "[pod/fails] phase: Running")! < fails.firstIndex(of: "[pod/fails/a] one")!)
            let works = linesOf("works")
            #expect(works == ["[pod/works] phase: Pending", "[pod/works/setup] ready", "[pod/works] phase: Running",
                              "[pod/works/b] fine", "[pod/works] phase: Succeeded"], "\(result.output)")
            #expect(result.stderr == "", "\(result.output)")
            #expect(peapod.leftovers().isEmpty, "\(peapod.leftovers())")
            let alone = try peapod.run(["run", "-f", "-"], stdin: manifest.components(separatedBy: "---\n")[1], timeout: 30)
            #expect(alone.code == 0, "\(alone.output)")
        }
    }

    @Test("run: SIGINT deletes the pods gracefully (the container sees SIGTERM) and exits 130")
    func runInterrupted() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: long}
            spec:
              terminationGracePeriodSeconds: 5
              containers:
              - {name: a, image: busybox, command: [sh, -c, "trap 'echo got TERM; exit 0' TERM; echo up; while true; do sleep 0.1; done"]}
            """
            // The harness interrupts a command that outlives its timeout with SIGINT.
            let result = try peapod.run(["run", "-f", "-"], stdin: manifest, timeout: 2)
            #expect(result.code == 130, "\(result.output)")
            #expect(result.stdout.contains("[pod/long/a] up\n"), "\(result.output)")
            #expect(result.stdout.contains("[pod/long/a] got TERM\n"), "\(result.output)")
            #expect(result.stderr == "interrupted: deleting pod/long\n", "\(result.output)")
            #expect(peapod.leftovers().isEmpty, "\(peapod.leftovers())")
        }
    }

    @Test("run of one pod: `delete` from another command ends it gracefully, without an interruption message")
    func runDeletedFromOutside() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: outside}
            spec:
              terminationGracePeriodSeconds: 5
              containers:
              - {name: a, image: busybox, command: [sh, -c, "trap 'echo got TERM; exit 0' TERM; echo up; while true; do sleep 0.1; done"]}
            """
            let file = peapod.base + "/outside.yaml"
            try manifest.write(toFile: file, atomically: true, encoding: .utf8)
            let out = Pipe(), err = Pipe()
            let process = try peapod.start(["run", "-f", file], output: out, errors: err)
            defer { if process.isRunning { process.interrupt(); process.waitUntilExit() } }
            _ = try peapod.waitRunning("outside")
            // Until its trap is set, the container (PID 1 of its namespace) drops SIGTERM, as
            // the kernel does for every namespace's init: delete once it has said so.
            let deadline = Date().addingTimeInterval(20)
            while try !peapod.run(["logs", "outside"]).stdout.contains("up\n") && Date() < deadline { usleep(20_000) }
            let deleted = try peapod.run(["delete", "pod", "outside"])
            #expect(deleted.code == 0, "\(deleted.output)")
            process.waitUntilExit()
            let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            // The container exited 0 on SIGTERM: the pod Succeeded, and so did the command.
            #expect(process.terminationStatus == 0, "\(stdout)\(stderr)")
            #expect(stdout.contains("[pod/outside/a] got TERM\n"), "\(stdout)")
            #expect(!stderr.contains("interrupted") && !stderr.contains("terminated"), "\(stderr)")
        }
    }

    @Test("run keeps going when its reader goes away: the pod finishes and is removed")
    func runReaderGone() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: chatty}
            spec:
              restartPolicy: Never
              containers:
              - {name: a, image: busybox, command: [sh, -c, "sleep 0.3; seq 1 20000; sleep 0.2"]}
            """
            let file = peapod.base + "/chatty.yaml"
            try manifest.write(toFile: file, atomically: true, encoding: .utf8)
            let out = Pipe()
            let process = try peapod.start(["run", "-f", file], output: out)
            defer { if process.isRunning { process.interrupt(); process.waitUntilExit() } }
            // One line, then the reader is gone (as `peapod run ... | head -1`).
            var first = Data()
            while !first.contains(10) {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                first.append(chunk)
            }
            try out.fileHandleForReading.close()
            #expect(String(decoding: first, as: UTF8.self).hasPrefix("[pod/chatty] phase: Pending"))
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            #expect(!process.isRunning)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            #expect(peapod.leftovers().isEmpty, "\(peapod.leftovers())")
        }
    }

    @Test("exec -i passes stdin; exit codes pass through; delete -f removes the manifest's pods")
    func execAndDeleteByFile() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: shell}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - {name: c, image: busybox, command: [sleep, "3600"], workingDir: /srv, env: [{name: GREETING, value: hi}]}
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitRunning("shell")
            let piped = try peapod.run(["exec", "-i", "shell", "--", "sh", "-c", "tr a-z A-Z"], stdin: "hello\n")
            #expect(piped.stdout == "HELLO\n", "\(piped.output)")
            let noStdin = try peapod.run(["exec", "shell", "--", "cat"], stdin: "ignored\n")
            #expect(noStdin.stdout == "")
            #expect(try peapod.exec("shell", ["sh", "-c", "exit 42"]).code == 42)
            #expect(try peapod.exec("shell", ["printenv", "GREETING"]).stdout == "hi\n")
            #expect(try peapod.exec("shell", ["pwd"]).stdout == "/srv\n")
            let missing = try peapod.exec("shell", ["no-such-command"])
            #expect(missing.code != 0)
            let file = peapod.base + "/shell.yaml"
            try manifest.write(toFile: file, atomically: true, encoding: .utf8)
            let deleted = try peapod.run(["delete", "-f", file])
            #expect(deleted.stdout == "pod \"shell\" deleted\n", "\(deleted.output)")
            #expect(peapod.leftovers().isEmpty)
        }
    }

    @Test("env: $(VAR) expansion, $$ escaping, fieldRef; downwardAPI, hostPath and subPath volumes")
    func environmentAndVolumes() throws {
        try withPeapod { peapod in
            let hostDir = peapod.base + "/host-data"
            try FileManager.default.createDirectory(atPath: hostDir + "/sub", withIntermediateDirectories: true)
            try "from-host\n".write(toFile: hostDir + "/sub/file", atomically: true, encoding: .utf8)
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: envy
              labels: {app: envy, tier: "1"}
              annotations: {note: "a \\"quoted\\" value"}
            spec:
              restartPolicy: Never
              volumes:
              - {name: info, downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}, {path: name, fieldRef: {fieldPath: metadata.name}}, {path: annotations, fieldRef: {fieldPath: metadata.annotations}}]}}
              - {name: host, hostPath: {path: \(hostDir), type: Directory}}
              containers:
              - name: c
                image: busybox
                command: [sh, -c, 'echo "$0" "$1" "$2"; sleep 3600', "$(GREETING)", "$$(GREETING)", "$(UNDEFINED)"]
                env:
                - {name: BASE, value: world}
                - {name: GREETING, value: "hello-$(BASE)"}
                - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                - {name: POD_NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
                - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
                volumeMounts:
                - {name: info, mountPath: /etc/podinfo}
                - {name: host, mountPath: /host, readOnly: true}
                - {name: host, mountPath: /only-sub, subPath: sub}
            """
            let applied = try peapod.apply(manifest)
            #expect(applied.code == 0, "\(applied.output)")
            _ = try peapod.waitRunning("envy")
            var logs = ""
            for _ in 0..<40 where logs.isEmpty {
                logs = try peapod.run(["logs", "envy"]).stdout
                usleep(50_000)
            }
            #expect(logs == "hello-world $(GREETING) $(UNDEFINED)\n", "\(logs)")
            let env = try peapod.exec("envy", ["sh", "-c", "echo $GREETING $POD_NAME $POD_NS $APP $HOSTNAME"])
            #expect(env.stdout == "hello-world envy default envy envy\n", "\(env.output)")
            #expect(try peapod.exec("envy", ["cat", "/etc/podinfo/name"]).stdout == "envy")
            #expect(try peapod.exec("envy", ["cat", "/etc/podinfo/labels"]).stdout == "app=\"envy\"\ntier=\"1\"")
            #expect(try peapod.exec("envy", ["cat", "/etc/podinfo/annotations"]).stdout == "note=\"a \\\"quoted\\\" value\"")
            #expect(try peapod.exec("envy", ["cat", "/host/sub/file"]).stdout == "from-host\n")
            #expect(try peapod.exec("envy", ["cat", "/only-sub/file"]).stdout == "from-host\n")
            #expect(try peapod.exec("envy", ["touch", "/host/x"]).code != 0)
            #expect(try peapod.exec("envy", ["cat", "/etc/hosts"]).stdout.contains("envy"))
            #expect(try peapod.exec("envy", ["cat", "/etc/hostname"]).stdout == "envy\n")
        }
    }

    @Test("The image's USER applies to the container and to exec")
    func imageUser() throws {
        try withPeapod { peapod in
            let imported = try peapod.run(["image", "import", "busybox-user", Environment.rootfs,
                                           "--change", "USER 1000", "--change", "CMD [\"sleep\", \"3600\"]"])
            #expect(imported.code == 0, "\(imported.output)")
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: user}
            spec:
              terminationGracePeriodSeconds: 1
              containers: [{name: c, image: busybox-user}]
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitRunning("user")
            #expect(try peapod.exec("user", ["id", "-u"]).stdout == "1000\n")
            #expect(try peapod.exec("user", ["sh", "-c", "stat -c %u /proc/1"]).stdout == "1000\n")
        }
    }

    @Test("A command that does not exist: StartError with the shim's message, then back-off")
    func startError() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: broken}
            spec:
              restartPolicy: Never
              containers:
              - {name: c, image: busybox, command: [no-such-binary]}
            """
            #expect(try peapod.apply(manifest).code == 0)
            let pod = try peapod.waitForPhase("broken", ["Failed"])
            let terminated = value(pod, "status", "containerStatuses", 0, "state", "terminated") as? [String: Any]
            #expect(terminated?["reason"] as? String == "StartError")
            #expect(terminated?["exitCode"] as? Int == 128)
            #expect((terminated?["message"] as? String)?.contains("exec \"no-such-binary\": executable file not found in $PATH") == true,
                    "\(terminated ?? [:])")
            let describe = try peapod.run(["describe", "pod", "broken"])
            #expect(describe.stdout.contains("Warning  Failed"), "\(describe.stdout)")
        }
    }
}
