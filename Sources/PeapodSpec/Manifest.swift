/// The result of loading a manifest: defaulted, validated Pods and the warnings to show.
public struct LoadedManifest: Sendable, Equatable {
    public var pods: [Pod]
    /// Warnings as kubectl prints them after "Warning: " (prefixed with `pod/NAME: ` when the
    /// manifest holds several pods).
    public var warnings: [String]
    /// The warnings of each pod, parallel to `pods`, without prefix.
    public var warningsByPod: [[String]]
}

/// Loading Kubernetes manifests: YAML (multi-document, flow style, anchors) or JSON; single
/// Pods, `kind: List` and `kind: PodList`.
public enum Manifest {
    /// Decodes strictly, defaults (`Defaults.apply`), validates (`Validation.validate`) and
    /// checks Peapod's support policy (`Support.check`) the parsed documents of a manifest (nil
    /// for empty ones; PeapodManifest's `Manifest.load(_:)` parses YAML or JSON text into them).
    /// Throws one error describing every problem found, per document.
    /// `checkSupport: false` skips Peapod's support policy (for tests of decoding and validation).
    public static func load(documents docs: [JSONValue?], checkSupport: Bool = true) throws(ManifestError) -> LoadedManifest {
        var sections: [ManifestError.Section] = []
        var pods: [Pod] = []
        var warnings: [[String]] = []
        var seen: [String: String] = [:]

        for (index, doc) in docs.enumerated() {
            guard let doc else { continue }
            let docNo = index + 1
            let objects: [(label: String, value: JSONValue)]
            do {
                objects = try podObjects(doc, document: docNo)
            } catch {
                sections.append(error.sections[0])
                continue
            }
            for (label, obj) in objects {
                switch checkKind(obj, label: label) {
                case .some(let msg):
                    sections.append(.init(document: docNo, podName: nil, stage: .kind, message: msg, fieldErrors: []))
                    continue
                case .none: break
                }
                let ctx = DecodeContext()
                guard var pod = Pod.decode(obj, path: "", ctx: ctx), ctx.errors.isEmpty else {
                    let name = obj["metadata"]?["name"]?.stringValue
                    let message = "\(label): " + ManifestError.decodingMessage(document: nil, errors: ctx.errors)
                    sections.append(.init(document: docNo, podName: name, stage: .decoding, message: message,
                                          fieldErrors: ctx.errors))
                    continue
                }
                Defaults.apply(to: &pod)
                // Validation first (as the API server would answer); the policy only for valid pods.
                let v = Validation.validate(pod)
                let s = v.errors.isEmpty && checkSupport ? Support.check(pod) : (errors: [], warnings: [])
                let errors = v.errors + s.errors
                if !errors.isEmpty {
                    let name = pod.metadata.name.isEmpty ? pod.metadata.generateName : pod.metadata.name
                    sections.append(.init(document: docNo, podName: name, stage: .invalid,
                                          message: ManifestError.invalidMessage(name: name, errors: errors),
                                          fieldErrors: errors))
                    continue
                }
                Defaults.prepareForCreate(&pod)
                if !pod.metadata.name.isEmpty {
                    let key = pod.metadata.namespace + "/" + pod.metadata.name
                    if let first = seen[key] {
                        let msg = "\(label): pod \(goQuote(key)) is defined twice (first in \(first))"
                        sections.append(.init(document: docNo, podName: pod.metadata.name, stage: .invalid,
                                              message: msg,
                                              fieldErrors: [.duplicate("metadata.name", .string(pod.metadata.name))]))
                        continue
                    }
                    seen[key] = label
                }
                pods.append(pod)
                warnings.append(v.warnings + s.warnings)
            }
        }
        if !sections.isEmpty { throw ManifestError(sections: sections) }
        if pods.isEmpty {
            throw ManifestError(document: nil, stage: .empty, message: "no objects passed to apply: the manifest holds no Pod")
        }
        let flat: [String]
        if pods.count == 1 {
            flat = warnings[0]
        } else {
            flat = zip(pods, warnings).flatMap { pod, ws in ws.map { "pod/\(pod.metadata.name): " + $0 } }
        }
        return LoadedManifest(pods: pods, warnings: flat, warningsByPod: warnings)
    }

    /// Whether a manifest text is JSON: kubectl decodes a leading '{' or '[' as a JSON stream.
    /// False for text holding only white space.
    public static func isJSON(_ text: String) -> Bool {
        for c in text where !(c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{FEFF}") {
            return c == "{" || c == "["
        }
        return false
    }

    /// Whether a manifest text holds anything but white space.
    public static func isBlank(_ text: String) -> Bool {
        !text.contains { !($0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\u{FEFF}") }
    }

    /// The documents of a JSON manifest (one or more concatenated values; nil for null ones).
    public static func parseJSONDocuments(_ text: String) throws(ManifestError) -> [JSONValue?] {
        do {
            return try parseJSONStream(text)
        } catch {
            throw ManifestError(document: 1, stage: .syntax(line: error.line, column: error.column),
                                message: "error parsing JSON: " + error.description)
        }
    }

    /// One or more concatenated JSON values.
    static func parseJSONStream(_ text: String) throws(JSONParseError) -> [JSONValue?] {
        var p = JSONParser(Array(text.utf8))
        var out: [JSONValue?] = []
        p.skipWhitespace()
        while p.pos < p.bytes.count {
            let v = try p.parseValue(depth: 0)
            out.append(v.isNull ? nil : v)
            p.skipWhitespace()
        }
        return out
    }

    /// The Pod objects of a document: itself, or the items of a List/PodList.
    static func podObjects(_ doc: JSONValue, document: Int) throws(ManifestError) -> [(label: String, value: JSONValue)] {
        guard case .object(let o) = doc else {
            throw ManifestError(document: document, stage: .kind,
                                message: "document \(document): expected an object (a Pod or a List), found \(doc.typeName)")
        }
        let kind = o["kind"]?.stringValue ?? ""
        guard kind == "List" || kind == "PodList" else { return [("document \(document)", doc)] }
        let apiVersion = o["apiVersion"]?.stringValue ?? ""
        if apiVersion != "v1" {
            throw ManifestError(document: document, stage: .kind,
                                message: "document \(document): \(kind) with apiVersion \(goQuote(apiVersion)) is not supported: use apiVersion v1")
        }
        for k in o.keys where !["apiVersion", "kind", "items", "metadata"].contains(k) {
            throw ManifestError(document: document, stage: .decoding,
                                message: "document \(document): strict decoding error: unknown field \(goQuote(k))",
                                fieldErrors: [FieldError(.unknownField, k)])
        }
        guard let items = o["items"], !items.isNull else { return [] }
        guard case .array(let arr) = items else {
            throw ManifestError(document: document, stage: .decoding,
                                message: "document \(document): items: Invalid type: expected array, got \(items.typeName)",
                                fieldErrors: [FieldError(.typeMismatch, "items", value: items, detail: "array")])
        }
        return arr.enumerated().map { ("document \(document), items[\($0.offset)]", $0.element) }
    }

    /// nil when the object is a v1 Pod; otherwise a message naming what it is.
    static func checkKind(_ obj: JSONValue, label: String) -> String? {
        guard case .object(let o) = obj else {
            return "\(label): expected a Pod object, found \(obj.typeName)"
        }
        let kind = o["kind"]?.stringValue
        let apiVersion = o["apiVersion"]?.stringValue
        let policy = "peapod runs Pods (apiVersion v1, kind Pod)"
        var missing: [String] = []
        if apiVersion == nil || apiVersion == "" { missing.append("apiVersion not set") }
        if kind == nil || kind == "" { missing.append("kind not set") }
        if !missing.isEmpty { return "\(label): error validating data: [\(missing.joined(separator: ", "))]: \(policy)" }
        if kind != "Pod" { return "\(label): kind \(goQuote(kind!)) is not supported: \(policy)" }
        if apiVersion != "v1" { return "\(label): apiVersion \(goQuote(apiVersion!)) is not supported for kind \"Pod\": \(policy)" }
        return nil
    }
}
