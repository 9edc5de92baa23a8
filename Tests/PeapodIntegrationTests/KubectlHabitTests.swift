// kubectl's everyday habits on real pods: a watch that follows a pod through its phases, labels
// that reach a running container's downwardAPI files, logs of several pods interleaved as they
// are written, JSONPath and custom columns over live status.

import Foundation
import PeapodTestSupport
import Testing

/// A command left running (a watch, `logs -f`), its output going to a file that the test reads
/// while it runs; stopped at the latest when the test's body ends.
final class Running {
    let process: Process
    let path: String

    init(_ peapod: Peapod, _ arguments: [String]) throws {
        path = peapod.base + "/running-" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        process = peapod.command(arguments)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var text: String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    /// Waits until the output satisfies `done`; returns the output either way.
    @discardableResult
    func wait(timeout: Double = 20, until done: (String) -> Bool) -> String {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && !done(text) { usleep(50_000) }
        return text
    }

    /// SIGKILL: the test runner's children start with SIGTERM blocked (peapod unblocks it, but
    /// a stop must not depend on the command under test).
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { stop() }
}

@Suite("kubectl's habits on real pods", .serialized, .requires(Environment.skipNote) { Environment.isRoot })
struct KubectlHabitTests {
    @Test("get -w prints a pod's rows as it goes Pending, Running, Succeeded (inotify on the status files)")
    func watch() throws {
        try withPeapod { peapod in
            let phases = try Running(peapod, ["get", "pods", "-w", "-o", "custom-columns=NAME:.metadata.name,PHASE:.status.phase"])
            defer { phases.stop() }
            let table = try Running(peapod, ["get", "pods", "--watch"])
            defer { table.stop() }
            let events = try Running(peapod, ["get", "events", "-w", "--field-selector", "involvedObject.name=phases"])
            defer { events.stop() }
            // Let both watches start before the pod exists.
            usleep(300_000)
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: phases}
            spec:
              restartPolicy: Never
              initContainers: [{name: init, image: busybox, command: [sleep, "1"]}]
              containers: [{name: main, image: busybox, command: [sleep, "1"]}]
            """
            #expect(try peapod.apply(manifest).code == 0)
            let text = phases.wait { $0.contains("Succeeded") }
            let seen = text.split(separator: "\n").compactMap { line -> String? in
                let cells = line.split(separator: " ", omittingEmptySubsequences: true)
                return cells.count == 2 && cells[0] == "phases" ? String(cells[1]) : nil
            }
            var distinct: [String] = []
            for phase in seen where distinct.last != phase { distinct.append(phase) }
            #expect(text.hasPrefix("NAME     PHASE\n"), "\(text)")
            #expect(distinct == ["Pending", "Running", "Succeeded"], "\(text)")
            let rows = table.wait { $0.contains("Completed") }
            #expect(rows.hasPrefix("NAME     READY   STATUS"), "\(rows)")
            for status in ["Init:0/1", "Running", "Completed"] { #expect(rows.contains(status), "\(rows)") }
            // Events as the supervisor records them: the header with the first.
            let recorded = events.wait { $0.contains("Started container main") }
            #expect(recorded.hasPrefix("LAST SEEN   TYPE     REASON"), "\(recorded)")
            for reason in ["Scheduled", "Pulled", "Created", "Started"] { #expect(recorded.contains(reason), "\(recorded)") }
            // A deleted pod is printed once more; --watch-only prints nothing of what is there.
            let only = try Running(peapod, ["get", "pods", "--watch-only", "-o", "name"])
            defer { only.stop() }
            usleep(300_000)
            #expect(only.text == "")
            #expect(try peapod.run(["delete", "pod", "phases", "--wait=false"]).code == 0)
            let deleted = only.wait { $0.contains("pod/phases") }
            #expect(deleted.hasPrefix("pod/phases\n") && deleted.split(separator: "\n").allSatisfy { $0 == "pod/phases" }, "\(deleted)")
        }
    }

    @Test("label and annotate reach a running container's downwardAPI files within seconds; selectors see them")
    func labelReachesDownwardAPI() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: Pod
            metadata: {name: info, labels: {app: web}, annotations: {note: one}}
            spec:
              volumes:
              - name: meta
                downwardAPI:
                  items:
                  - {path: labels, fieldRef: {fieldPath: metadata.labels}}
                  - {path: annotations, fieldRef: {fieldPath: metadata.annotations}}
                  - {path: tier, fieldRef: {fieldPath: "metadata.labels['tier']"}}
              containers:
              - {name: c, image: busybox, command: [sleep, "3600"], volumeMounts: [{name: meta, mountPath: /meta}]}
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitRunning("info")
            #expect(try peapod.exec("info", ["cat", "/meta/labels"]).stdout == "app=\"web\"")
            let before = try peapod.exec("info", ["readlink", "/meta/..data"]).stdout

            let labeled = try peapod.run(["label", "pod", "info", "tier=back", "app=db", "--overwrite"])
            #expect(labeled.code == 0 && labeled.stdout == "pod/info labeled\n", "\(labeled.output)")
            let start = Date()
            var labels = ""
            while Date().timeIntervalSince(start) < 5 {
                labels = try peapod.exec("info", ["cat", "/meta/labels"]).stdout
                if labels.contains("tier") { break }
                usleep(100_000)
            }
            #expect(labels == "app=\"db\"\ntier=\"back\"", "after \(Date().timeIntervalSince(start)) s")
            #expect(try peapod.exec("info", ["cat", "/meta/tier"]).stdout == "back")
            // The atomic writer's swap: a new data directory behind ..data.
            #expect(try peapod.exec("info", ["readlink", "/meta/..data"]).stdout != before)

            #expect(try peapod.run(["annotate", "pod/info", "note=two"]).code == 1)
            #expect(try peapod.run(["annotate", "pod/info", "note=two", "--overwrite"]).stdout == "pod/info annotated\n")
            var annotations = ""
            for _ in 0..<50 {
                annotations = try peapod.exec("info", ["cat", "/meta/annotations"]).stdout
                if annotations.contains("two") { break }
                usleep(100_000)
            }
            #expect(annotations == "note=\"two\"")
            #expect(try peapod.run(["get", "pods", "-l", "app=db,tier=back", "-o", "name"]).stdout == "pod/info\n")
            #expect(try peapod.run(["get", "pods", "-l", "app=web", "-o", "name"]).stdout == "")
            #expect(try peapod.run(["label", "pod", "info", "tier-"]).code == 0)
            for _ in 0..<50 where try peapod.exec("info", ["cat", "/meta/labels"]).stdout != "app=\"db\"" { usleep(100_000) }
            #expect(try peapod.exec("info", ["cat", "/meta/labels"]).stdout == "app=\"db\"")
            #expect(try peapod.run(["delete", "pods", "-l", "app=db", "--now"]).stdout == "pod \"info\" deleted\n")
        }
    }

    @Test("logs -l -f --prefix interleaves the lines of two pods as they are written")
    func logsInterleave() throws {
        try withPeapod { peapod in
            func pod(_ name: String, delay: String) -> String {
                """
                apiVersion: v1
                kind: Pod
                metadata: {name: \(name), labels: {app: talk}}
                spec:
                  containers:
                  - {name: c, image: busybox, command: [sh, -c, "sleep \(delay); for i in 1 2 3 4; do echo \(name)$i; sleep 0.6; done; exec sleep 3600"]}
                """
            }
            #expect(try peapod.apply(pod("left", delay: "2") + "\n---\n" + pod("right", delay: "2.3")).code == 0)
            _ = try peapod.waitRunning("left")
            _ = try peapod.waitRunning("right")
            let logs = try Running(peapod, ["logs", "-l", "app=talk", "-f", "--prefix"])
            defer { logs.stop() }
            let text = logs.wait { $0.contains("right4") }
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.count == 8, "\(text)")
            #expect(lines.allSatisfy { $0.hasPrefix("[pod/left/c] left") || $0.hasPrefix("[pod/right/c] right") }, "\(text)")
            // As written: the pods take turns, never all of one then all of the other.
            let order = lines.map { $0.hasPrefix("[pod/left") ? "L" : "R" }.joined()
            #expect(order == "LRLRLRLR", "\(text)")
            // Without -f: each pod's lines, pod after pod; --tail per container.
            #expect(try peapod.run(["logs", "-l", "app=talk", "--tail=1", "--prefix"]).stdout
                == "[pod/left/c] left4\n[pod/right/c] right4\n")
            #expect(try peapod.run(["delete", "pods", "--all", "--now"]).stdout == "pod \"left\" deleted\npod \"right\" deleted\n")
        }
    }

    @Test("get -o jsonpath and -o custom-columns over live pods; events of a real pod")
    func jsonPathOnLivePods() throws {
        try withPeapod { peapod in
            let manifest = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Pod
              metadata: {name: one, labels: {app: a}}
              spec: {containers: [{name: web, image: busybox, command: [sleep, "3600"]}, {name: side, image: busybox, command: [sleep, "3600"]}]}
            - apiVersion: v1
              kind: Pod
              metadata: {name: two, labels: {app: b}}
              spec: {restartPolicy: Never, containers: [{name: job, image: busybox, command: ["true"]}]}
            """
            #expect(try peapod.apply(manifest).code == 0)
            _ = try peapod.waitRunning("one")
            _ = try peapod.waitForPhase("two", ["Succeeded"])
            let phases = try peapod.run(["get", "pods", "-o",
                                         #"jsonpath={range .items[*]}{.metadata.name}={.status.phase};{end}"#])
            #expect(phases.stdout == "one=Running;two=Succeeded;", "\(phases.output)")
            let running = try peapod.run(["get", "pods", "-o",
                                          #"jsonpath={.items[?(@.status.phase=="Running")].status.containerStatuses[*].name}"#])
            #expect(running.stdout == "web side", "\(running.output)")
            let columns = try peapod.run(["get", "pods", "--sort-by=.metadata.name", "-o",
                                          "custom-columns=NAME:.metadata.name,CONTAINERS:.spec.containers[*].name,EXIT:.status.containerStatuses[0].state.terminated.exitCode"])
            #expect(columns.stdout == """
                NAME   CONTAINERS   EXIT
                one    web,side     <none>
                two    job          0

                """, "\(columns.output)")
            #expect(try peapod.run(["get", "pods", "--field-selector", "status.phase=Running", "-o", "name"]).stdout == "pod/one\n")
            let started = try peapod.run(["get", "pod", "one", "-o", "jsonpath={.status.containerStatuses[0].state.running.startedAt}"])
            #expect(started.stdout.hasSuffix("Z") && started.stdout.count == 20, "\(started.output)")
            #expect(try peapod.run(["wait", "pod/two", #"--for=jsonpath={.status.containerStatuses[?(@.name=="job")].state.terminated.reason}=Completed"#,
                                    "--timeout=5s"]).stdout == "pod/two condition met\n")
            // The completion script in bash, as a shell asks it: verbs, then live pods' names.
            let script = try peapod.run(["completion", "bash"]).stdout
            let scriptPath = peapod.base + "/completion.bash"
            try script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
            func bash(_ line: String) throws -> String {
                let process = peapod.command([])
                process.executableURL = URL(fileURLWithPath: "/bin/bash")
                process.arguments = ["-c", line]
                let out = Pipe()
                process.standardOutput = out
                try process.run()
                let data = out.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                return String(decoding: data, as: UTF8.self)
            }
            func complete(_ words: [String]) throws -> String {
                let quoted = words.map { "'\($0)'" }.joined(separator: " ")
                let line = "source \(scriptPath); COMP_WORDS=(\(Environment.binary) \(quoted)); COMP_CWORD=\(words.count); "
                    + "_peapod; printf '%s\\n' \"${COMPREPLY[@]}\""
                return try bash(line)
            }
            #expect(try complete(["lo"]) == "logs\n")
            #expect(try complete(["logs", ""]) == "one\ntwo\n")
            #expect(try complete(["get", "pods", "--sort"]) == "--sort-by\n")
            #expect(try complete(["exec", "one", "-c", "s"]) == "side\n")

            let events = try peapod.run(["events", "--for", "pod/two"])
            #expect(events.stdout.hasPrefix("LAST SEEN   TYPE     REASON      OBJECT    MESSAGE\n"), "\(events.output)")
            for reason in ["Scheduled", "Pulled", "Created", "Started"] { #expect(events.stdout.contains(reason)) }
            let listed = try peapod.run(["get", "events", "--field-selector", "involvedObject.name=two,reason=Started", "-o", "name"])
            #expect(listed.stdout.split(separator: "\n").count == 1 && listed.stdout.hasPrefix("event/two."), "\(listed.output)")
        }
    }
}
