// The tables of Peapod's command-line parser (CommandTable.swift): a command (CommandSpec) and
// the entries of its table (Parameter), plain values each command declares; a leaf's table is
// made only when that command is chosen.

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
