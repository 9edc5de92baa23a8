// `peapod cp`: kubectl cp's file specs and messages, without tar in the container: the files are
// read or written by a child that enters the container (ContainerCopy, CPeapod/copy.c).

import Glibc
import PeapodLinux
import PeapodSpec

struct CopyCommand {
    static let spec = CommandSpec(
        name: "cp", abstract: "Copy files and directories to and from containers.",
        discussion: "A file spec is a local path, or [NAMESPACE/]POD:PATH in a container. Symlinks are copied as symlinks.",
        parameters: GlobalOptions.parameters + ContainerOption.parameters + NamespaceOptions.parameters + [
            .arguments("file-specs", required: false, help: "<file-spec-src> <file-spec-dest>"),
        ],
        run: { try CopyCommand($0).run() })

    /// One side of a copy, as kubectl reads it: `PATH`, `POD:PATH` or `NAMESPACE/POD:PATH`.
    struct FileSpec: Equatable {
        var namespace: String?
        var pod: String?
        var path: String

        static let formatError = "filespec must match the canonical format: [[namespace/]pod:]file/path"

        static func parse(_ argument: String) throws -> FileSpec {
            guard let colon = argument.firstIndex(of: ":") else { return FileSpec(path: argument) }
            if colon == argument.startIndex { throw CLIError(formatError) }
            let pod = argument[..<colon]
            let path = String(argument[argument.index(after: colon)...])
            let pieces = pod.split(separator: "/", omittingEmptySubsequences: false)
            switch pieces.count {
            case 1: return FileSpec(pod: String(pod), path: path)
            case 2: return FileSpec(namespace: String(pieces[0]), pod: String(pieces[1]), path: path)
            default: throw CLIError(formatError)
            }
        }
    }

    enum Direction: Equatable {
        case fromPod(FileSpec, local: String)
        case toPod(local: String, FileSpec)
    }

    /// kubectl's checks, in its order.
    static func direction(_ arguments: [String]) throws -> Direction {
        guard arguments.count == 2 else { throw CLIError("source and destination are required") }
        let source = try FileSpec.parse(arguments[0])
        let destination = try FileSpec.parse(arguments[1])
        if source.pod != nil && destination.pod != nil {
            throw CLIError("one of src or dest must be a local file specification")
        }
        if source.path.isEmpty || destination.path.isEmpty { throw CLIError("filepath can not be empty") }
        if source.pod != nil { return .fromPod(source, local: destination.path) }
        if destination.pod != nil { return .toPod(local: source.path, destination) }
        throw CLIError("one of src or dest must be a remote file specification")
    }

    var global: GlobalOptions
    var container: ContainerOption
    var namespace: NamespaceOptions
    var specs: [String]

    init(_ arguments: ParsedArguments) {
        global = GlobalOptions(arguments)
        container = ContainerOption(arguments)
        namespace = NamespaceOptions(arguments)
        specs = arguments.strings("file-specs")
    }

    func run() throws {
        let direction = try Self.direction(specs)
        try global.requireRoot()
        let remote: FileSpec
        switch direction {
        case let .fromPod(spec, _): remote = spec
        case let .toPod(_, spec): remote = spec
        }
        let view = try PodView.find(remote.pod ?? "", namespace: remote.namespace ?? namespace.namespace, store: global.store)
        let containerName = try view.defaultContainer(container.container)
        let (pid, process) = try view.runningProcess(containerName)
        let warn = { (line: String) in Output.err(line + "\n") }
        let outcome: CopyOutcome
        do {
            switch direction {
            case let .fromPod(spec, local):
                outcome = try ContainerCopy.copyOut(pid: pid, process: process, container: containerName, path: spec.path,
                                                    destination: local, warn: warn)
            case let .toPod(local, spec):
                var st = stat()
                guard lstat(local, &st) == 0 else { throw CLIError("\(local) doesn't exist in local filesystem") }
                outcome = try ContainerCopy.copyIn(pid: pid, process: process, container: containerName, source: local,
                                                   path: spec.path, warn: warn)
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError("\(error)")
        }
        if outcome.failures > 0 { throw ExitCode(1) }
    }
}
