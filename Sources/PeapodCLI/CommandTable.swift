// Peapod's own command-line parser. Each command declares a table of its options, flags and
// positional arguments (CommandSpec); `CommandTable.parse` reads the words after `peapod` against
// the tables and gives either the help to print or the chosen command with its values
// (ParsedArguments), which the command turns into typed properties. No reflection, no runtime
// protocol lookups: the tables are plain values.
//
// The syntax is the one the CLI has always had: `--name value`, `--name=value`, `-n value`,
// `-n=value`, grouped short flags (`-it`, `-Ao name`: only the last may take a value), `--` ends
// the options, a value may not start with `-` unless it is `-` itself (stdin), the last of a
// repeated option wins unless the option collects every value, `--wait`/`--no-wait` toggles that
// also take kubectl's `--wait=true|false`, and `-h`/`--help` anywhere before `--` asks for help.

enum CommandTable {
    enum Outcome {
        /// Print the help of the last command of the path.
        case help([CommandSpec])
        case run(ParsedArguments)
    }

    /// `peapod help [COMMAND...]`: handled by the parser, not listed among the subcommands.
    static let helpCommand: CommandSpec = {
        var spec = CommandSpec(name: "help", abstract: "Show subcommand help information.", subcommands: [])
        spec.parameters = [.arguments("subcommands", required: false)]
        spec.listsHelpOption = false
        return spec
    }()

    static func isHelp(_ word: String) -> Bool {
        word == "-h" || word == "--help"
    }

    /// Reads `arguments` (the words after the program name) against `root`'s table. Options of
    /// the root's table (`--root`, `-n`, `-A`, ...) may come before the command's words; they
    /// are read with the leaf's, before its own.
    static func parse(_ arguments: [String], root: CommandSpec) throws(UsageError) -> Outcome {
        var path = [root]
        var index = 0
        var leading: [String] = []
        // Down the command words: `peapod image import ...`.
        while !path[path.count - 1].subcommands.isEmpty {
            let current = path[path.count - 1]
            guard index < arguments.count else { return .help(path) }
            let word = arguments[index]
            if isHelp(word) { return .help(path) }
            if word.hasPrefix("-") && word != "-" && word != "--", path.count == 1,
               let length = leadingOptionLength(arguments, at: index, root: root) {
                leading += arguments[index..<(index + length)]
                index += length
                continue
            }
            if path.count == 1 && word == "help" {
                return try parseHelpCommand(Array(arguments[(index + 1)...]), root: root)
            }
            if let sub = current.subcommand(named: word) {
                path.append(sub)
                index += 1
                continue
            }
            // Help anywhere after an unknown word still prints this command's help.
            if arguments[index...].contains(where: isHelp) { return .help(path) }
            if word.hasPrefix("-") && word != "-" {
                throw UsageError(message: "Unknown option '\(word)'", path: path)
            }
            throw UsageError(message: unexpected(arguments[index...].filter { !$0.hasPrefix("-") }), path: path)
        }
        return try parseOptions(leading: leading, Array(arguments[index...]), path: path)
    }

    /// How many words a root option before the command takes (`--root X`: 2, `--root=X`, `-A`:
    /// 1), or nil when the word is no root option. A missing value is left for the leaf to report.
    static func leadingOptionLength(_ arguments: [String], at index: Int, root: CommandSpec) -> Int? {
        let word = arguments[index]
        let valueFollows = index + 1 < arguments.count && (!arguments[index + 1].hasPrefix("-") || arguments[index + 1] == "-")
        if word.hasPrefix("--") {
            let body = word.dropFirst(2)
            if let equals = body.firstIndex(of: "=") {
                return root.parameter(long: body[..<equals]) == nil ? nil : 1
            }
            guard let parameter = root.parameter(long: body) else { return nil }
            return parameter.takesValue && valueFollows ? 2 : 1
        }
        let body = word.dropFirst()
        if let equals = body.firstIndex(of: "=") {
            return body[..<equals].count == 1 && root.parameter(short: body.first!) != nil ? 1 : nil
        }
        var length = 1
        for (offset, letter) in body.enumerated() {
            guard let parameter = root.parameter(short: letter) else { return nil }
            if parameter.takesValue {
                guard offset == body.count - 1 else { return nil }
                if valueFollows { length = 2 }
            }
        }
        return length
    }

    private static func parseHelpCommand(_ words: [String], root: CommandSpec) throws(UsageError) -> Outcome {
        var path = [root]
        for word in words {
            if isHelp(word) { return .help([root]) }
            if word.hasPrefix("-") && word != "-" {
                throw UsageError(message: "Unknown option '\(word)'", path: [root, helpCommand])
            }
        }
        for word in words {
            if word == "help" && path.count == 1 { return .help([root, helpCommand]) }
            guard let sub = path[path.count - 1].subcommand(named: word) else { break }
            path.append(sub)
        }
        return .help(path)
    }

    /// The options and arguments of a leaf command: `leading` are the options given before the
    /// command's words (a persistent one the command does not take is ignored there, as kubectl
    /// ignores `-n` for `version`). The first error is reported, unless help was asked for
    /// somewhere before `--`.
    private static func parseOptions(leading: [String], _ arguments: [String], path: [CommandSpec]) throws(UsageError) -> Outcome {
        var scanner = OptionScanner(command: path[path.count - 1], root: path[0], path: path)
        scanner.scan(leading, leading: true)
        scanner.scan(arguments, leading: false)
        return try scanner.finish()
    }

    static func unexpected<S: Collection<String>>(_ words: S) -> String {
        if words.count == 1, let word = words.first { return "Unexpected argument '\(word)'" }
        return "\(words.count) unexpected arguments: " + words.map { "'\($0)'" }.joined(separator: ", ")
    }
}
