// The `peapod` command line: kubectl's habits for one machine (DESIGN.md, CLI contract).

import ArgumentParser
import Glibc
import PeapodLinux

public struct PeapodCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "peapod",
        abstract: "Run Kubernetes v1 Pods on this machine, with real namespaces.",
        subcommands: [
            RunCommand.self, ApplyCommand.self, GetCommand.self, DescribeCommand.self, LogsCommand.self,
            ExecCommand.self, DeleteCommand.self, WaitCommand.self, TopCommand.self, ImageCommand.self,
        ]
    )

    public init() {}

    /// Parses and runs a command. Peapod's own errors print as one `error:` line on stderr.
    public static func runMain() -> Never {
        do {
            let arguments = CommandLine.arguments
            var command = try parseAsRoot(kubectlBooleans(Array(arguments.dropFirst())))
            try command.run()
            Glibc.exit(0)
        } catch let failure as CLIError {
            Output.err("error: \(failure.message)\n")
            Glibc.exit(failure.code)
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            if isArgumentParserError(error) { self.exit(withError: error) }
            Output.err("error: \(error)\n")
            Glibc.exit(1)
        }
    }

    /// kubectl spells boolean flags `--wait=false`; the parser knows `--wait` / `--no-wait`.
    static func kubectlBooleans(_ arguments: [String]) -> [String] {
        var out: [String] = []
        for (index, argument) in arguments.enumerated() {
            if argument == "--" {
                out += arguments[index...]
                break
            }
            switch argument {
            case "--wait=false": out.append("--no-wait")
            case "--wait=true": out.append("--wait")
            default: out.append(argument)
            }
        }
        return out
    }

    static func isArgumentParserError(_ error: Error) -> Bool {
        String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }
}

public struct CLIError: Error, CustomStringConvertible {
    public var message: String
    public var code: Int32

    public init(_ message: String, code: Int32 = 1) {
        self.message = message
        self.code = code
    }

    public var description: String { message }
}

struct GlobalOptions: ParsableArguments {
    @Option(name: .customLong("root"), help: "State, images and logs (env PEAPOD_ROOT).")
    var root: String?

    @Option(name: .customLong("run-root"), help: "Namespace pins and locks (env PEAPOD_RUN_ROOT).")
    var runRoot: String?

    var store: PodStore {
        let env = ProcessInfoLite.environment
        return PodStore(
            root: root ?? env["PEAPOD_ROOT"] ?? "/var/lib/peapod",
            runRoot: runRoot ?? env["PEAPOD_RUN_ROOT"] ?? "/run/peapod")
    }

    /// Pods live in the kernel's namespaces and mounts: every command that touches them needs root.
    func requireRoot() throws {
        guard geteuid() == 0 else {
            throw CLIError("peapod must run as root (it creates namespaces, mounts and cgroups): try sudo peapod ...")
        }
    }
}

enum ProcessInfoLite {
    static var environment: [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                result[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            pointer += 1
        }
        return result
    }
}
