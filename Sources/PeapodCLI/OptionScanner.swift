// The option scanner of the command-line parser (CommandTable.swift): one leaf command's words
// against its table, after the command words were walked.

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
