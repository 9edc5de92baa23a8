// What process a container runs and with which environment (docs/kubelet-semantics.md §11):
// the image's entrypoint/cmd against the spec's command/args, and `$(VAR)` expansion as the
// kubelet's third_party/forked/golang/expansion does it.

public enum ContainerCommand {
    /// `command` replaces the image entrypoint and drops its cmd; `args` replaces the cmd.
    public static func argv(entrypoint: [String], cmd: [String], command: [String]?, args: [String]?) -> [String] {
        switch (command, args) {
        case let (command?, args?): return command + args
        case let (command?, nil): return command
        case let (nil, args?): return entrypoint + args
        case (nil, nil): return entrypoint + cmd
        }
    }
}

public enum VariableExpansion {
    /// Expands `$(NAME)` from `lookup`; `$$` is a literal `$`; an undefined or malformed
    /// reference stays as written.
    public static func expand(_ input: String, lookup: (String) -> String?) -> String {
        let chars = Array(input)
        var out = ""
        var i = 0
        while i < chars.count {
            let c = chars[i]
            guard c == "$", i + 1 < chars.count else {
                out.append(c)
                i += 1
                continue
            }
            let next = chars[i + 1]
            if next == "$" {
                out.append("$")
                i += 2
            } else if next == "(" {
                if let close = chars[(i + 2)...].firstIndex(of: ")") {
                    let name = String(chars[(i + 2)..<close])
                    if let value = lookup(name) {
                        out += value
                    } else {
                        out += "$(" + name + ")"
                    }
                    i = close + 1
                } else {
                    // No closing parenthesis: the rest is literal.
                    out += String(chars[i...])
                    i = chars.count
                }
            } else {
                out.append("$")
                out.append(next)
                i += 2
            }
        }
        return out
    }

    /// The container environment: image variables first, then the spec's in order, each spec
    /// value expanded against the spec variables defined before it; later entries win.
    /// Also returns the expanded spec variables, against which command and args are expanded.
    public static func environment(image: [String], spec: [(name: String, value: String)], extra: [(String, String)])
        -> (environment: [String], specVariables: [String: String])
    {
        var order: [String] = []
        var values: [String: String] = [:]
        func set(_ name: String, _ value: String) {
            if values[name] == nil { order.append(name) }
            values[name] = value
        }
        for entry in image {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            set(String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
        }
        for (name, value) in extra { set(name, value) }
        var specValues: [String: String] = [:]
        for (name, raw) in spec {
            let value = expand(raw) { specValues[$0] }
            specValues[name] = value
            set(name, value)
        }
        return (order.map { "\($0)=\(values[$0]!)" }, specValues)
    }
}
