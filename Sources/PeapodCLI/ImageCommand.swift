import Glibc
import PeapodLinux
import PeapodSpec

enum ImageCommand {
    static let spec = CommandSpec(
        name: "image", abstract: "Manage the local images.",
        subcommands: [Import.spec, List.spec, Remove.spec])

    struct Import {
        static let spec = CommandSpec(
            name: "import", abstract: "Make a root filesystem folder or tarball image REF.",
            parameters: GlobalOptions.parameters + [
                .argument("reference"),
                .argument("source", help: "A folder or a tarball (.tar, .tar.gz)."),
                .repeatedOption("change", help: "A Dockerfile instruction: ENV, CMD, ENTRYPOINT, WORKDIR, USER."),
            ],
            run: { try Import($0).run() })

        var global: GlobalOptions
        var reference: String
        var source: String
        var changes: [String]

        init(_ arguments: ParsedArguments) {
            global = GlobalOptions(arguments)
            reference = arguments.text("reference")
            source = arguments.text("source")
            changes = arguments.strings("change")
        }

        func run() throws {
            try global.requireRoot()
            let record = try ImageStore(root: global.store.root).importImage(reference: reference, from: source, changes: changes)
            Output.out(record.id + "\n")
        }
    }

    struct List {
        static let spec = CommandSpec(
            name: "ls", aliases: ["list"], abstract: "List images.", parameters: GlobalOptions.parameters,
            run: { try List($0).run() })

        var global: GlobalOptions

        init(_ arguments: ParsedArguments) {
            global = GlobalOptions(arguments)
        }

        func run() throws {
            try global.requireRoot()
            var rows = [["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]]
            let now = Clock.now()
            for record in try ImageStore(root: global.store.root).list() {
                rows.append([
                    record.reference.familiarName, record.reference.tag ?? "<none>", record.shortID,
                    HumanDuration.format(seconds: now.secondsSince(record.created)) + " ago", ByteSize.format(record.size),
                ])
            }
            Output.out(Table.render(rows))
        }
    }

    struct Remove {
        static let spec = CommandSpec(
            name: "rm", abstract: "Remove an image.", parameters: GlobalOptions.parameters + [.arguments("references")],
            run: { try Remove($0).run() })

        var global: GlobalOptions
        var references: [String]

        init(_ arguments: ParsedArguments) {
            global = GlobalOptions(arguments)
            references = arguments.strings("references")
        }

        func run() throws {
            try global.requireRoot()
            let images = ImageStore(root: global.store.root)
            for reference in references {
                try images.remove(reference: reference)
                Output.out("Untagged: \(reference)\n")
            }
        }
    }
}

/// Sizes as docker prints them (decimal units, three significant digits).
enum ByteSize {
    static func format(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        let text = value >= 100 || unit == 0 ? String(Int(value.rounded())) : String(Double(Int(value * 10 + 0.5)) / 10)
        return text + units[unit]
    }
}
