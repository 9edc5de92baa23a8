// The help pages and usage lines of the command tables (CommandTable.swift).

import Glibc

enum HelpText {
    /// Where the help column starts, and the indent of the entries before it.
    static let column = 26
    static let indent = 2

    /// `peapod get [--root <root>] ... <resources> ... [--namespace <namespace>] ...`: the
    /// command's words, then its table in order.
    static func usage(_ path: [CommandSpec]) -> String {
        let command = path[path.count - 1]
        var words = [commandName(path)]
        for parameter in command.parameters {
            switch parameter.kind {
            case .option:
                let text = "--\(parameter.name) <\(parameter.name)>"
                words.append(parameter.required ? text : "[\(text)]")
            case .repeatedOption:
                words.append("[--\(parameter.name) <\(parameter.name)> ...]")
            case .flag:
                words.append("[--\(parameter.name)]")
            case .toggle:
                words.append("[--\(parameter.name)] [--no-\(parameter.name)]")
            case .argument:
                words.append("<\(parameter.name)>")
            case let .arguments(required):
                words.append(required ? "<\(parameter.name)> ..." : "[<\(parameter.name)> ...]")
            case .afterTerminator:
                words.append("-- [<\(parameter.name)> ...]")
            }
        }
        // The root's options (`peapod [--root <root>] ... <subcommand>`) come before the verb.
        if !command.subcommands.isEmpty { words.append("<subcommand>") }
        return words.joined(separator: " ")
    }

    static func commandName(_ path: [CommandSpec]) -> String {
        path.map(\.name).joined(separator: " ")
    }

    /// The usage-error text: the message, the usage line and where to find more.
    static func error(_ failure: UsageError) -> String {
        // `peapod help --help` is the main help: for `help`, point there.
        let more = failure.path[failure.path.count - 1].listsHelpOption ? commandName(failure.path) : failure.path[0].name
        return "Error: \(failure.message)\nUsage: \(usage(failure.path))\n  See '\(more) --help' for more information.\n"
    }

    /// The help page of the last command of `path`.
    static func page(_ path: [CommandSpec], width: Int = screenWidth()) -> String {
        let command = path[path.count - 1]
        var out = wrap(command.abstract, width: width, first: "OVERVIEW: ", indent: 0) + "\n"
        if !command.discussion.isEmpty {
            out += wrap(command.discussion, width: width, first: "", indent: 0) + "\n"
        }
        out += "USAGE: \(usage(path))\n\n"

        let arguments = command.parameters.filter(\.isPositional)
        if !arguments.isEmpty {
            out += "ARGUMENTS:\n"
            for argument in arguments { out += entry("<\(argument.name)>", argument.help, width: width) }
            out += "\n"
        }
        let options = command.parameters.filter { !$0.isPositional }
        if !options.isEmpty || command.listsHelpOption {
            out += "OPTIONS:\n"
            for option in options {
                out += entry(label(option), describe(option), discussion: option.discussion, width: width)
            }
            if command.listsHelpOption { out += entry("-h, --help", "Show help information.", width: width) }
            out += "\n"
        }
        if !command.subcommands.isEmpty {
            out += "SUBCOMMANDS:\n"
            for sub in command.subcommands where !sub.hidden {
                out += entry(([sub.name] + sub.aliases).joined(separator: ", "), sub.abstract, width: width)
            }
            out += "\n  See '\(commandName([path[0], CommandTable.helpCommand])) "
                + "\(path.dropFirst().map { $0.name + " " }.joined())<subcommand>' for detailed help.\n"
        }
        return out
    }

    /// `-n, --namespace <namespace>`, `--wait/--no-wait`, `-A, --all-namespaces`.
    static func label(_ option: Parameter) -> String {
        var text = option.short.map { "-\($0), " } ?? ""
        switch option.kind {
        case .toggle: text += "--\(option.name)/--no-\(option.name)"
        case .option, .repeatedOption: text += "--\(option.name) <\(option.name)>"
        default: text += "--\(option.name)"
        }
        return text
    }

    /// The help text with the default, if there is one.
    static func describe(_ option: Parameter) -> String {
        guard let value = option.defaultValue else { return option.help }
        let shown: String
        if case .toggle = option.kind {
            shown = value == "true" ? "--\(option.name)" : "--no-\(option.name)"
        } else {
            shown = value
        }
        return option.help.isEmpty ? "(default: \(shown))" : "\(option.help) (default: \(shown))"
    }

    /// `  label                   text` (the text on the next line when the label is long).
    static func entry(_ label: String, _ text: String, discussion: String = "", width: Int) -> String {
        let padded = String(repeating: " ", count: indent) + label
        var out: String
        if text.isEmpty {
            out = padded + "\n"
        } else if padded.count + 2 <= column {
            out = wrap(text, width: width, first: padded + String(repeating: " ", count: column - padded.count), indent: column)
        } else {
            out = padded + "\n" + wrap(text, width: width, first: String(repeating: " ", count: column), indent: column)
        }
        if !discussion.isEmpty {
            out += wrap(discussion, width: width, first: String(repeating: " ", count: 8), indent: 8)
        }
        return out
    }

    /// Greedy word wrap: every line shorter than `width`; the first starts with `first`, the
    /// others with `indent` spaces. Ends with a newline.
    static func wrap(_ text: String, width: Int, first: String, indent: Int) -> String {
        var out = ""
        var line = first
        var lineHasWord = false
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if lineHasWord && line.count + 1 + word.count >= width {
                out += line + "\n"
                line = String(repeating: " ", count: indent)
                lineHasWord = false
            }
            line += (lineHasWord ? " " : "") + word
            lineHasWord = true
        }
        return out + line + "\n"
    }

    /// The terminal's width: $COLUMNS, else the width of the terminal on stdout, else 80.
    static func screenWidth() -> Int {
        if let columns = ProcessInfoLite.variable("COLUMNS").flatMap({ Int($0) }), columns > 0 { return columns }
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}
