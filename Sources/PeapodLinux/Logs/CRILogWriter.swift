// Container stdout/stderr → CRI log file, as containerd's CRI logger writes it
// (internal/cri/io/logger.go: redirectLogs) and the kubelet reads it:
//
//   2026-01-02T15:04:05.123456789Z stdout F a whole line
//   2026-01-02T15:04:05.123456789Z stderr P the first 16 KiB of a longer line…
//
// Rules taken from containerd:
// - A line ends at "\n"; a "\r\n" ending loses both bytes. The empty line is an F record with
//   empty content.
// - A line longer than the limit (16 KiB, containerd's default `max_container_log_line_size`)
//   is cut into P records of exactly the limit, then the rest as F. A line of exactly the limit
//   is one F record.
// - Bytes left without a newline when the stream closes are written as a P record (containerd:
//   "it should be treated as a partial line"); the reader shows them without a newline.
//
// Differences on purpose: the timestamp is always UTC with nine fractional digits (fixed width,
// sortable; containerd uses Go's RFC3339Nano in local time with trailing zeros trimmed — the
// kubelet's reader accepts both). Each record is one write(2) on an O_APPEND descriptor, so
// records of stdout and stderr sharing the file never interleave inside a line, and a reader
// never sees half a record unless the disk is full.
//
// Rotation (the kubelet's containerLogMaxSize / containerLogMaxFiles, CRILogRotation): the writer
// counts the bytes it wrote (one fstat when the file is opened, none per record), and before a
// record that would take the file past the size it rotates, between two records: a record is
// never split and never lost. See CRILogRotation for the names and what is kept.
//
// This file runs in the per-pod supervisor, which stays light: Glibc only, no Foundation.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

import PeapodSpec

/// The stream a log record came from.
public enum CRILogStream: String, Sendable, Equatable, CaseIterable {
    case stdout
    case stderr
}

/// A failure opening or writing a log file.
public struct CRILogError: Error, Sendable, Equatable, CustomStringConvertible {
    public let operation: String
    public let path: String
    public let errno: Int32

    public var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
}

/// Appends the output of one container instance (both streams) to its CRI log file.
///
/// Feed it whatever `read(2)` returned from the container's stdout or stderr pipe; it keeps the
/// unfinished line of each stream until its newline arrives. Call `finish(_:)` when a pipe reaches
/// EOF. Not thread-safe: use it from the one I/O loop that reads both pipes.
public final class CRILogWriter {
    /// containerd's default `max_container_log_line_size`.
    public static let defaultMaxLineSize = 16 * 1024

    public let path: String
    public let maxLineSize: Int
    private var fd: Int32
    /// Bytes in the current file: its size when opened plus what this writer wrote since.
    public private(set) var size: Int64 = 0
    /// When set, the file is rotated before a record that would take it past the size limit.
    public var rotation: CRILogRotation?
    private var pending: [CRILogStream: [UInt8]] = [:]
    /// The first write error, kept so the supervisor can report it once; writing continues
    /// (as containerd does) so the container never blocks on a full pipe.
    public private(set) var lastError: CRILogError?
    /// Also given every record's content and whether the line goes on in the next record
    /// (`peapod run` shows the output as it is logged; the unfinished last line of a stream
    /// that ended counts as finished there).
    public var echo: ((ArraySlice<UInt8>, Bool) -> Void)?

    /// Opens (creating it, and its parent directories with 0755) `path` for appending, mode 0640.
    public init(path: String, maxLineSize: Int = CRILogWriter.defaultMaxLineSize) throws(CRILogError) {
        precondition(maxLineSize > 0)
        self.path = path
        self.maxLineSize = maxLineSize
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            try LogFiles.makeDirectories(String(path[..<slash]))
        }
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw CRILogError(operation: "open", path: path, errno: errno) }
        var info = stat()
        if fstat(fd, &info) == 0 { size = Int64(info.st_size) }
    }

    deinit {
        if fd >= 0 { Glibc.close(fd) }
    }

    /// Takes bytes read from `stream`'s pipe; writes one record per finished line (and P records
    /// for the parts of a line beyond the limit).
    public func write(_ bytes: UnsafeRawBufferPointer, stream: CRILogStream) {
        guard !bytes.isEmpty else { return }
        var buffer = pending[stream] ?? []
        pending[stream] = nil
        var lineStart = buffer.count
        buffer.append(contentsOf: bytes)
        var consumed = 0
        // Only the new bytes can hold a newline: the pending ones had none.
        var index = lineStart
        while index < buffer.count {
            if buffer[index] == 10 {
                var end = index
                if end > consumed, buffer[end - 1] == 13 { end -= 1 }
                emitLine(buffer[consumed..<end], stream: stream)
                consumed = index + 1
            }
            index += 1
        }
        lineStart = consumed
        // An unfinished line longer than the limit: write the limit's worth now, as P.
        while buffer.count - lineStart > maxLineSize {
            let cut = lineStart + maxLineSize
            writeRecord(buffer[lineStart..<cut], stream: stream, partial: true)
            lineStart = cut
        }
        pending[stream] = lineStart < buffer.count ? Array(buffer[lineStart...]) : nil
    }

    /// Convenience for tests and small writes.
    public func write(_ bytes: [UInt8], stream: CRILogStream) {
        bytes.withUnsafeBytes { write($0, stream: stream) }
    }

    /// The stream's pipe reached EOF: what is left without a newline is written as a P record.
    public func finish(_ stream: CRILogStream) {
        if let rest = pending[stream], !rest.isEmpty {
            writeRecord(rest[...], stream: stream, partial: true, streamEnded: true)
        }
        pending[stream] = nil
    }

    /// Finishes both streams and closes the file.
    public func close() {
        for stream in CRILogStream.allCases { finish(stream) }
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    private func emitLine(_ line: ArraySlice<UInt8>, stream: CRILogStream) {
        var start = line.startIndex
        while line.endIndex - start > maxLineSize {
            writeRecord(line[start..<(start + maxLineSize)], stream: stream, partial: true)
            start += maxLineSize
        }
        writeRecord(line[start...], stream: stream, partial: false)
    }

    private func writeRecord(_ content: ArraySlice<UInt8>, stream: CRILogStream, partial: Bool, streamEnded: Bool = false) {
        guard fd >= 0 else { return }
        echo?(content, partial && !streamEnded)
        var record: [UInt8] = []
        record.reserveCapacity(content.count + 45)
        CRITimestamp.appendNow(to: &record)
        record.append(32)
        record.append(contentsOf: stream.rawValue.utf8)
        record.append(32)
        record.append(partial ? UInt8(ascii: "P") : UInt8(ascii: "F"))
        record.append(32)
        record.append(contentsOf: content)
        record.append(10)
        if let rotation, size > 0, size + Int64(record.count) > rotation.maxSize { rotate(rotation) }
        record.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    if lastError == nil { lastError = CRILogError(operation: "write", path: path, errno: errno) }
                    return
                }
                offset += n
                size += Int64(n)
            }
        }
    }

    /// The current file becomes the newest rotated one and writing goes on in a new, empty file
    /// at `path`; the oldest rotated files beyond the policy's count are removed first. At every
    /// moment `path` names a file, and the content already written is under one of the names a
    /// reader looks at (CRILogFiles).
    private func rotate(_ policy: CRILogRotation) {
        let rotated = CRILogFiles.rotatedEntries(of: path)
        let keep = max(0, policy.maxFiles - 2)
        if rotated.count > keep {
            for old in rotated[..<(rotated.count - keep)] { unlink(old.path) }
        }
        // The kubelet's names have one-second resolution; a later rotation within the same
        // second gets a sequence number one above the newest file's, which readers order
        // numerically. A clock that went back keeps the newest name's time, so the order of the
        // names stays the order of the files.
        var stamp = CRILogFiles.stamp(seconds: Int(CRILogFiles.now()))
        var sequence = 0
        if let newest = rotated.last, newest.stamp >= stamp[...] {
            stamp = String(newest.stamp)
            sequence = newest.sequence + 1
        }
        var name = path + "." + stamp + (sequence == 0 ? "" : ".\(sequence)")
        while access(name, F_OK) == 0 {
            sequence += 1
            name = path + "." + stamp + ".\(sequence)"
        }
        let next: Int32
        if link(path, name) == 0 {
            // The old content is under both names; a new file then replaces `path` atomically.
            let temporary = path + ".tmp"
            let fresh = open(temporary, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
            guard fresh >= 0, rename(temporary, path) == 0 else {
                if fresh >= 0 { Glibc.close(fresh); unlink(temporary) }
                unlink(name)
                noteRotationError("open", temporary)
                return
            }
            next = fresh
        } else {
            // A filesystem without hard links: a reader may find no `path` for a moment.
            guard rename(path, name) == 0 else {
                noteRotationError("rename", path)
                return
            }
            next = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            guard next >= 0 else {
                noteRotationError("open", path)
                return
            }
        }
        Glibc.close(fd)
        fd = next
        size = 0
    }

    /// A rotation that failed leaves the writer appending to the file it had (the limit is then
    /// exceeded rather than output lost); the first error is kept for the supervisor.
    private func noteRotationError(_ operation: String, _ file: String) {
        if lastError == nil { lastError = CRILogError(operation: operation, path: file, errno: errno) }
    }
}

/// The kubelet's container log rotation policy: `containerLogMaxSize` (default 10Mi) and
/// `containerLogMaxFiles` (default 5) of its configuration (pkg/kubelet/logs/container_log_manager.go).
///
/// Like the kubelet, a log `<n>.log` is rotated by renaming it `<n>.log.<YYYYMMDD-hhmmss>`
/// (the kubelet's timestampFormat "20060102-150405"; here in UTC, so that names keep their order
/// across daylight-saving changes) and starting a new `<n>.log`; at most `maxFiles` files exist per
/// log (the current one and `maxFiles - 1` rotated ones), the oldest rotated one removed first.
/// Differences: the rotation happens before the record that would pass the size, in the writer
/// (the kubelet looks every 10 s and the runtime reopens, so its files overshoot); and rotated
/// files are not gzipped (see docs/limits.md).
public struct CRILogRotation: Sendable, Equatable {
    public var maxSize: Int64
    public var maxFiles: Int

    /// The kubelet's defaults.
    public static let kubelet = CRILogRotation(maxSize: 10 * 1024 * 1024, maxFiles: 5)

    public init(maxSize: Int64, maxFiles: Int) {
        precondition(maxFiles >= 2 && maxSize > 0)
        self.maxSize = maxSize
        self.maxFiles = maxFiles
    }
}

/// The files of one container instance's log: `<n>.log` and its rotated predecessors.
public enum CRILogFiles {
    /// `<path>.<YYYYMMDD-hhmmss>` in UTC, with `.<sequence>` when it is not 0.
    public static func rotatedName(of path: String, seconds: Int, sequence: Int) -> String {
        path + "." + stamp(seconds: seconds) + (sequence == 0 ? "" : ".\(sequence)")
    }

    /// `YYYYMMDD-hhmmss` in UTC (the kubelet's timestampFormat "20060102-150405").
    static func stamp(seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2) + "-"
            + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2)
    }

    /// The sort key of a rotated file's suffix (`20260102-150405` or `20260102-150405.3`), nil
    /// for any other name (the `.tmp` of a rotation under way, gzipped files of another tool).
    static func order(ofSuffix suffix: Substring) -> (stamp: Substring, sequence: Int)? {
        let bytes = Array(suffix.utf8)
        guard bytes.count >= 15, bytes[8] == UInt8(ascii: "-") else { return nil }
        for (i, b) in bytes.prefix(15).enumerated() where i != 8 {
            guard ByteClass.isDigit(b) else { return nil }
        }
        let stamp = suffix.prefix(15)
        if bytes.count == 15 { return (stamp, 0) }
        guard bytes[15] == UInt8(ascii: "."), let sequence = Int(suffix.dropFirst(16)), sequence > 0 else { return nil }
        return (stamp, sequence)
    }

    /// The rotated files of `path`, oldest first (as the kubelet's GetAllLogs orders them).
    public static func rotated(of path: String) -> [String] {
        rotatedEntries(of: path).map(\.path)
    }

    /// The rotated files of `path` with their sort keys, oldest first.
    static func rotatedEntries(of path: String) -> [(path: String, stamp: Substring, sequence: Int)] {
        guard let slash = path.lastIndex(of: "/") else { return [] }
        let dir = String(path[..<slash])
        let prefix = String(path[path.index(after: slash)...]) + "."
        var found: [(name: String, stamp: Substring, sequence: Int)] = []
        for name in FileSystem.listDirectory(dir.isEmpty ? "/" : dir) where name.hasPrefix(prefix) {
            if let key = order(ofSuffix: name.dropFirst(prefix.count)) {
                found.append((name, key.stamp, key.sequence))
            }
        }
        found.sort { ($0.stamp, $0.sequence) < ($1.stamp, $1.sequence) }
        return found.map { (dir + "/" + $0.name, $0.stamp, $0.sequence) }
    }

    /// The rotated files, oldest first, then `path` itself.
    public static func all(of path: String) -> [String] {
        rotated(of: path) + [path]
    }

    /// Seconds since the epoch (CLOCK_REALTIME).
    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }
}

/// CRI log time stamps.
public enum CRITimestamp {
    /// Appends the current CLOCK_REALTIME time as `2026-01-02T15:04:05.123456789Z`.
    public static func appendNow(to buffer: inout [UInt8]) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        append(seconds: now.tv_sec, nanoseconds: Int(now.tv_nsec), to: &buffer)
    }

    /// The current time as text (see `appendNow`).
    public static func now() -> String {
        var buffer: [UInt8] = []
        appendNow(to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Appends `seconds` since the epoch (UTC) with nine fractional digits.
    public static func append(seconds: Int, nanoseconds: Int, to buffer: inout [UInt8]) {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func digits(_ value: Int, _ width: Int) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                buffer.append(UInt8(ascii: "0") + UInt8((rest / divisor) % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(Int(parts.tm_year) + 1900, 4)
        buffer.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mon) + 1, 2)
        buffer.append(UInt8(ascii: "-"))
        digits(Int(parts.tm_mday), 2)
        buffer.append(UInt8(ascii: "T"))
        digits(Int(parts.tm_hour), 2)
        buffer.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_min), 2)
        buffer.append(UInt8(ascii: ":"))
        digits(Int(parts.tm_sec), 2)
        buffer.append(UInt8(ascii: "."))
        digits(nanoseconds, 9)
        buffer.append(UInt8(ascii: "Z"))
    }

    /// The time stamp as kubectl prints it with `--timestamps`: the kubelet's RFC3339NanoFixed,
    /// always nine fractional digits (files written by other runtimes may trim trailing zeros, as
    /// Go's RFC3339Nano does; they are padded back).
    public static func rfc3339Nano(_ stored: String) -> String {
        let zoneStart = stored.lastIndex { $0 == "Z" || $0 == "+" || ($0 == "-" && stored.contains("T")) }
        guard let tIndex = stored.firstIndex(of: "T"), let zoneStart, zoneStart > tIndex else { return stored }
        let head = stored[..<zoneStart]
        let zone = stored[zoneStart...]
        var seconds = head
        var fraction = Substring("")
        if let dot = head.firstIndex(of: ".") {
            seconds = head[..<dot]
            fraction = head[head.index(after: dot)...]
        }
        let padded = String(fraction.prefix(9)) + String(repeating: "0", count: max(0, 9 - fraction.count))
        return seconds + "." + padded + zone
    }
}

/// Log file paths, as the kubelet lays out /var/log/pods.
public enum LogLayout {
    /// `<namespace>_<name>_<uid>`, the pod's folder name under `logs/` and `pods/`.
    public static func podDirName(namespace: String, name: String, uid: String) -> String {
        "\(namespace)_\(name)_\(uid)"
    }

    /// `<root>/logs/<podDirName>`.
    public static func podDirectory(root: String, podDirName: String) -> String {
        "\(root)/logs/\(podDirName)"
    }

    /// `<root>/logs/<podDirName>/<container>`.
    public static func containerDirectory(root: String, podDirName: String, container: String) -> String {
        "\(podDirectory(root: root, podDirName: podDirName))/\(container)"
    }

    /// `<root>/logs/<namespace>_<name>_<uid>/<container>/<restartCount>.log`.
    public static func path(root: String, podDirName: String, container: String, restartCount: Int) -> String {
        "\(containerDirectory(root: root, podDirName: podDirName, container: container))/\(restartCount).log"
    }

    /// The restart counts that have a log file for `container`, ascending.
    public static func instances(root: String, podDirName: String, container: String) -> [Int] {
        let dir = containerDirectory(root: root, podDirName: podDirName, container: container)
        guard let handle = opendir(dir) else { return [] }
        defer { closedir(handle) }
        var counts: [Int] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasSuffix(".log"), let count = Int(name.dropLast(4)), count >= 0 { counts.append(count) }
        }
        return counts.sorted()
    }

    /// Removes the logs (with their rotated files) of the instances before `restartCount` from a
    /// container's log directory. The kubelet's container garbage collection keeps one dead
    /// container per container name (MaxPerPodContainer) and removes the logs of the others, so
    /// a crash-looping container does not fill the disk with old instances' logs; `logs -p`
    /// reads the one kept.
    public static func removeInstances(directory: String, before restartCount: Int) {
        guard restartCount > 0 else { return }
        for name in FileSystem.listDirectory(directory) {
            guard let dot = name.firstIndex(of: "."), let count = Int(name[..<dot]), count >= 0, count < restartCount
            else { continue }
            let rest = name[dot...]
            if rest == ".log" || rest.hasPrefix(".log.") { unlink(directory + "/" + name) }
        }
    }
}

/// Small Glibc file helpers shared by the log writer and reader.
enum LogFiles {
    /// mkdir -p with mode 0755.
    static func makeDirectories(_ path: String) throws(CRILogError) {
        do {
            try HostFS.makeDirectories(path, mode: 0o755)
        } catch {
            throw CRILogError(operation: "mkdir", path: error.path, errno: error.code)
        }
    }
}
