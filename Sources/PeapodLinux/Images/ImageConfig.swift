// The part of an OCI image config that running a container needs, and the `--change` Dockerfile
// instructions of `docker import` that set it.
//
// Stored as `config.json` in the OCI image config shape, so anyone who knows OCI can read it:
//   {"architecture":"amd64","os":"linux","created":"…Z",
//    "config":{"Entrypoint":[…],"Cmd":[…],"Env":[…],"WorkingDir":"","User":""},
//    "rootfs":{"type":"layers","diff_ids":["sha256:…"]},"history":[…]}

import PeapodSpec

/// Entrypoint, cmd, env, working directory and user of an image (OCI `config`).
public struct ImageConfig: Sendable, Equatable {
    /// Empty when the image has none (OCI `Entrypoint` null or absent).
    public var entrypoint: [String]
    /// Empty when the image has none.
    public var cmd: [String]
    /// `KEY=VALUE` strings in order.
    public var env: [String]
    /// Empty means `/` (the runtime's default).
    public var workingDir: String
    /// `uid[:gid]` or `name[:group]`; empty means root.
    public var user: String

    public init(entrypoint: [String] = [], cmd: [String] = [], env: [String] = [], workingDir: String = "", user: String = "") {
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.env = env
        self.workingDir = workingDir
        self.user = user
    }

    /// The config after applying `changes` (Dockerfile instructions, one per string) in order.
    /// Throws `ImageStoreError.invalidChange` naming the instruction.
    public func applying(changes: [String]) throws -> ImageConfig {
        var config = self
        for change in changes { try config.apply(change: change) }
        return config
    }

    /// Applies one Dockerfile instruction as `docker import --change` does: `ENV K=V…` or
    /// `ENV K V`, `CMD`/`ENTRYPOINT` in exec (`["a","b"]`) or shell form (`a b` →
    /// `["/bin/sh","-c","a b"]`), `WORKDIR /d` (relative to the previous one), `USER u[:g]`.
    /// `$VAR` and `${VAR}` in ENV, WORKDIR and USER expand from the env set so far.
    public mutating func apply(change: String) throws {
        let trimmed = DockerfileWords.trimmed(change[...])
        let keywordEnd = trimmed.firstIndex(where: \.isWhitespace) ?? trimmed.endIndex
        let keyword = trimmed[..<keywordEnd].uppercased()
        let rest = String(DockerfileWords.trimmed(trimmed[keywordEnd...]))
        func fail(_ message: String) -> ImageStoreError { .invalidChange(change: change, message: message) }

        do {
            switch keyword {
            case "ENV":
                for (key, value) in try DockerfileWords.environmentPairs(rest, env: env) { setEnv(key, value) }
            case "CMD":
                guard !rest.isEmpty else { throw DockerfileWords.Failure("CMD requires at least one argument") }
                cmd = DockerfileWords.commandForm(rest)
            case "ENTRYPOINT":
                guard !rest.isEmpty else { throw DockerfileWords.Failure("ENTRYPOINT requires at least one argument") }
                entrypoint = DockerfileWords.commandForm(rest)
            case "WORKDIR":
                let dir = try DockerfileWords.expand(rest, env: env)
                guard !dir.isEmpty else { throw DockerfileWords.Failure("WORKDIR requires exactly one argument") }
                workingDir = Self.joinWorkingDir(base: workingDir, dir)
            case "USER":
                let user = try DockerfileWords.expand(rest, env: env)
                guard !user.isEmpty, !user.contains(where: \.isWhitespace) else {
                    throw DockerfileWords.Failure("USER requires exactly one argument")
                }
                self.user = user
            case "":
                throw DockerfileWords.Failure("empty instruction")
            case "EXPOSE", "LABEL", "VOLUME", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL":
                throw DockerfileWords.Failure("\(keyword) is not supported by peapod image import (supported: \(Self.supported))")
            default:
                throw DockerfileWords.Failure("unknown instruction \"\(trimmed[..<keywordEnd])\" (supported: \(Self.supported))")
            }
        } catch let failure as DockerfileWords.Failure {
            throw fail(failure.message)
        }
    }

    private static let supported = "ENV, CMD, ENTRYPOINT, WORKDIR, USER"

    private mutating func setEnv(_ key: String, _ value: String) {
        let entry = "\(key)=\(value)"
        if let index = env.firstIndex(where: { $0.hasPrefix(key + "=") }) {
            env[index] = entry
        } else {
            env.append(entry)
        }
    }

    /// `WORKDIR rel` is relative to the previous WORKDIR (or `/`); the result is cleaned.
    static func joinWorkingDir(base: String, _ dir: String) -> String {
        let full = dir.hasPrefix("/") ? dir : (base.isEmpty ? "/" : base) + "/" + dir
        var parts: [Substring] = []
        for part in full.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    // MARK: - config.json

    /// The OCI image config document, keys sorted (its bytes are part of the image id).
    func ociDocument(created: String, contentDigest: String) -> JSONValue {
        func strings(_ list: [String]) -> JSONValue { .array(list.map { .string($0) }) }
        let inner = JSONObject([
            ("Cmd", cmd.isEmpty ? .null : strings(cmd)),
            ("Entrypoint", entrypoint.isEmpty ? .null : strings(entrypoint)),
            ("Env", strings(env)),
            ("User", .string(user)),
            ("WorkingDir", .string(workingDir)),
        ])
        let history = JSONObject([
            ("comment", .string("imported from a root filesystem")),
            ("created", .string(created)),
            ("created_by", .string("peapod image import")),
        ])
        return .object(JSONObject([
            ("architecture", .string(Self.architecture)),
            ("config", .object(inner)),
            ("created", .string(created)),
            ("history", .array([.object(history)])),
            ("os", .string("linux")),
            ("rootfs", .object(JSONObject([("diff_ids", strings([contentDigest])), ("type", .string("layers"))]))),
        ]))
    }

    /// Reads the `config` object of an OCI image config document; absent fields are empty.
    init(ociDocument document: JSONValue) {
        let inner = document["config"] ?? .null
        func strings(_ value: JSONValue?) -> [String] {
            guard let items = value?.arrayValue else { return [] }
            let texts = items.compactMap(\.stringValue)
            return texts.count == items.count ? texts : []
        }
        self.init(
            entrypoint: strings(inner["Entrypoint"]),
            cmd: strings(inner["Cmd"]),
            env: strings(inner["Env"]),
            workingDir: inner["WorkingDir"]?.stringValue ?? "",
            user: inner["User"]?.stringValue ?? ""
        )
    }

    /// GOARCH spelling, as OCI configs use.
    static var architecture: String {
        #if arch(x86_64)
            return "amd64"
        #elseif arch(arm64)
            return "arm64"
        #elseif arch(arm)
            return "arm"
        #elseif arch(s390x)
            return "s390x"
        #elseif arch(powerpc64le)
            return "ppc64le"
        #else
            return "unknown"
        #endif
    }
}

/// Dockerfile word handling for `--change`: quotes, backslash escapes and `$VAR` expansion as
/// the Dockerfile shell lexer does them, and exec-vs-shell form for CMD and ENTRYPOINT.
enum DockerfileWords {
    struct Failure: Error {
        let message: String
        init(_ message: String) { self.message = message }
    }

    /// Exec form when the text is a JSON array of strings; otherwise shell form.
    static func commandForm(_ text: String) -> [String] {
        if text.hasPrefix("["), let array = (try? JSONValue.parse(text))?.arrayValue {
            let strings = array.compactMap(\.stringValue)
            if strings.count == array.count { return strings }
        }
        return ["/bin/sh", "-c", text]
    }

    /// `K=V K2="v 2"` pairs, or the legacy `K value with spaces` form (first word has no "=").
    /// Later pairs in one instruction do not see earlier ones, as in Docker.
    static func environmentPairs(_ text: String, env: [String]) throws -> [(String, String)] {
        let words = try rawWords(text)
        guard let first = words.first else { throw Failure("ENV requires at least one argument") }
        if !first.contains("=") {
            // Legacy form: the key, then the whole rest of the line as the value.
            guard words.count >= 2 else { throw Failure("ENV must have two arguments") }
            let valueStart = text.index(text.startIndex, offsetBy: first.count)
            let value = try expand(String(trimmed(text[valueStart...], newlines: false)), env: env)
            return [(first, value)]
        }
        return try words.map { word in
            guard let equals = word.firstIndex(of: "=") else {
                throw Failure("Syntax error - can't find = in \"\(word)\". Must be of the form: name=value")
            }
            let key = try expand(String(word[..<equals]), env: env)
            guard !key.isEmpty else { throw Failure("ENV names can not be blank") }
            return (key, try expand(String(word[word.index(after: equals)...]), env: env))
        }
    }

    /// `text` without leading and trailing white space (and newlines, unless `newlines` is false).
    static func trimmed(_ text: Substring, newlines: Bool = true) -> Substring {
        func isSpace(_ c: Character) -> Bool { c.isWhitespace && (newlines || !c.isNewline) }
        var s = text
        while let c = s.first, isSpace(c) { s = s.dropFirst() }
        while let c = s.last, isSpace(c) { s = s.dropLast() }
        return s
    }

    /// The text before and after the first `separator` in `body`, or nil.
    static func split(_ body: String, at separator: String) -> (String, String)? {
        var index = body.startIndex
        while index < body.endIndex {
            if body[index...].hasPrefix(separator) {
                return (String(body[..<index]), String(body[body.index(index, offsetBy: separator.count)...]))
            }
            index = body.index(after: index)
        }
        return nil
    }

    /// Splits on unquoted white space, keeping quotes and escapes in the words.
    static func rawWords(_ text: String) throws -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for char in text {
            if escaped {
                current.append(char)
                escaped = false
                continue
            }
            if char == "\\", quote != "'" {
                current.append(char)
                escaped = true
                inWord = true
                continue
            }
            if let open = quote {
                current.append(char)
                if char == open { quote = nil }
                continue
            }
            if char == "\"" || char == "'" {
                quote = char
                current.append(char)
                inWord = true
            } else if char.isWhitespace {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(char)
                inWord = true
            }
        }
        if quote != nil { throw Failure("unexpected end of statement while looking for matching \(quote!)") }
        if inWord { words.append(current) }
        return words
    }

    /// Removes quotes and escapes and expands `$VAR`, `${VAR}`, `${VAR:-word}`, `${VAR:+word}`
    /// (not inside single quotes); unset variables expand to nothing.
    static func expand(_ text: String, env: [String]) throws -> String {
        func lookup(_ name: String) -> String? {
            env.last(where: { $0.hasPrefix(name + "=") }).map { String($0.dropFirst(name.count + 1)) }
        }
        let chars = Array(text)
        var out = ""
        var i = 0
        var inDouble = false
        while i < chars.count {
            let c = chars[i]
            if c == "'" && !inDouble {
                guard let close = chars[(i + 1)...].firstIndex(of: "'") else {
                    throw Failure("unexpected end of statement while looking for matching '")
                }
                out += String(chars[(i + 1)..<close])
                i = close + 1
                continue
            }
            if c == "\"" {
                inDouble.toggle()
                i += 1
                continue
            }
            if c == "\\", i + 1 < chars.count {
                let next = chars[i + 1]
                if inDouble && !"\"\\$".contains(next) { out.append(c) }
                out.append(next)
                i += 2
                continue
            }
            if c == "$", i + 1 < chars.count {
                if chars[i + 1] == "{" {
                    guard let close = chars[(i + 2)...].firstIndex(of: "}") else {
                        throw Failure("missing '}' in \"\(text)\"")
                    }
                    let body = String(chars[(i + 2)..<close])
                    if let (name, word) = split(body, at: ":-") {
                        let value = lookup(name) ?? ""
                        out += value.isEmpty ? word : value
                    } else if let (name, word) = split(body, at: ":+") {
                        let value = lookup(name) ?? ""
                        out += value.isEmpty ? "" : word
                    } else {
                        out += lookup(body) ?? ""
                    }
                    i = close + 1
                    continue
                }
                var j = i + 1
                while j < chars.count, chars[j].isASCII, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" { j += 1 }
                if j > i + 1 {
                    out += lookup(String(chars[(i + 1)..<j])) ?? ""
                    i = j
                    continue
                }
            }
            out.append(c)
            i += 1
        }
        if inDouble { throw Failure("unexpected end of statement while looking for matching \"") }
        return out
    }
}
