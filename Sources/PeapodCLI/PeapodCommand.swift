// The `peapod` command line: kubectl's habits for one machine (docs/design.md §3).

import Glibc
import PeapodLinux

public enum PeapodCommand {
    static let spec = CommandSpec(
        name: "peapod",
        abstract: "Run Kubernetes v1 Pods on this machine, with real namespaces.",
        subcommands: [
            RunCommand.spec, ApplyCommand.spec, GetCommand.spec, DescribeCommand.spec, LogsCommand.spec,
            ExecCommand.spec, AttachCommand.spec, CopyCommand.spec, PortForwardCommand.spec, DeleteCommand.spec, WaitCommand.spec, TopCommand.spec, ImageCommand.spec, SeccompCommand.spec,
        ]
    )

    /// Parses and runs a command. Usage errors print as `Error: ...` with the command's usage
    /// (exit 64); Peapod's own errors print as one `error:` line on stderr.
    public static func runMain() -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst())
        var path = [spec]
        do {
            switch try CommandTable.parse(arguments, root: spec) {
            case let .help(helpPath):
                Output.out(HelpText.page(helpPath))
            case let .run(parsed):
                path = parsed.path
                try parsed.command.run?(parsed)
            }
            Glibc.exit(0)
        } catch let failure as UsageError {
            Output.err(HelpText.error(failure))
            Glibc.exit(64)
        } catch let failure as ValidationError {
            Output.err(HelpText.error(UsageError(message: failure.message, path: path)))
            Glibc.exit(64)
        } catch let failure as CLIError {
            Output.err("error: \(failure.message)\n")
            Glibc.exit(failure.code)
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            Output.err("error: \(error)\n")
            Glibc.exit(1)
        }
    }
}

/// Ends `peapod` with this exit status (e.g. exec passes its command's on).
struct ExitCode: Error {
    var rawValue: Int32

    init(_ rawValue: Int32) {
        self.rawValue = rawValue
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

/// `--root` and `--run-root`, which every command takes.
struct GlobalOptions {
    static let parameters: [Parameter] = [
        .option("root", help: "State, images and logs (env PEAPOD_ROOT)."),
        .option("run-root", help: "Namespace pins and locks (env PEAPOD_RUN_ROOT)."),
    ]

    var root: String?
    var runRoot: String?

    init(_ arguments: ParsedArguments) {
        root = arguments.string("root")
        runRoot = arguments.string("run-root")
    }

    var store: PodStore {
        PodStore(
            root: root ?? ProcessInfoLite.variable("PEAPOD_ROOT") ?? "/var/lib/peapod",
            runRoot: runRoot ?? ProcessInfoLite.variable("PEAPOD_RUN_ROOT") ?? "/run/peapod")
    }

    /// Pods live in the kernel's namespaces and mounts: every command that touches them needs root.
    func requireRoot() throws {
        guard geteuid() == 0 else {
            throw CLIError("peapod must run as root (it creates namespaces, mounts and cgroups): try sudo peapod ...")
        }
    }
}

enum ProcessInfoLite {
    static func variable(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

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
