// downwardAPI volumes: one file per item, with the pod's metadata in the kubelet's formats
// (pkg/volume/downwardapi, pkg/fieldpath):
//   metadata.name / namespace / uid   the value, no newline
//   metadata.labels / annotations     `key="value"` lines sorted by key, the value quoted as Go's
//                                     %q does, lines joined by "\n" with no newline at the end
//   metadata.labels['k']              the one value, unquoted
//
// Files are laid out as the kubelet's AtomicWriter leaves them: the data in a hidden
// `..<timestamp>` directory, a `..data` symlink to it, and one symlink per top-level item
// (`labels -> ..data/labels`). Pods never change in Peapod, so the files are written once, but
// the layout is what programs that watch `..data` (and `ls -la` users) expect.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

import PeapodRuntime
import PeapodSpec

enum DownwardAPIFiles {
    struct Failure: Error {
        let message: String
    }

    /// The content of the file for `fieldPath`.
    static func content(fieldPath: String, metadata: ObjectMeta) throws(Failure) -> String {
        switch fieldPath {
        case "metadata.name": return metadata.name
        case "metadata.namespace": return metadata.namespace
        case "metadata.uid": return metadata.uid
        case "metadata.labels": return formatMap(metadata.labels)
        case "metadata.annotations": return formatMap(metadata.annotations)
        default:
            for (prefix, map) in [("metadata.labels", metadata.labels), ("metadata.annotations", metadata.annotations)] {
                if let key = FieldPath.subscriptKey(fieldPath, prefix: prefix), !key.isEmpty { return map[key] ?? "" }
            }
            throw Failure(message: "unsupported fieldRef fieldPath \"\(fieldPath)\"")
        }
    }

    /// fieldpath.FormatMap: `key="value"` per line, sorted by key, no trailing newline.
    static func formatMap(_ map: [String: String]) -> String {
        map.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
            .map { "\($0)=\(goQuote(map[$0]!))" }
            .joined(separator: "\n")
    }

    /// Writes `files` (relative path → content, mode) into `directory` with the AtomicWriter
    /// layout. Item paths were validated: relative, no "..".
    static func write(_ files: [(path: String, content: String, mode: mode_t)], into directory: String) throws(HostFSError) {
        try HostFS.makeDirectories(directory, mode: 0o777)
        // Replace whatever an earlier attempt left (setup is retried after a failure).
        for name in try HostFS.entries(directory) { try HostFS.removeTree(directory + "/" + name) }

        let (dataDir, topLevel) = try writeDataDirectory(files, in: directory)
        let temporaryLink = directory + "/..data_tmp"
        guard symlink(dataDir, temporaryLink) == 0 else { throw HostFSError("symlink", temporaryLink) }
        guard rename(temporaryLink, directory + "/..data") == 0 else { throw HostFSError("rename", temporaryLink) }
        for name in topLevel {
            let link = directory + "/" + name
            guard symlink("..data/" + name, link) == 0 else { throw HostFSError("symlink", link) }
        }
    }

    /// A new timestamped data directory holding `files`; returns its name and the top-level
    /// names the volume shows.
    private static func writeDataDirectory(_ files: [(path: String, content: String, mode: mode_t)], in directory: String)
        throws(HostFSError) -> (name: String, topLevel: [String])
    {
        let dataDir = "..\(timestampName())"
        let dataPath = directory + "/" + dataDir
        try HostFS.makeDirectories(dataPath, mode: 0o755)
        var topLevel: [String] = []
        for file in files {
            let parts = file.path.split(separator: "/")
            guard let first = parts.first else { continue }
            if !topLevel.contains(String(first)) { topLevel.append(String(first)) }
            if parts.count > 1 {
                try HostFS.makeDirectories(dataPath + "/" + parts.dropLast().joined(separator: "/"), mode: 0o755)
            }
            try HostFS.writeFile(dataPath + "/" + parts.joined(separator: "/"), Array(file.content.utf8), mode: file.mode)
        }
        return (dataDir, topLevel)
    }

    /// `2026_01_02_15_04_05.<pid>`, as the AtomicWriter names its data directories
    /// (`..2006_01_02_15_04_05.` plus a random suffix).
    private static func timestampName() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)_\(two(parts.tm_mon + 1))_\(two(parts.tm_mday))_\(two(parts.tm_hour))_"
            + "\(two(parts.tm_min))_\(two(parts.tm_sec)).\(getpid())\(UInt32.random(in: 0..<1_000_000))"
    }

    /// Replaces the files of a volume written by `write` with `files`, as the AtomicWriter
    /// updates a volume: nothing happens when every file is unchanged; otherwise the new data
    /// directory is written in full, `..data` is swapped to it by rename, top-level links are
    /// added (or removed) and the old data directory goes.
    static func update(_ files: [(path: String, content: String, mode: mode_t)], into directory: String) throws(HostFSError) {
        guard let old = HostFS.readLink(directory + "/..data") else {
            try write(files, into: directory)
            return
        }
        let oldPath = directory + "/" + old
        let unchanged = files.allSatisfy { file in
            HostFS.readFile(oldPath + "/" + file.path).map { $0 == Array(file.content.utf8) } ?? false
        }
        if unchanged { return }
        let (dataDir, topLevel) = try writeDataDirectory(files, in: directory)
        let temporaryLink = directory + "/..data_tmp"
        unlink(temporaryLink)
        guard symlink(dataDir, temporaryLink) == 0 else { throw HostFSError("symlink", temporaryLink) }
        guard rename(temporaryLink, directory + "/..data") == 0 else { throw HostFSError("rename", temporaryLink) }
        for name in try HostFS.entries(directory) where !name.hasPrefix("..") && !topLevel.contains(name) {
            unlink(directory + "/" + name)
        }
        for name in topLevel where HostFS.readLink(directory + "/" + name) == nil {
            let link = directory + "/" + name
            guard symlink("..data/" + name, link) == 0 else { throw HostFSError("symlink", link) }
        }
        try HostFS.removeTree(oldPath)
    }
}
