// Manifest text → documents → pods. The YAML side lives in this module, not in PeapodSpec,
// because it links libyaml into every executable that links the module, and the per-pod
// supervisor (peapod-supervisor) links PeapodSpec but never reads YAML.

import PeapodSpec

extension Manifest {
    /// Parses YAML (multi-document, flow style, anchors) or JSON text, then decodes strictly,
    /// defaults, validates and checks Peapod's support policy (`Manifest.load(documents:)`).
    /// Throws one error describing every problem found, per document.
    /// `checkSupport: false` skips Peapod's support policy (for tests of decoding and validation).
    public static func load(_ text: String, checkSupport: Bool = true) throws(ManifestError) -> LoadedManifest {
        try load(documents: try parseDocuments(text), checkSupport: checkSupport)
    }

    /// The raw documents of a YAML or JSON text (nil for empty/null documents).
    public static func parseDocuments(_ text: String) throws(ManifestError) -> [JSONValue?] {
        if isBlank(text) { return [] }
        if isJSON(text) { return try parseJSONDocuments(text) }
        do {
            return try YAMLLoader.documents(text)
        } catch {
            throw ManifestError(document: error.document, stage: .syntax(line: error.line, column: error.column),
                                message: "document \(error.document): error parsing YAML: " + error.message)
        }
    }
}
