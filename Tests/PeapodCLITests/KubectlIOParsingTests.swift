// The arguments of cp, port-forward, attach and run NAME --image, as kubectl reads them.

@testable import PeapodCLI
import PeapodSpec
import Testing

struct KubectlIOParsingTests {
    @Test func copyFileSpecs() throws {
        typealias Spec = CopyCommand.FileSpec
        #expect(try Spec.parse("/tmp/x") == Spec(path: "/tmp/x"))
        #expect(try Spec.parse("web:/tmp/x") == Spec(pod: "web", path: "/tmp/x"))
        #expect(try Spec.parse("ns/web:/tmp/x") == Spec(namespace: "ns", pod: "web", path: "/tmp/x"))
        #expect(try Spec.parse("web:") == Spec(pod: "web", path: ""))
        for bad in [":/tmp", "a/b/c:/x"] {
            #expect(throws: CLIError.self) { try Spec.parse(bad) }
        }
    }

    @Test func copyDirections() throws {
        #expect(try CopyCommand.direction(["web:/a", "b"]) == .fromPod(.init(pod: "web", path: "/a"), local: "b"))
        #expect(try CopyCommand.direction(["b", "n/web:/a"]) == .toPod(local: "b", .init(namespace: "n", pod: "web", path: "/a")))
        func message(_ words: [String]) -> String? {
            do { _ = try CopyCommand.direction(words); return nil } catch { return (error as? CLIError)?.message }
        }
        #expect(message(["a"]) == "source and destination are required")
        #expect(message(["p:/a", "q:/b"]) == "one of src or dest must be a local file specification")
        #expect(message(["a", "b"]) == "one of src or dest must be a remote file specification")
        #expect(message(["p:", "b"]) == "filepath can not be empty")
        #expect(message([":x", "b"]) == "filespec must match the canonical format: [[namespace/]pod:]file/path")
    }

    @Test func portSpecs() throws {
        typealias F = PortForwardCommand.Forward
        #expect(try PortForwardCommand.parsePorts(["8080", "9000:80", ":81", "0:82", "5000:http"])
            == [F(local: 8080, remote: "8080"), F(local: 9000, remote: "80"), F(local: 0, remote: "81"),
                F(local: 0, remote: "82"), F(local: 5000, remote: "http")])
        func message(_ spec: String) -> String? {
            let result = Result { try PortForwardCommand.parsePorts([spec]) }
            if case let .failure(error) = result { return (error as? CLIError)?.message }
            return nil
        }
        #expect(message("1:2:3") == "invalid port format '1:2:3'")
        #expect(message("x:80") == "error parsing local port 'x': strconv.ParseUint: parsing \"x\": invalid syntax")
        #expect(message("70000:80") == "error parsing local port '70000': strconv.ParseUint: parsing \"70000\": value out of range")
        #expect(message("8080:0") == "remote port must be > 0")
        #expect(message("http") == "error parsing local port 'http': strconv.ParseUint: parsing \"http\": invalid syntax")
    }

    @Test func addresses() throws {
        let local = try PortForwardCommand.parseAddresses("localhost")
        #expect(local.map(\.address) == ["127.0.0.1", "::1"] && local.map(\.ipv6) == [false, true])
        #expect(try PortForwardCommand.parseAddresses("127.0.0.1,::1,localhost").map(\.address) == ["127.0.0.1", "::1"])
        #expect(try PortForwardCommand.parseAddresses("0.0.0.0").map(\.address) == ["0.0.0.0"])
        #expect(throws: CLIError.self) { try PortForwardCommand.parseAddresses("example.com") }
    }

    private func runImage(_ words: [String]) throws -> RunImage? {
        guard case let .run(parsed) = try CommandTable.parse(["run"] + words, root: PeapodCommand.spec) else {
            throw CLIError("help")
        }
        return try RunCommand.imageRun(parsed)
    }

    @Test func runFlags() throws {
        let r = try #require(try runImage(["web", "--image=busybox", "-it", "--rm", "--restart=Never", "--env=A=1", "--env", "B=x=y",
                                           "--labels=app=web,tier=f", "--command", "--", "sh", "-c", "echo hi"]))
        #expect(r.name == "web" && r.image == "busybox" && r.stdin && r.tty && r.remove && r.restart == "Never" && r.command)
        #expect(r.arguments == ["sh", "-c", "echo hi"] && r.env == ["A=1", "B=x=y"])
        try r.validate()
        let pod = try r.manifest()
        #expect(pod["metadata"]?["labels"]?["app"]?.stringValue == "web" && pod["metadata"]?["labels"]?["run"] == nil)
        let container = pod["spec"]?["containers"]?.arrayValue?.first
        #expect(container?["command"]?.arrayValue?.count == 3 && container?["args"] == nil)
        #expect(container?["stdin"]?.boolValue == true && container?["stdinOnce"]?.boolValue == true && container?["tty"]?.boolValue == true)
        #expect(container?["env"]?.arrayValue?[1]["value"]?.stringValue == "x=y")

        let plain = try #require(try runImage(["box", "--image", "busybox", "sleep", "10"]))
        #expect(plain.arguments == ["sleep", "10"] && plain.restart == "Always" && !plain.stdin)
        let manifest = try plain.manifest()
        #expect(manifest["metadata"]?["labels"]?["run"]?.stringValue == "box")
        #expect(manifest["spec"]?["containers"]?.arrayValue?.first?["args"]?.arrayValue?.count == 2)

        #expect(try runImage(["-f", "pod.yaml"]) == nil)
        func message(_ words: [String]) -> String? {
            do { try runImage(words)?.validate(); return nil } catch {
                return (error as? CLIError)?.message ?? (error as? ValidationError)?.message
            }
        }
        #expect(message(["x", "--image=b", "-t"]) == "-i/--stdin is required for containers with -t/--tty=true")
        #expect(message(["x", "--image=b", "--rm"]) == "--rm should only be used for attached containers")
        #expect(message(["x", "--image=b", "--restart=Sometimes"]) == "invalid restart policy: Sometimes")
        #expect(message(["x"]) == "required flag(s) \"image\" not set")
        #expect(message(["x", "--image=b", "-f", "p.yaml"]) == "--filename and --image cannot be used together")
    }
}
