// Label and field selectors, as kubectl's -l and --field-selector take them and the API server
// applies them.

import PeapodSpec

/// Equality- and set-based label selectors, as `kubectl -l` takes them.
struct LabelSelector {
    enum Requirement {
        case equals(String, String), notEquals(String, String), exists(String), notExists(String)
        case inSet(String, Set<String>), notInSet(String, Set<String>)
    }

    var requirements: [Requirement] = []

    init(parsing text: String) throws {
        var parts: [String] = []
        var depth = 0
        var current = ""
        for ch in text {
            if ch == "(" { depth += 1 }
            if ch == ")" { depth -= 1 }
            if ch == "," && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        parts.append(current)
        for raw in parts {
            let part = raw.trimmingCharacters(in: " ")
            if part.isEmpty { continue }
            if let r = part.rangeOfText("!=") {
                requirements.append(.notEquals(String(part[..<r.lowerBound]).trimmingCharacters(in: " "),
                                               String(part[r.upperBound...]).trimmingCharacters(in: " ")))
            } else if let r = part.rangeOfText("==") ?? part.rangeOfText("=") {
                requirements.append(.equals(String(part[..<r.lowerBound]).trimmingCharacters(in: " "),
                                            String(part[r.upperBound...]).trimmingCharacters(in: " ")))
            } else if let r = part.rangeOfText(" notin ") ?? part.rangeOfText(" in ") {
                let key = String(part[..<r.lowerBound]).trimmingCharacters(in: " ")
                var values = String(part[r.upperBound...]).trimmingCharacters(in: " ")
                guard values.hasPrefix("("), values.hasSuffix(")") else { throw CLIError("unable to parse requirement: \(part)") }
                values = String(values.dropFirst().dropLast())
                let set = Set(values.split(separator: ",").map { String($0).trimmingCharacters(in: " ") })
                requirements.append(part[r] == " notin " ? .notInSet(key, set) : .inSet(key, set))
            } else if part.hasPrefix("!") {
                requirements.append(.notExists(String(part.dropFirst()).trimmingCharacters(in: " ")))
            } else {
                requirements.append(.exists(part))
            }
        }
    }

    func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { r in
            switch r {
            case let .equals(k, v): return labels[k] == v
            case let .notEquals(k, v): return labels[k] != v
            case let .exists(k): return labels[k] != nil
            case let .notExists(k): return labels[k] == nil
            case let .inSet(k, s): return labels[k].map(s.contains) ?? false
            case let .notInSet(k, s): return !(labels[k].map(s.contains) ?? false)
            }
        }
    }
}

/// `--field-selector`: `field=value`, `field==value`, `field!=value`, joined by commas. The API
/// server knows a few fields per kind; the values compare as text (a missing field is "").
struct FieldSelector {
    struct Requirement {
        var field: String
        var value: String
        var equal: Bool
    }

    var requirements: [Requirement] = []
    var text: String

    /// The fields the API server lets pods and events be selected by (pods: GetAttrs of
    /// pkg/registry/core/pod; events: the event strategy's).
    static let podFields = [
        "metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
        "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName",
    ]
    static let eventFields = [
        "metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
        "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
        "reason", "reportingComponent", "source", "type",
    ]

    init(parsing text: String) throws {
        self.text = text
        for raw in text.split(separator: ",", omittingEmptySubsequences: true) {
            let part = String(raw).trimmingCharacters(in: " ")
            let found: (Range<String.Index>, Bool)?
            if let r = part.rangeOfText("!=") {
                found = (r, false)
            } else if let r = part.rangeOfText("==") ?? part.rangeOfText("=") {
                found = (r, true)
            } else {
                found = nil
            }
            guard let (range, equal) = found, range.lowerBound > part.startIndex else {
                throw CLIError("invalid selector: '\(text)'; can't understand '\(part)'")
            }
            requirements.append(Requirement(field: String(part[..<range.lowerBound]).trimmingCharacters(in: " "),
                                            value: String(part[range.upperBound...]).trimmingCharacters(in: " "), equal: equal))
        }
    }

    /// The API server's refusal of a field it does not index for `resource` ("pods", "events").
    func check(resource: String, fields: [String], labelSelector: String?) throws {
        for requirement in requirements where !fields.contains(requirement.field) {
            throw CLIError.server("BadRequest", "Unable to find {\"\" \"v1\" \"\(resource)\"} that match label selector \"\(labelSelector ?? "")\", field selector \"\(text)\": field label not supported: \(requirement.field)")
        }
    }

    func matches(_ object: JSONValue) -> Bool {
        requirements.allSatisfy { requirement in
            var current: JSONValue? = object
            for key in requirement.field.split(separator: ".") { current = current?[String(key)] }
            let actual: String
            switch current {
            case let .string(s)?: actual = s
            case let .bool(b)?: actual = b ? "true" : "false"
            case let .int(i)?: actual = String(i)
            default: actual = ""
            }
            return (actual == requirement.value) == requirement.equal
        }
    }
}
