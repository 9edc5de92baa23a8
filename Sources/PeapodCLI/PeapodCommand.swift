// The `peapod` command line: kubectl's habits for one machine (docs/design.md §3).

import Glibc
import PeapodLinux

public enum PeapodCommand {
    static let spec = CommandSpec(
        name: "peapod",
        abstract: "Run Kubernetes v1 Pods on this machine, with real namespaces.",
        // Accepted before the verb too (CommandTable.parse).
        parameters: GlobalOptions.parameters + NamespaceOptions.listing,
        subcommands: [
            RunCommand.spec, ApplyCommand.spec, GetCommand.spec, DescribeCommand.spec, LogsCommand.spec,
            ExecCommand.spec, AttachCommand.spec, CopyCommand.spec, PortForwardCommand.spec, DeleteCommand.spec,
            WaitCommand.spec, TopCommand.spec, EventsCommand.spec, MetadataCommand.spec(.labels),
            MetadataCommand.spec(.annotations), ImageCommand.spec, SeccompCommand.spec, VersionCommand.spec,
            APIResourcesCommand.spec, ExplainCommand.spec, CompletionCommand.spec, CompleteCommand.spec,
        ]
    )

    /// Parses and runs a command. Usage errors print as `Error: ...` with the command's usage
    /// (exit 64); Peapod's own errors print as one `error:` line on stderr.
    public static func runMain() -> Never {
        Glibc.exit(execute(Array(CommandLine.arguments.dropFirst())))
    }

    /// Runs the command line `arguments` (the words after `peapod`) and returns its exit status.
    static func execute(_ arguments: [String]) -> Int32 {
        var path = [spec]
        do {
            switch try CommandTable.parse(arguments, root: spec) {
            case let .help(helpPath):
                Output.out(HelpText.page(helpPath))
            case let .run(parsed):
                path = parsed.path
                try parsed.command.run?(parsed)
            }
            return 0
        } catch let failure as UsageError {
            Output.err(HelpText.error(failure))
            return 64
        } catch let failure as ValidationError {
            Output.err(HelpText.error(UsageError(message: failure.message, path: path)))
            return 64
        } catch let failure as CLIError {
            Output.err(failure.prefix + failure.message + "\n")
            return failure.code
        } catch let code as ExitCode {
            return code.rawValue
        } catch {
            Output.err("error: \(error)\n")
            return 1
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
    /// `error: ` for the CLI's own errors; `Error from server (Reason): ` for what an API
    /// server would have answered (kubectl prints those so).
    public var prefix = "error: "

    public init(_ message: String, code: Int32 = 1) {
        self.message = message
        self.code = code
    }

    /// What kubectl prints for an API server's refusal: `Error from server (NotFound): ...`.
    static func server(_ reason: String, _ message: String) -> CLIError {
        var error = CLIError(message)
        error.prefix = "Error from server (\(reason)): "
        return error
    }

    public var description: String { message }
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
