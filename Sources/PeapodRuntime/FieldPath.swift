// The downward API's field paths, resolved from the pod for an env var's value.

import PeapodSpec

/// The downward API's field paths of an env var's `fieldRef` (pkg/fieldpath), as the kubelet
/// resolves them: the plural status fields are the addresses joined by commas
/// (`podIPsByFamily`), empty when the pod has none.
public enum FieldPath {
    public static func resolve(_ path: String, pod: Pod, nodeName: String, podIPs: [String] = [],
                               hostIPs: [String] = []) -> String? {
        switch path {
        case "metadata.name": return pod.name
        case "metadata.namespace": return pod.namespace
        case "metadata.uid": return pod.metadata.uid
        case "spec.nodeName": return pod.spec.nodeName.isEmpty ? nodeName : pod.spec.nodeName
        case "spec.serviceAccountName": return pod.spec.serviceAccountName
        case "status.podIP": return podIPs.first ?? ""
        case "status.podIPs": return podIPs.joined(separator: ",")
        case "status.hostIP": return hostIPs.first ?? ""
        case "status.hostIPs": return hostIPs.joined(separator: ",")
        default:
            for (prefix, map) in [("metadata.labels", pod.metadata.labels), ("metadata.annotations", pod.metadata.annotations)] {
                if let key = subscriptKey(path, prefix: prefix) { return map[key] ?? "" }
            }
            return nil
        }
    }

    /// `metadata.labels['key']` → `key` (possibly empty) for the prefix `metadata.labels`.
    public static func subscriptKey(_ path: String, prefix: String) -> String? {
        guard path.hasPrefix(prefix + "['"), path.hasSuffix("']") else { return nil }
        return String(path.dropFirst(prefix.count + 2).dropLast(2))
    }
}
