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

/// One entry of a command's table.
struct Parameter: Sendable {
    enum Kind: Sendable {
        /// `--name VALUE`; the last one given wins.
        case option
        /// `--name VALUE`, as many times as wanted; every value counts, in order.
        case repeatedOption
        /// `--name`: off unless given.
        case flag
        /// `--name` / `--no-name` (or `--name=true|false`); the last one given wins.
        case toggle
        /// One positional argument, required.
        case argument
        /// The remaining positional arguments; `required` means at least one.
        case arguments(required: Bool)
        /// Every word after `--`.
        case afterTerminator
    }

    var kind: Kind
    /// The long name without its dashes, or a positional argument's name; values are looked up by it.
    var name: String
    var short: Character?
    var help: String
    /// Printed under the option in the help, indented.
    var discussion: String
    /// The value of an option that is not given; the help shows it. A toggle's is "true" or "false".
    var defaultValue: String?
    /// A required option (positional arguments are required by their kind).
    var required: Bool
    /// Given before the command's words to a command that does not take it, it is ignored
    /// (`--root`, `--run-root`, `-n`), as kubectl's global flags are; other options are errors there.
    var persistent = false

    static func option(_ name: String, short: Character? = nil, default defaultValue: String? = nil, required: Bool = false,
                       persistent: Bool = false, help: String = "", discussion: String = "") -> Parameter {
        Parameter(kind: .option, name: name, short: short, help: help, discussion: discussion, defaultValue: defaultValue,
                  required: required, persistent: persistent)
    }

    static func repeatedOption(_ name: String, short: Character? = nil, help: String = "") -> Parameter {
        Parameter(kind: .repeatedOption, name: name, short: short, help: help, discussion: "", defaultValue: nil, required: false)
    }

    static func flag(_ name: String, short: Character? = nil, help: String = "") -> Parameter {
        Parameter(kind: .flag, name: name, short: short, help: help, discussion: "", defaultValue: nil, required: false)
    }

    static func toggle(_ name: String, default on: Bool, help: String = "") -> Parameter {
        Parameter(kind: .toggle, name: name, short: nil, help: help, discussion: "", defaultValue: on ? "true" : "false",
                  required: false)
    }

    static func argument(_ name: String, help: String = "") -> Parameter {
        Parameter(kind: .argument, name: name, short: nil, help: help, discussion: "", defaultValue: nil, required: true)
    }

    static func arguments(_ name: String, required: Bool = true, help: String = "") -> Parameter {
        Parameter(kind: .arguments(required: required), name: name, short: nil, help: help, discussion: "", defaultValue: nil,
                  required: required)
    }

    static func afterTerminator(_ name: String, help: String = "") -> Parameter {
        Parameter(kind: .afterTerminator, name: name, short: nil, help: help, discussion: "", defaultValue: nil, required: false)
    }

    var isPositional: Bool {
        switch kind {
        case .argument, .arguments, .afterTerminator: return true
        case .option, .repeatedOption, .flag, .toggle: return false
        }
    }

    var takesValue: Bool {
        switch kind {
        case .option, .repeatedOption: return true
        default: return false
        }
    }

    /// How an error message names it: `'--tail <tail>'`, `'-n <namespace>'`, `'<pod>'`, `'<resources> ...'`.
    func quoted(spelledAs spelling: String? = nil) -> String {
        switch kind {
        case .argument: return "'<\(name)>'"
        case .arguments, .afterTerminator: return "'<\(name)> ...'"
        case .option, .repeatedOption: return "'\(spelling ?? "--" + name) <\(name)>'"
        case .flag, .toggle: return "'\(spelling ?? "--" + name)'"
        }
    }
}

/// A command: its words, texts and table, and either subcommands or what runs it (each command
/// type makes itself from the parsed values, then runs).
struct CommandSpec: Sendable {
    var name: String
    var aliases: [String] = []
    var abstract: String
    var discussion: String = ""
    var parameters: [Parameter] = []
    var subcommands: [CommandSpec] = []
    /// Whether `-h, --help` is listed (not for `help` itself).
    var listsHelpOption = true
    /// Left out of the help's list of subcommands (`__complete`, for the completion scripts).
    var hidden = false
    var run: (@Sendable (ParsedArguments) throws -> Void)?

    init(name: String, aliases: [String] = [], abstract: String, discussion: String = "", parameters: [Parameter] = [],
         subcommands: [CommandSpec]) {
        self.name = name
        self.aliases = aliases
        self.abstract = abstract
        self.discussion = discussion
        self.parameters = parameters
        self.subcommands = subcommands
    }

    /// A leaf's table is made when the leaf is chosen (`subcommand(named:)`), not with its
    /// parent's list: a command line builds one table, not every verb's (allocations at start-up).
    init(name: String, aliases: [String] = [], abstract: String, discussion: String = "",
         parameters: @autoclosure @escaping @Sendable () -> [Parameter],
         run: @escaping @Sendable (ParsedArguments) throws -> Void) {
        self.name = name
        self.aliases = aliases
        self.abstract = abstract
        self.discussion = discussion
        self.makeParameters = parameters
        self.run = run
    }

    /// The leaf's table, not made yet.
    private var makeParameters: (@Sendable () -> [Parameter])?

    /// The command with its table made.
    func materialized() -> CommandSpec {
        guard let makeParameters else { return self }
        var spec = self
        spec.parameters = makeParameters()
        spec.makeParameters = nil
        return spec
    }

    /// The subcommand called `word` (or an alias), with its table.
    func subcommand(named word: String) -> CommandSpec? {
        subcommands.first { $0.name == word || $0.aliases.contains(word) }?.materialized()
    }

    func parameter(long: some StringProtocol) -> Parameter? {
        parameters.first { !$0.isPositional && $0.name == long }
    }

    func parameter(short: Character) -> Parameter? {
        parameters.first { $0.short == short }
    }
}

/// A command line that does not fit the command's table (or fails its checks): printed as
/// `Error: ...` with the command's usage, exit status 64 (EX_USAGE).
struct UsageError: Error {
    var message: String
    /// The command whose usage is shown, from `peapod` down.
    var path: [CommandSpec]
}

/// A value that the command itself rejects (e.g. `--pod-pids-limit 0`): a usage error of the
/// command being run.
struct ValidationError: Error {
    var message: String

    init(_ message: String) {
        self.message = message
    }
}

/// The values given for one command, by parameter name, with its defaults.
struct ParsedArguments {
    /// From `peapod` down to the command.
    var path: [CommandSpec]
    /// Options: each value given, in order. Flags and toggles: "true"/"false". Positional
    /// arguments: their words. (A list of a dozen entries at most: no hashing, and no
    /// Dictionary whose first use costs a scan of the conformance tables.)
    private var entries: [Entry] = []

    private struct Entry {
        var name: String
        var words: [String]
    }

    init(path: [CommandSpec]) {
        self.path = path
    }

    /// The words given for a parameter; nil if it was not given.
    subscript(_ name: String) -> [String]? {
        entries.first { $0.name == name }?.words
    }

    mutating func set(_ name: String, _ words: [String]) {
        if let index = entries.firstIndex(where: { $0.name == name }) {
            entries[index].words = words
        } else {
            entries.append(Entry(name: name, words: words))
        }
    }

    mutating func append(_ name: String, _ word: String) {
        if let index = entries.firstIndex(where: { $0.name == name }) {
            entries[index].words.append(word)
        } else {
            entries.append(Entry(name: name, words: [word]))
        }
    }

    var command: CommandSpec { path[path.count - 1] }

    private func parameter(_ name: String) -> Parameter? {
        command.parameters.first { $0.name == name }
    }

    /// An option's value as given (the last one), without the table's default.
    func given(_ name: String) -> String? {
        self[name]?.last
    }

    /// An option's value (the last one given) or its default; a single positional argument.
    func string(_ name: String) -> String? {
        self[name]?.last ?? parameter(name)?.defaultValue
    }

    /// The value of an option that has a default in the table, or of a required one, or a
    /// required positional argument: always there once the line parsed.
    func text(_ name: String) -> String {
        guard let value = string(name) else {
            preconditionFailure("\(command.name): --\(name) has no default in the table")
        }
        return value
    }

    /// Every value of a repeated option, or the words of a positional list.
    func strings(_ name: String) -> [String] {
        self[name] ?? []
    }

    /// Whether a flag was given, or a toggle's final state.
    func flag(_ name: String) -> Bool {
        string(name) == "true"
    }

    /// An option's value converted (`Int`, `Int64`, `Double`): a value that does not convert is
    /// a usage error.
    func value<T: LosslessStringConvertible>(_ name: String) throws -> T? {
        guard let text = string(name) else { return nil }
        guard let value = T(text) else {
            let named = parameter(name)?.quoted() ?? "'--\(name)'"
            throw UsageError(message: "The value '\(text)' is invalid for \(named)", path: path)
        }
        return value
    }

    /// The converted value of an option with a default in the table.
    func number<T: LosslessStringConvertible>(_ name: String) throws -> T {
        guard let value: T = try value(name) else {
            preconditionFailure("\(command.name): --\(name) has no default in the table")
        }
        return value
    }
}

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

/// Reads a leaf command's words against its table: long options (`--name`, `--name=value`,
/// `--no-name`), short ones (`-n value`, `-n=value`, `-it`, `-Ao name`), positional words and
/// `--`. Errors are kept until the end: help asked for anywhere before `--` wins over them.
struct OptionScanner {
    let command: CommandSpec
    let root: CommandSpec
    let path: [CommandSpec]
    var values: ParsedArguments
    var positionals: [String] = []
    var terminated: [String]?
    var wantsHelp = false
    var firstError: String?
    /// The words being read and the index of the next one.
    private var words: [String] = []
    private var index = 0
    /// Whether the words came before the command's (root options only).
    private var leading = false

    init(command: CommandSpec, root: CommandSpec, path: [CommandSpec]) {
        self.command = command
        self.root = root
        self.path = path
        values = ParsedArguments(path: path)
    }

    mutating func fail(_ message: String) {
        if firstError == nil { firstError = message }
    }

    mutating func set(_ parameter: Parameter, _ value: String) {
        if case .repeatedOption = parameter.kind {
            values.append(parameter.name, value)
        } else {
            values.set(parameter.name, [value])
        }
    }

    /// The next word as an option's value: present, and not itself an option.
    mutating func nextValue(for parameter: Parameter, spelledAs spelling: String) -> String? {
        if index < words.count, !words[index].hasPrefix("-") || words[index] == "-" {
            index += 1
            return words[index - 1]
        }
        fail("Missing value for \(parameter.quoted(spelledAs: spelling))")
        return nil
    }

    /// An option word the leaf has no parameter for: before the command's words a persistent
    /// root option is skipped (with its value); anything else is an error.
    mutating func unknown(_ rootParameter: Parameter?, word: String, valueInline: Bool) {
        if leading, let skipped = rootParameter, skipped.persistent {
            if skipped.takesValue && !valueInline && index < words.count
                && (!words[index].hasPrefix("-") || words[index] == "-") {
                index += 1
            }
            return
        }
        fail("Unknown option '\(word)'")
    }

    mutating func scan(_ words: [String], leading: Bool) {
        self.words = words
        self.leading = leading
        index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            if word == "--" {
                if command.parameters.contains(where: { if case .afterTerminator = $0.kind { true } else { false } }) {
                    terminated = Array(words[index...])
                } else {
                    positionals += words[index...]
                }
                return
            }
            if word.hasPrefix("--") {
                long(word)
            } else if word.hasPrefix("-") && word != "-" {
                short(word)
            } else {
                positionals.append(word)
            }
        }
    }

    /// `--name`, `--name=value`, `--no-name`, `--name=true|false` for a toggle.
    mutating func long(_ word: String) {
        let body = word.dropFirst(2)
        let equals = body.firstIndex(of: "=")
        let name = body[..<(equals ?? body.endIndex)]
        let inline = equals.map { String(body[body.index(after: $0)...]) }
        if name == "help" {
            wantsHelp = true
            return
        }
        var found = command.parameter(long: name)
        var negated = false
        if found == nil, name.hasPrefix("no-"), let toggle = command.parameter(long: name.dropFirst(3)), case .toggle = toggle.kind {
            found = toggle
            negated = true
        }
        guard let parameter = found else {
            unknown(root.parameter(long: name), word: word, valueInline: inline != nil)
            return
        }
        let spelling = "--" + name
        switch parameter.kind {
        case .option, .repeatedOption:
            if let inline {
                if inline.isEmpty {
                    fail("Missing value for \(parameter.quoted(spelledAs: spelling))")
                } else {
                    set(parameter, inline)
                }
            } else if let value = nextValue(for: parameter, spelledAs: spelling) {
                set(parameter, value)
            }
        case .flag:
            if let inline {
                fail("The option '\(spelling)' does not take any value, but '\(inline)' was specified.")
            } else {
                set(parameter, "true")
            }
        case .toggle:
            // kubectl spells it --wait=false.
            if let inline {
                if !negated && (inline == "true" || inline == "false") {
                    set(parameter, inline)
                } else {
                    fail("The option '\(spelling)' does not take any value, but '\(inline)' was specified.")
                }
            } else {
                set(parameter, negated ? "false" : "true")
            }
        case .argument, .arguments, .afterTerminator:
            fail("Unknown option '\(word)'")
        }
    }

    /// `-n value`, `-n=value`, grouped flags `-it`, `-Ao name` (only the last letter takes a value).
    mutating func short(_ word: String) {
        let body = word.dropFirst()
        if let equals = body.firstIndex(of: "=") {
            let letters = body[..<equals]
            if letters == "h" {
                wantsHelp = true
                return
            }
            guard letters.count == 1 else {
                fail("Unknown option '\(word)'")
                return
            }
            guard let parameter = command.parameter(short: letters.first!) else {
                unknown(root.parameter(short: letters.first!), word: word, valueInline: true)
                return
            }
            guard parameter.takesValue else {
                fail("Unknown option '\(word)'")
                return
            }
            let value = String(body[body.index(after: equals)...])
            if value.isEmpty {
                fail("Missing value for \(parameter.quoted(spelledAs: "-" + String(letters)))")
            } else {
                set(parameter, value)
            }
            return
        }
        for (offset, letter) in body.enumerated() {
            if letter == "h" {
                wantsHelp = true
                continue
            }
            guard let parameter = command.parameter(short: letter) else {
                unknown(root.parameter(short: letter), word: body.count == 1 ? word : "-" + String(letter), valueInline: false)
                continue
            }
            if parameter.takesValue {
                // Only the last letter of a group takes a value (the next word): -nfoo is no option.
                guard offset == body.count - 1 else {
                    fail("Unknown option '\(word)'")
                    return
                }
                if let value = nextValue(for: parameter, spelledAs: "-" + String(letter)) { set(parameter, value) }
            } else {
                set(parameter, "true")
            }
        }
    }

    /// Positional words go to the arguments in table order; required options are checked.
    func finish() throws(UsageError) -> CommandTable.Outcome {
        if wantsHelp { return .help(path) }
        if let firstError { throw UsageError(message: firstError, path: path) }
        var values = self.values
        var next = 0
        for parameter in command.parameters {
            switch parameter.kind {
            case .argument:
                guard next < positionals.count else {
                    throw UsageError(message: "Missing expected argument \(parameter.quoted())", path: path)
                }
                values.set(parameter.name, [positionals[next]])
                next += 1
            case let .arguments(required):
                if required && next >= positionals.count {
                    throw UsageError(message: "Missing expected argument \(parameter.quoted())", path: path)
                }
                values.set(parameter.name, Array(positionals[next...]))
                next = positionals.count
            case .afterTerminator:
                values.set(parameter.name, terminated ?? [])
            case .option, .repeatedOption, .flag, .toggle:
                if parameter.required && values[parameter.name] == nil {
                    throw UsageError(message: "Missing expected argument \(parameter.quoted())", path: path)
                }
            }
        }
        if next < positionals.count {
            throw UsageError(message: CommandTable.unexpected(positionals[next...]), path: path)
        }
        return .run(values)
    }
}
