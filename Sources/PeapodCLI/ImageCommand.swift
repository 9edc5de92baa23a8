import ArgumentParser
import Glibc
import PeapodLinux

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
                    record.reference.repositoryDisplay, record.reference.tagDisplay, record.shortID,
                    HumanDuration.format(seconds: now.secondsSince(record.created)) + " ago", record.sizeDisplay,
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
