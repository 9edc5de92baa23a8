// The local image store: `<root>/images/<safe-name>/{rootfs/, config.json, image.json}`.
//
// Peapod has no registry client; an image is a root filesystem folder or tarball imported under a
// reference (`peapod image import busybox DIR`). `rootfs/` is used read-only as the overlay lower
// directory of every container of the image. `config.json` is an OCI image config; `image.json`
// holds what the OCI config has no place for (the reference, the id, the size).
//
// Imports are atomic: everything is built in a hidden `.import-<pid>-<n>` folder next to the
// final one, then swapped in with renameat2(RENAME_EXCHANGE) (or renamed when new), so a reader
// sees the old image or the new one, never half of either. Leftovers of a crashed import are
// removed by the next import once their pid is gone.
//
// The folder name is the normalised reference made filesystem- and overlayfs-safe (no "/", ":",
// "@", ",": overlayfs splits lowerdir on ":" and options on ","), plus a hash of the reference so
// that two references never share a folder.

// No Foundation: PeapodLinux is linked into the per-pod supervisor (peapod-supervisor), which
// reads image records on every start.

import CPeapod
import Glibc
import PeapodSpec

/// One stored image.
public struct ImageRecord: Sendable, Equatable {
    public var reference: ImageReference
    /// `sha256:<64 hex>`: the digest of config.json and of the content listing (paths, types,
    /// modes, owners, sizes, link targets) of the root filesystem.
    public var id: String
    /// The store folder of this image.
    public var directory: String
    /// Apparent size in bytes of the root filesystem (regular files and symlinks), as docker's SIZE.
    public var size: Int64
    public var created: Timestamp
    public var config: ImageConfig

    /// The root filesystem, to be used read-only (overlayfs lower directory).
    public var rootfsPath: String { directory + "/rootfs" }
    public var configPath: String { directory + "/config.json" }
    /// The first 12 hex digits of the id, as `docker images` shows it.
    public var shortID: String { String(id.dropFirst("sha256:".count).prefix(12)) }
}

/// Errors of the image store, each one line a user can act on.
public enum ImageStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidReference(ImageReferenceError)
    case sourceNotFound(path: String)
    case unsupportedSource(path: String)
    case notFound(reference: String)
    case invalidChange(change: String, message: String)
    case toolFailed(command: String, status: Int32, stderr: String)
    case io(operation: String, path: String, errno: Int32)
    case corrupt(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidReference(let error): return error.description
        case .sourceNotFound(let path): return "cannot import \"\(path)\": no such file or directory"
        case .unsupportedSource(let path):
            return "cannot import \"\(path)\": not a directory or a tar archive (.tar, .tar.gz)"
        case .notFound(let reference): return "image \"\(reference)\" not found"
        case .invalidChange(let change, let message): return "invalid --change \"\(change)\": \(message)"
        case .toolFailed(let command, let status, let stderr):
            let detail = DockerfileWords.trimmed(stderr[...])
            return "\(command) failed with exit status \(status)" + (detail.isEmpty ? "" : ": \(detail)")
        case .io(let operation, let path, let code):
            return "\(operation) \(path): \(String(cString: strerror(code)))"
        case .corrupt(let path, let reason): return "image store entry \(path) is damaged: \(reason)"
        }
    }
}

public struct ImageStore: Sendable {
    /// `<root>/images`.
    public let directory: String

    /// `root` is Peapod's state root (`--root`); images live in `<root>/images`.
    public init(root: String) {
        self.directory = root + "/images"
    }

    /// The message for a pod whose image is not in the store, naming the import command.
    /// `reference` is shown as the manifest wrote it.
    public static func missingImageMessage(reference: String) -> String {
        "image \"\(reference)\" not found: import it with: peapod image import \(reference) DIR|TAR"
    }

    // MARK: - Import

    /// Imports a root filesystem folder (copied with `cp -a`: modes, owners, symlinks, device
    /// nodes, hard links kept) or a tarball (`tar -xpf`, compression detected from the content)
    /// as `reference`, after applying the `changes` (`--change` Dockerfile instructions) to an
    /// empty config. Replaces an existing image of the same reference atomically.
    @discardableResult
    public func importImage(reference: String, from path: String, changes: [String] = []) throws -> ImageRecord {
        let ref = try Self.parse(reference)
        let config = try ImageConfig().applying(changes: changes)
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw ImageStoreError.sourceNotFound(path: path) }
            throw ImageStoreError.io(operation: "stat", path: path, errno: errno)
        }
        let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        guard isDirectory || (info.st_mode & S_IFMT) == S_IFREG else { throw ImageStoreError.unsupportedSource(path: path) }

        try makeDirectory(directory)
        removeAbandonedWork()
        let work = directory + "/.import-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        do {
            try makeDirectory(work)
            let rootfs = work + "/rootfs"
            if isDirectory {
                // Resolve a symlinked source so that its target, not the link, is copied.
                let source = realpath(path, nil).map { p in defer { free(p) }; return String(cString: p) } ?? path
                try ExternalTool.run("cp", ["-a", "--reflink=auto", "--", source, rootfs])
            } else {
                try makeDirectory(rootfs)
                try ExternalTool.run("tar", ["-xpf", path, "-C", rootfs, "--numeric-owner"])
            }
            chmod(rootfs, 0o755)

            let created = Timestamp.now()
            let listing = try ContentListing.make(rootfs: rootfs)
            let document = config.ociDocument(created: created.rfc3339Nano, contentDigest: "sha256:" + listing.digest)
            let configText = document.serialized(pretty: false)
            var hasher = SHA256()
            hasher.update(Array(configText.utf8))
            hasher.update(listing.digest.utf8)
            let id = "sha256:" + hasher.finalizeHex()
            let meta = JSONValue.object(JSONObject([
                ("id", .string(id)), ("reference", .string(ref.normalized)), ("size", .int(listing.size)), ("source", .string(path)),
            ]))
            try write(configText, to: work + "/config.json")
            try write(meta.serialized(pretty: false), to: work + "/image.json")

            let final = folder(for: ref)
            try swapIn(work, final)
            return ImageRecord(reference: ref, id: id, directory: final, size: listing.size, created: created, config: config)
        } catch {
            try? Self.removeTree(work)
            throw error
        }
    }

    // MARK: - Queries

    /// Every image, sorted by normalised reference.
    public func list() throws -> [ImageRecord] {
        guard let dir = opendir(directory) else {
            if errno == ENOENT { return [] }
            throw ImageStoreError.io(operation: "open", path: directory, errno: errno)
        }
        defer { closedir(dir) }
        var records: [ImageRecord] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            records.append(try readRecord(directory + "/" + name))
        }
        return records.sorted { $0.reference.normalized < $1.reference.normalized }
    }

    /// The image stored under `reference` (normalised first: `busybox` finds
    /// `docker.io/library/busybox:latest`), or nil.
    public func lookup(reference: String) throws -> ImageRecord? {
        let ref = try Self.parse(reference)
        let folder = folder(for: ref)
        guard access(folder + "/image.json", F_OK) == 0 else { return nil }
        let record = try readRecord(folder)
        return record.reference == ref ? record : nil
    }

    /// Removes the image stored under `reference`, or whose id starts with `reference` (12 or
    /// more hex digits, optionally `sha256:`-prefixed) when no reference matches.
    /// Throws `.notFound` naming the normalised reference.
    public func remove(reference: String) throws {
        var record: ImageRecord?
        var missing = reference
        if let ref = try? ImageReference(parsing: reference) {
            record = try lookup(reference: reference)
            missing = ref.normalized
        }
        if record == nil, let idPrefix = Self.idPrefix(reference) {
            let matches = try list().filter { $0.id.hasPrefix("sha256:" + idPrefix) }
            if matches.count == 1 { record = matches[0] }
        }
        guard let record else {
            if (try? ImageReference(parsing: reference)) == nil, Self.idPrefix(reference) == nil {
                _ = try Self.parse(reference)
            }
            throw ImageStoreError.notFound(reference: missing)
        }
        // Rename first so the image vanishes at once even if removing the files takes a while.
        let doomed = directory + "/.remove-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard rename(record.directory, doomed) == 0 else {
            throw ImageStoreError.io(operation: "rename", path: record.directory, errno: errno)
        }
        try Self.removeTree(doomed)
    }

    // MARK: - Internals

    static func parse(_ reference: String) throws -> ImageReference {
        do {
            return try ImageReference(parsing: reference)
        } catch let error as ImageReferenceError {
            throw ImageStoreError.invalidReference(error)
        }
    }

    private static func idPrefix(_ text: String) -> String? {
        let hex = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
        guard hex.count >= 12, hex.count <= 64, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return hex
    }

    /// `docker.io_library_busybox_latest-<12 hex of sha256(reference)>`.
    func folder(for ref: ImageReference) -> String {
        let normalized = ref.normalized
        let readable: String
        if normalized.utf8.allSatisfy({ $0 &- 0x20 < 0x5F }) {
            // Printable ASCII (every reference but a few exotic digests and IPv6 domains): one
            // Character per byte, so the first 180 characters are the first 180 bytes.
            let utf8 = normalized.utf8
            let count = min(utf8.count, 180)
            readable = String(unsafeUninitializedCapacity: count) { out in
                var i = 0
                for byte in utf8 {
                    if i == count { break }
                    let unsafe = byte == UInt8(ascii: "/") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "@")
                        || byte == UInt8(ascii: ",")
                    out[i] = unsafe ? UInt8(ascii: "_") : byte
                    i &+= 1
                }
                return count
            }
        } else {
            readable = String(normalized.map { "/:@,".contains($0) ? "_" : $0 }.prefix(180))
        }
        // The hash's prefix as a String of its bytes: `String + Substring` appends Character by
        // Character.
        let hash = String(decoding: SHA256.hex(normalized).utf8.prefix(12), as: UTF8.self)
        return directory + "/" + readable + "-" + hash
    }

    private func readRecord(_ folder: String) throws -> ImageRecord {
        let meta = try readJSON(folder + "/image.json")
        let document = try readJSON(folder + "/config.json")
        guard let refText = meta["reference"]?.stringValue, let ref = try? ImageReference(parsing: refText),
            let id = meta["id"]?.stringValue
        else { throw ImageStoreError.corrupt(path: folder, reason: "image.json lacks a valid reference or id") }
        let size = meta["size"]?.intValue ?? 0
        // Timestamp's RFC 3339 parser: this module has no Foundation, and a date formatter's ICU
        // set-up would be paid by every run and every supervisor (docs/benchmarks.md).
        let created = document["created"]?.stringValue.flatMap { Timestamp(rfc3339: $0) } ?? Timestamp(nanos: 0)
        return ImageRecord(
            reference: ref, id: id, directory: folder, size: size, created: created,
            config: ImageConfig(ociDocument: document))
    }

    private func readJSON(_ path: String) throws -> JSONValue {
        guard let text = try? FileSystem.readText(path) else {
            throw ImageStoreError.corrupt(path: path, reason: "cannot be read")
        }
        guard let object = try? JSONValue.parse(text), object.objectValue != nil else {
            throw ImageStoreError.corrupt(path: path, reason: "not a JSON object")
        }
        return object
    }

    private func write(_ text: String, to path: String) throws {
        do {
            try FileSystem.writeFile(path, text, mode: 0o644)
        } catch {
            throw ImageStoreError.io(operation: "write", path: path, errno: errno == 0 ? EIO : errno)
        }
        chmod(path, 0o644)
    }

    private func makeDirectory(_ path: String) throws {
        if FileSystem.isDirectory(path) { return }
        do {
            // The store's root is root's alone (PodStore.prepareDirectories).
            let root = parent(of: directory)
            if !FileSystem.isDirectory(root) { try FileSystem.makeDirectories(root, mode: 0o700) }
            try FileSystem.makeDirectories(path, mode: 0o755)
        } catch {
            throw ImageStoreError.io(operation: "mkdir", path: path, errno: errno == 0 ? EIO : errno)
        }
        chmod(path, 0o755)
    }

    /// Puts `work` at `final`: exchanged atomically with an existing image (which is then
    /// removed), or renamed into place.
    private func swapIn(_ work: String, _ final: String) throws {
        while true {
            if Self.exchange(work, final) {
                try Self.removeTree(work)  // now holds the previous image
                return
            }
            guard errno == ENOENT || errno == ENOSYS || errno == EINVAL else {
                throw ImageStoreError.io(operation: "rename", path: final, errno: errno)
            }
            if errno != ENOENT, access(final, F_OK) == 0 {
                // No RENAME_EXCHANGE (old kernel or filesystem): move the old image aside first.
                let aside = work + ".old"
                guard rename(final, aside) == 0 else { throw ImageStoreError.io(operation: "rename", path: final, errno: errno) }
                guard rename(work, final) == 0 else { throw ImageStoreError.io(operation: "rename", path: final, errno: errno) }
                try Self.removeTree(aside)
                return
            }
            if rename(work, final) == 0 { return }
            // Another import put the folder there in between: exchange with it instead.
            guard errno == ENOTEMPTY || errno == EEXIST else {
                throw ImageStoreError.io(operation: "rename", path: final, errno: errno)
            }
        }
    }

    /// renameat2(RENAME_EXCHANGE) (CPeapod: Swift's Glibc module does not export the GNU-only
    /// prototype). Sets errno (ENOENT when `b` does not exist).
    private static func exchange(_ a: String, _ b: String) -> Bool {
        pp_rename_exchange(a, b) == 0
    }

    /// Removes `.import-<pid>-…` and `.remove-<pid>-…` folders whose process is gone.
    private func removeAbandonedWork() {
        for name in FileSystem.listDirectory(directory) where name.hasPrefix(".import-") || name.hasPrefix(".remove-") {
            let parts = name.split(separator: "-")
            guard parts.count >= 2, let pid = pid_t(parts[1]) else { continue }
            if pid == getpid() || (kill(pid, 0) == 0 || errno == EPERM) { continue }
            try? Self.removeTree(directory + "/" + name)
        }
    }

    /// `rm -rf`, making directories writable first when that is what stands in the way (an
    /// imported tree may hold 0555 directories, which only root can empty).
    static func removeTree(_ path: String) throws {
        do {
            try ExternalTool.run("rm", ["-rf", "--one-file-system", "--", path])
        } catch {
            _ = try? ExternalTool.run("chmod", ["-R", "u+rwx", "--", path])
            try ExternalTool.run("rm", ["-rf", "--one-file-system", "--", path])
        }
    }
}

/// The content listing of a root filesystem: one line per entry (path, type, mode, owner, size,
/// link target), sorted, hashed for the image id and summed for the size.
enum ContentListing {
    static func make(rootfs: String) throws -> (digest: String, size: Int64) {
        let output = try ExternalTool.run("find", [rootfs, "-mindepth", "1", "-printf", "%P\\0%y %m %U %G %s\\0%l\\0"])
        let fields = output.split(separator: 0, omittingEmptySubsequences: false)
        var entries: [(path: [UInt8], line: [UInt8])] = []
        var size: Int64 = 0
        var index = 0
        while index + 2 < fields.count {
            let path = Array(fields[index])
            let attributes = Array(fields[index + 1])
            let target = Array(fields[index + 2])
            index += 3
            let parts = attributes.split(separator: UInt8(ascii: " "))
            if parts.count == 5, parts[0].first == UInt8(ascii: "f") || parts[0].first == UInt8(ascii: "l") {
                size += Int64(String(decoding: parts[4], as: UTF8.self)) ?? 0
            }
            entries.append((path, path + [0] + attributes + [0] + target + [10]))
        }
        entries.sort { $0.path.lexicographicallyPrecedes($1.path) }
        var hasher = SHA256()
        for entry in entries { hasher.update(entry.line) }
        return (hasher.finalizeHex(), size)
    }
}
