import ArgumentParser
import Glibc
import PeapodLinux
import PeapodSpec

struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Manage the local images.",
        subcommands: [Import.self, List.self, Remove.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import", abstract: "Make a root filesystem folder or tarball image REF.")

        @OptionGroup var global: GlobalOptions
        @Argument var reference: String
        @Argument(help: "A folder or a tarball (.tar, .tar.gz).") var source: String
        @Option(name: .customLong("change"), help: "A Dockerfile instruction: ENV, CMD, ENTRYPOINT, WORKDIR, USER.")
        var changes: [String] = []

        func run() throws {
            try global.requireRoot()
            let record = try ImageStore(root: global.store.root).importImage(reference: reference, from: source, changes: changes)
            print(record.id)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List images.", aliases: ["list"])

        @OptionGroup var global: GlobalOptions

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
            print(Table.render(rows), terminator: "")
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove an image.")

        @OptionGroup var global: GlobalOptions
        @Argument var references: [String]

        func run() throws {
            try global.requireRoot()
            let images = ImageStore(root: global.store.root)
            for reference in references {
                try images.remove(reference: reference)
                print("Untagged: \(reference)")
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
