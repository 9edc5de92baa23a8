// What the command-line parser gives a command: its values by parameter name, with the table's
// defaults and conversions (ParsedArguments), and the errors that end in its usage.

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
