/// One problem with one field, in the terms of k8s.io/apimachinery's field.Error.
public struct FieldError: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case required, invalid, duplicate, notSupported, forbidden, tooLong, tooMany
        case typeMismatch, unknownField, unsupportedByPeapod, notFound
    }

    /// The field path, e.g. `spec.containers[0].name`.
    public var path: String
    public var kind: Kind
    /// The offending value, when it is shown in the message.
    public var value: JSONValue?
    /// Extra explanation (Kubernetes' "detail").
    public var detail: String

    public init(_ kind: Kind, _ path: String, value: JSONValue? = nil, detail: String = "") {
        self.kind = kind
        self.path = path
        self.value = value
        self.detail = detail
    }

    public static func required(_ path: String, _ detail: String = "") -> FieldError { .init(.required, path, detail: detail) }
    public static func invalid(_ path: String, _ value: JSONValue, _ detail: String) -> FieldError {
        .init(.invalid, path, value: value, detail: detail)
    }
    public static func duplicate(_ path: String, _ value: JSONValue) -> FieldError { .init(.duplicate, path, value: value) }
    public static func notSupported(_ path: String, _ value: JSONValue, _ supported: [String]) -> FieldError {
        .init(.notSupported, path, value: value,
              detail: supported.isEmpty ? "" : "supported values: " + supported.map { goQuote($0) }.joined(separator: ", "))
    }
    public static func forbidden(_ path: String, _ detail: String) -> FieldError { .init(.forbidden, path, detail: detail) }
    public static func tooLong(_ path: String, max: Int) -> FieldError {
        .init(.tooLong, path, detail: "may not be more than \(max) bytes")
    }
    public static func notFound(_ path: String, _ value: JSONValue) -> FieldError { .init(.notFound, path, value: value) }
    public static func unsupported(_ path: String, _ detail: String = "not supported yet") -> FieldError {
        .init(.unsupportedByPeapod, path, detail: detail)
    }

    /// Kubernetes' text: `spec.containers[0].name: Required value`,
    /// `spec.volumes[1].name: Duplicate value: "data"`, `unknown field "spec.x"`.
    public var description: String {
        switch kind {
        case .unknownField: return "unknown field " + goQuote(path)
        case .unsupportedByPeapod: return "\(path): \(detail.isEmpty ? "not supported yet" : detail)"
        case .typeMismatch:
            var s = "\(path): Invalid type: expected \(detail)"
            if let v = value { s += ", got \(v.typeName)" + (v.isContainer ? "" : " " + FieldError.render(v)) }
            return s
        default: break
        }
        let title: String
        switch kind {
        case .required: title = "Required value"
        case .invalid: title = "Invalid value"
        case .duplicate: title = "Duplicate value"
        case .notSupported: title = "Unsupported value"
        case .forbidden: title = "Forbidden"
        case .tooLong: title = "Too long"
        case .tooMany: title = "Too many"
        case .notFound: title = "Not found"
        default: title = ""
        }
        var s = "\(path): \(title)"
        if let v = value, kind != .required, kind != .forbidden, kind != .tooLong {
            s += ": " + FieldError.render(v)
        }
        if !detail.isEmpty { s += ": " + detail }
        return s
    }

    /// A value as Go's `%q`/`%d`/`%v` would print it in a field error.
    static func render(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return goQuote(s)
        case .int(let i): return String(i)
        case .double(let d): return JSONValue.formatDouble(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        default: return v.serialized(pretty: false)
        }
    }
}

extension JSONValue {
    var isContainer: Bool {
        switch self {
        case .array, .object: return true
        default: return false
        }
    }
}


/// Why a manifest was refused: one readable text (kubectl's style) plus the structured errors.
public struct ManifestError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Stage: Sendable, Equatable {
        /// The text is not YAML/JSON (line and column when known).
        case syntax(line: Int?, column: Int?)
        /// The document is not a v1 Pod (or List of Pods).
        case kind
        /// Unknown fields or wrong types while decoding.
        case decoding
        /// Validation or Peapod policy refused the Pod.
        case invalid
        /// No Pod at all in the input.
        case empty
    }

    public struct Section: Sendable, Equatable {
        /// 1-based document index in a multi-document input (nil when not applicable).
        public var document: Int?
        /// The Pod's name when known.
        public var podName: String?
        public var stage: Stage
        public var message: String
        public var fieldErrors: [FieldError]
    }

    public var sections: [Section]

    public init(sections: [Section]) { self.sections = sections }
    public init(document: Int?, podName: String? = nil, stage: Stage, message: String, fieldErrors: [FieldError] = []) {
        self.sections = [Section(document: document, podName: podName, stage: stage, message: message, fieldErrors: fieldErrors)]
    }

    /// Every field error, in order.
    public var fieldErrors: [FieldError] { sections.flatMap(\.fieldErrors) }
    public var stage: Stage { sections.first?.stage ?? .empty }
    public var description: String { sections.map(\.message).joined(separator: "\n") }

    /// kubectl's text for invalid objects: one error inline, several as a bulleted list.
    static func invalidMessage(name: String, errors: [FieldError]) -> String {
        let head = "The Pod \(goQuote(name)) is invalid: "
        if errors.count == 1 { return head + errors[0].description }
        return head + "\n" + errors.map { "* " + $0.description }.joined(separator: "\n")
    }

    static func decodingMessage(document: Int?, errors: [FieldError]) -> String {
        let unknown = errors.filter { $0.kind == .unknownField }
        let other = errors.filter { $0.kind != .unknownField }
        var parts: [String] = []
        if !other.isEmpty {
            parts.append(other.map(\.description).joined(separator: ", "))
        }
        if !unknown.isEmpty {
            parts.append("strict decoding error: " + unknown.map(\.description).joined(separator: ", "))
        }
        let prefix = document.map { "document \($0): " } ?? ""
        return prefix + "Pod in version \"v1\" cannot be handled as a Pod: " + parts.joined(separator: "; ")
    }
}
