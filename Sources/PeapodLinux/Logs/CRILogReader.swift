// Reading CRI log files back for `peapod logs` (as the kubelet's pkg/kubelet/kuberuntime/logs
// does for `kubectl logs`).
//
// - Records are parsed as `TIMESTAMP STREAM TAG CONTENT`; the tag may carry more tags after ":"
//   (the format allows it), only the first one (P or F) matters.
// - Lines: P records are joined with the following records of the same stream up to its F. The
//   line takes the time stamp of its first record. Joining per stream means a stderr line written
//   between the parts of a long stdout line does not cut it (the kubelet prints the parts as they
//   come instead).
// - A trailing run of P records with no F yet is an incomplete line: shown without a newline, as
//   the kubelet does, unless the caller is about to follow the file (then it waits for the F).
// - `tail(n)` counts joined lines (the kubelet counts records, so a 40 KiB line is 3 "lines" to
//   it); it reads backwards from the end in 64 KiB blocks, so its cost depends on how far back the
//   last n lines begin, not on the file size. When they begin before the current file (just after
//   a rotation), the rotated files are read whole: at most containerLogMaxSize x containerLogMaxFiles.
// - `follow` polls every 100 ms (no inotify: it is simple, works on every filesystem and costs
//   nothing measurable for one reader). When the container restarts, the supervisor starts
//   `<n+1>.log`; by default follow drains `<n>.log` and carries on in the new file, so
//   `peapod logs -f` keeps showing a crash-looping container (`tail -F` habits). Pass
//   `followRestarts: false` to stop at the end of the instance instead, as `kubectl logs -f`
//   does when the container exits.
// - Rotation (CRILogRotation): an instance's log is its rotated files, oldest first, then
//   `<n>.log`, read as one stream (the kubelet's GetAllLogs order; a line whose P records
//   straddle a rotation is joined). The kubelet's own reader shows only the current file; here
//   `logs` shows everything still kept. Files are recognised by inode, so a rotation while
//   reading or following neither repeats nor drops a record — unless more rotations than
//   containerLogMaxFiles happen between two polls of a follower, which then misses the files
//   already removed.
//
// Glibc only, like the writer.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One record of a CRI log file.
public struct CRILogRecord: Sendable, Equatable {
    /// As stored, e.g. `2026-01-02T15:04:05.123456789Z`.
    public var timestamp: String
    public var stream: CRILogStream
    /// Tag `P`: the line continues in the next record of this stream.
    public var partial: Bool
    public var content: [UInt8]

    public init(timestamp: String, stream: CRILogStream, partial: Bool, content: [UInt8]) {
        self.timestamp = timestamp
        self.stream = stream
        self.partial = partial
        self.content = content
    }

    /// Parses one record without its newline; nil when it is not a CRI record.
    public static func parse<C: Collection>(_ bytes: C) -> CRILogRecord? where C.Element == UInt8, C.Index == Int {
        let space = UInt8(ascii: " ")
        guard let firstSpace = bytes.firstIndex(of: space) else { return nil }
        let afterTimestamp = firstSpace + 1
        guard let secondSpace = bytes[afterTimestamp...].firstIndex(of: space) else { return nil }
        let stream: CRILogStream
        switch String(decoding: bytes[afterTimestamp..<secondSpace], as: UTF8.self) {
        case "stdout": stream = .stdout
        case "stderr": stream = .stderr
        default: return nil
        }
        let tagStart = secondSpace + 1
        // The content separator may be missing when the content is empty and the writer trimmed.
        let tagEnd = bytes[tagStart...].firstIndex(of: space) ?? bytes.endIndex
        let tags = bytes[tagStart..<tagEnd]
        guard let tag = tags.first else { return nil }
        let partial: Bool
        switch tag {
        case UInt8(ascii: "P"): partial = true
        case UInt8(ascii: "F"): partial = false
        default: return nil
        }
        guard tags.count == 1 || tags[tagStart + 1] == UInt8(ascii: ":") else { return nil }
        let content = tagEnd < bytes.endIndex ? Array(bytes[(tagEnd + 1)...]) : []
        return CRILogRecord(
            timestamp: String(decoding: bytes[bytes.startIndex..<firstSpace], as: UTF8.self), stream: stream,
            partial: partial, content: content)
    }
}

/// One line of container output: joined records.
public struct CRILogLine: Sendable, Equatable {
    /// The time stamp of the line's first record, as stored.
    public var timestamp: String
    public var stream: CRILogStream
    /// Without the newline.
    public var content: [UInt8]
    /// False for a last line that has no F record (yet): the stream closed without a newline, or
    /// the container is still writing it.
    public var complete: Bool

    public init(timestamp: String, stream: CRILogStream, content: [UInt8], complete: Bool = true) {
        self.timestamp = timestamp
        self.stream = stream
        self.content = content
        self.complete = complete
    }

    /// As `kubectl logs` prints it: with `--timestamps`, the RFC3339Nano time stamp and a space
    /// first; a newline at the end of a complete line.
    public func formatted(timestamps: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(content.count + 40)
        if timestamps {
            out.append(contentsOf: CRITimestamp.rfc3339Nano(timestamp).utf8)
            out.append(32)
        }
        out.append(contentsOf: content)
        if complete { out.append(10) }
        return out
    }
}

/// Which file a position is in: its device and inode, so that a position stays valid when the
/// file is renamed by a rotation.
public struct CRILogFileID: Sendable, Equatable {
    public var device: UInt64
    public var inode: UInt64
}

/// The lines read from a log, and where reading stopped.
public struct CRILogChunk: Sendable, Equatable {
    public var lines: [CRILogLine]
    /// Where following resumes: after the last record, or at the first record of the oldest
    /// unfinished line. Following from here shows every later line exactly once.
    public var endOffset: Int64
    /// The file `endOffset` is in (nil: the log's current file as it is when following starts).
    public var endFile: CRILogFileID?

    public init(lines: [CRILogLine], endOffset: Int64, endFile: CRILogFileID? = nil) {
        self.lines = lines
        self.endOffset = endOffset
        self.endFile = endFile
    }
}

/// Joins records into lines, per stream (see the file comment).
struct CRILineAssembler {
    private var pending: [CRILogStream: CRILogLine] = [:]

    /// Takes one record; returns the line it completes, if any.
    mutating func add(_ record: CRILogRecord) -> CRILogLine? {
        var line = pending[record.stream] ?? CRILogLine(timestamp: record.timestamp, stream: record.stream, content: [])
        line.content.append(contentsOf: record.content)
        if record.partial {
            line.complete = false
            pending[record.stream] = line
            return nil
        }
        pending[record.stream] = nil
        line.complete = true
        return line
    }

    var hasPending: Bool { !pending.isEmpty }

    /// The unfinished lines, oldest first.
    func unfinished() -> [CRILogLine] {
        pending.values.sorted { $0.timestamp < $1.timestamp }
    }
}


/// One open file of a log: the descriptor keeps it readable while a rotation renames or removes it.
struct CRIOpenLogFile {
    var path: String
    var fd: Int32
    var id: CRILogFileID

    static func open(_ path: String) -> CRIOpenLogFile? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            Glibc.close(fd)
            return nil
        }
        return CRIOpenLogFile(path: path, fd: fd, id: CRILogFileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }

    static func id(of path: String) -> CRILogFileID? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return CRILogFileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    func close() { Glibc.close(fd) }

    /// Everything from `offset` to the end.
    func readAll(from offset: Int64, blockSize: Int = CRILogReader.defaultBlockSize) throws(CRILogError) -> [UInt8] {
        var result: [UInt8] = []
        var position = offset
        var block = [UInt8](repeating: 0, count: blockSize)
        while true {
            let n = block.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(position)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CRILogError(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            result.append(contentsOf: block[0..<n])
            position += Int64(n)
        }
        return result
    }
}

/// Bytes of one or more files of a log read as one stream, and where each file's part begins, so
/// that a position in the stream can be given back as a file and an offset in it.
struct CRILogStretch {
    var bytes: [UInt8] = []
    var parts: [(start: Int, file: CRILogFileID, base: Int64)] = []

    /// `files` in order, the first from `offset`.
    init(_ files: ArraySlice<CRIOpenLogFile>, from offset: Int64, blockSize: Int) throws(CRILogError) {
        for file in files {
            let base = parts.isEmpty ? offset : 0
            parts.append((bytes.count, file.id, base))
            bytes += try file.readAll(from: base, blockSize: blockSize)
        }
    }

    /// The file and offset of `index` in `bytes`; at the edge of two files, the start of the later.
    func position(of index: Int) -> (file: CRILogFileID?, offset: Int64) {
        guard let part = parts.last(where: { $0.start <= index }) else { return (nil, Int64(index)) }
        return (part.file, part.base + Int64(index - part.start))
    }
}

/// Reads an instance's log, `<n>.log` with its rotated files (CRILogFiles), as one stream.
public struct CRILogReader: Sendable {
    /// The instance's current file, `<dir>/<n>.log`.
    public let path: String
    static let defaultBlockSize = 64 * 1024
    /// How much is read at a time; `tail` reads blocks backwards from the end.
    let blockSize: Int

    public init(path: String) {
        self.init(path: path, blockSize: Self.defaultBlockSize)
    }

    /// Small blocks put block edges within reach of small test files (tools/fuzz).
    init(path: String, blockSize: Int) {
        precondition(blockSize > 0)
        self.path = path
        self.blockSize = blockSize
    }

    /// Every record, in order, the rotated files' first (malformed lines are skipped, as the
    /// kubelet does after logging them).
    public func records() throws(CRILogError) -> [CRILogRecord] {
        let files = try snapshot()
        defer { for file in files { file.close() } }
        var records: [CRILogRecord] = []
        for file in files {
            Self.forEachRecord(in: try file.readAll(from: 0, blockSize: blockSize)) { record, _ in records.append(record) }
        }
        return records
    }

    /// Every line, oldest rotated file first. `includeUnfinished` adds the trailing lines that
    /// have no F record yet (marked `complete == false`); leave it off when about to follow.
    public func read(includeUnfinished: Bool = true) throws(CRILogError) -> CRILogChunk {
        let files = try snapshot()
        defer { for file in files { file.close() } }
        let stretch = try CRILogStretch(files[...], from: 0, blockSize: blockSize)
        var chunk = Self.assemble(stretch.bytes, base: 0, includeUnfinished: includeUnfinished)
        (chunk.endFile, chunk.endOffset) = stretch.position(of: Int(chunk.endOffset))
        return chunk
    }

    /// The last `n` lines (joined), the lines taken in the order of their last records: an
    /// unfinished line counts as one when included, where its last P record is, and is shown
    /// last. Without `includeUnfinished`, the last `n` of the lines that following from
    /// `endOffset` will not show again. An unfinished line whose records all come before those
    /// of the lines taken is not looked for (finding it could mean reading the whole log): it is
    /// not shown, and following does not show its start. The current file is read backwards;
    /// when the lines begin before it, the rotated files are read whole.
    public func tail(_ n: Int, includeUnfinished: Bool = true) throws(CRILogError) -> CRILogChunk {
        let files = try snapshot()
        defer { for file in files { file.close() } }
        guard let last = files.last else { throw CRILogError(operation: "open", path: path, errno: ENOENT) }
        guard n > 0 else {
            var info = stat()
            guard fstat(last.fd, &info) == 0 else { throw CRILogError(operation: "stat", path: last.path, errno: errno) }
            return CRILogChunk(lines: [], endOffset: Int64(info.st_size), endFile: last.id)
        }
        var wanted = n
        while true {
            let scan = try Self.startOfLastLines(wanted, in: last, blockSize: blockSize)
            let whole = scan.offset == 0 && files.count > 1
            let stretch = whole
                ? try CRILogStretch(files[...], from: 0, blockSize: blockSize)
                : try CRILogStretch(files.suffix(1), from: scan.offset, blockSize: blockSize)
            let fromStart = scan.offset == 0
            let known = whole ? Set(CRILogStream.allCases) : scan.known
            let parts = Self.assembleLines(stretch.bytes)
            let resume = Self.resumeOffset(parts)
            let end = stretch.position(of: resume)
            // The last lines by where they end, the unfinished ones shown last as `read` does.
            let all = (parts.complete + parts.unfinished).sorted { $0.end < $1.end }
            if includeUnfinished {
                let taken = all.suffix(n)
                let lines = taken.filter(\.line.complete) + taken.filter { !$0.line.complete }.sorted { $0.start < $1.start }
                return CRILogChunk(lines: lines.map(\.line), endOffset: end.offset, endFile: end.file)
            }
            // The first line read of a stream whose state at the start is not known may have
            // begun before it (its other lines complete earlier than the last `wanted`, so they
            // were not traced back). Following from `resume` would show it cut: look further back.
            var firstOfStream: [CRILogStream: Int] = [:]
            for line in all where firstOfStream[line.line.stream] == nil { firstOfStream[line.line.stream] = line.end }
            let cut = firstOfStream.contains { !known.contains($0.key) && $0.value > resume }
            // Only the last `wanted` lines were traced back to their first records (all of them
            // when reading from the start).
            let traced = fromStart ? all[...] : all.suffix(wanted)
            let shown = traced.filter { $0.line.complete && $0.end <= resume }
            if (cut || shown.count < n) && !fromStart {
                wanted *= 2
                continue
            }
            return CRILogChunk(lines: shown.suffix(n).map(\.line), endOffset: end.offset, endFile: end.file)
        }
    }

    /// The log's files, open, oldest first and the current one last. The current file is opened
    /// first: a rotation at the same moment then shows its file under a rotated name too, which is
    /// recognised by its inode, so no record is read twice or missed.
    func snapshot() throws(CRILogError) -> [CRIOpenLogFile] {
        guard let current = CRIOpenLogFile.open(path) else {
            let code = errno
            // A rotation on a filesystem without hard links leaves no current file for a moment.
            let rotated = CRILogFiles.rotated(of: path).compactMap(CRIOpenLogFile.open)
            if rotated.isEmpty { throw CRILogError(operation: "open", path: path, errno: code) }
            return rotated
        }
        var files: [CRIOpenLogFile] = []
        for name in CRILogFiles.rotated(of: path) {
            guard let file = CRIOpenLogFile.open(name) else { continue }
            if file.id == current.id {
                file.close()
                continue
            }
            files.append(file)
        }
        return files + [current]
    }

    /// Follows an instance's log: emits every line completed from `offset` on (in the file
    /// `file`, or the current file when nil), polling every 100 ms for growth, until `until()`
    /// returns true (checked after every poll; the log is drained once more before returning,
    /// so nothing written before the stop is lost).
    ///
    /// A rotation is followed: the renamed file is drained through the descriptor held on it,
    /// then any rotated file made since, then the new current file. When `path` is
    /// `<dir>/<n>.log` and `<dir>/<n+1>.log` appears (the container restarted), the current file
    /// is drained and, with `followRestarts`, following continues at the start of the new file;
    /// without it, follow returns. Unfinished lines of a finished instance are emitted with
    /// `complete == false`. A file that does not exist yet is waited for.
    ///
    /// Returns the file and offset where it stopped.
    @discardableResult
    public static func follow(
        path: String, from offset: Int64 = 0, file startFile: CRILogFileID? = nil, followRestarts: Bool = true,
        pollInterval: Int = 100_000_000, until: () -> Bool, emit: (CRILogLine) -> Void
    ) -> (path: String, offset: Int64) {
        var currentPath = path
        var current: CRIOpenLogFile?
        var position = offset
        var resumeFrom = startFile
        var assembler = CRILineAssembler()
        var stopping = false
        func feed(_ bytes: [UInt8]) -> Int {
            forEachRecord(in: bytes) { record, _ in
                if let line = assembler.add(record) { emit(line) }
            }
        }
        func drain() {
            guard let current, let bytes = try? current.readAll(from: position) else { return }
            position += Int64(feed(bytes))
        }
        /// Reads the rotated files of `currentPath` that come after `previous` (from `offset` in
        /// `previous` itself when `includingPrevious`) and before the file `next`.
        func catchUp(after previous: CRILogFileID?, includingPrevious: Bool, from offset: Int64, before next: CRILogFileID) {
            let rotated = CRILogFiles.rotated(of: currentPath).compactMap(CRIOpenLogFile.open)
            defer { for file in rotated { file.close() } }
            // The previous file was removed as the oldest when it is not there any more: every
            // rotated file left is newer.
            let found = previous.flatMap { id in rotated.firstIndex { $0.id == id } }
            if let found, includingPrevious, let bytes = try? rotated[found].readAll(from: offset) { _ = feed(bytes) }
            for file in rotated[(found.map { $0 + 1 } ?? 0)...] {
                if file.id == next { break }
                if let bytes = try? file.readAll(from: 0) { _ = feed(bytes) }
            }
        }
        while true {
            if current == nil, let opened = CRIOpenLogFile.open(currentPath) {
                current = opened
                if let resume = resumeFrom, resume != opened.id {
                    // The position is in a file rotated since: go on from there.
                    catchUp(after: resume, includingPrevious: true, from: position, before: opened.id)
                    position = 0
                }
                resumeFrom = nil
            }
            drain()
            if stopping {
                current?.close()
                return (currentPath, position)
            }
            if let open = current, let id = CRIOpenLogFile.id(of: currentPath), id != open.id,
               let next = CRIOpenLogFile.open(currentPath) {
                // Rotated: what was written before the rotation is in the file held open.
                drain()
                catchUp(after: open.id, includingPrevious: false, from: 0, before: next.id)
                open.close()
                current = next
                position = 0
                continue
            }
            if let next = nextInstance(of: currentPath), access(next, F_OK) == 0 {
                // The writer of the current file has gone; one more drain catches its last records.
                drain()
                for line in assembler.unfinished() { emit(line) }
                assembler = CRILineAssembler()
                guard followRestarts else {
                    current?.close()
                    return (currentPath, position)
                }
                current?.close()
                current = nil
                currentPath = next
                position = 0
                continue
            }
            if until() {
                stopping = true
                continue
            }
            var pause = timespec(tv_sec: pollInterval / 1_000_000_000, tv_nsec: pollInterval % 1_000_000_000)
            var remaining = timespec()
            while nanosleep(&pause, &remaining) != 0 && errno == EINTR { pause = remaining }
        }
    }

    // MARK: - Internals

    /// `<dir>/<n+1>.log` for `<dir>/<n>.log`.
    static func nextInstance(of path: String) -> String? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let name = path[path.index(after: slash)...]
        guard name.hasSuffix(".log"), let count = Int(name.dropLast(4)), count >= 0 else { return nil }
        return String(path[...slash]) + "\(count + 1).log"
    }

    /// Calls `body` for every complete record (ending in "\n") with its end offset relative to
    /// `bytes`; returns how many bytes the complete records take.
    @discardableResult
    static func forEachRecord(in bytes: [UInt8], _ body: (CRILogRecord, Int) -> Void) -> Int {
        var start = 0
        while let newline = bytes[start...].firstIndex(of: 10) {
            if let record = CRILogRecord.parse(bytes[start..<newline]) { body(record, newline + 1) }
            start = newline + 1
        }
        return start
    }

    /// A line of a stretch of the file, with where its first record starts and its last record
    /// ends (offsets in that stretch).
    struct PlacedLine {
        var line: CRILogLine
        var start: Int
        var end: Int
    }

    /// The lines of `bytes` in the order they completed, the unfinished ones (oldest first), and
    /// how many bytes the complete records take.
    static func assembleLines(_ bytes: [UInt8]) -> (complete: [PlacedLine], unfinished: [PlacedLine], consumed: Int) {
        var assembler = CRILineAssembler()
        var complete: [PlacedLine] = []
        var pendingStart: [CRILogStream: Int] = [:]
        var pendingEnd: [CRILogStream: Int] = [:]
        var recordStart = 0
        let consumed = forEachRecord(in: bytes) { record, end in
            let start = pendingStart[record.stream] ?? recordStart
            if let line = assembler.add(record) {
                complete.append(PlacedLine(line: line, start: start, end: end))
                pendingStart[record.stream] = nil
            } else {
                pendingStart[record.stream] = start
                pendingEnd[record.stream] = end
            }
            recordStart = end
        }
        let unfinished = assembler.unfinished().map {
            PlacedLine(line: $0, start: pendingStart[$0.stream] ?? 0, end: pendingEnd[$0.stream] ?? 0)
        }.sorted { $0.start < $1.start }
        return (complete, unfinished, consumed)
    }

    /// Where following must resume so that it shows every line not yet complete, and no part of
    /// one shown already: at the first record of the oldest unfinished line (after the last
    /// record when there is none), moved back to the first record of any line that completed
    /// after that point but began before it. (Lines of both streams interleave: without the
    /// move, such a line would be held back and then shown without its first records.)
    static func resumeOffset(_ parts: (complete: [PlacedLine], unfinished: [PlacedLine], consumed: Int)) -> Int {
        var resume = parts.unfinished.map(\.start).min() ?? parts.consumed
        // Latest end first: a line moved back over can only uncover earlier-ending ones.
        for placed in parts.complete.reversed() where placed.start < resume && placed.end > resume {
            resume = placed.start
        }
        return resume
    }

    /// Lines of `bytes` (read from offset `base`). `endOffset` is where following must resume
    /// (`resumeOffset`); the lines completed after that point are left out (unless
    /// `includeUnfinished`), since following from `endOffset` will produce them again.
    static func assemble(_ bytes: [UInt8], base: Int64, includeUnfinished: Bool) -> CRILogChunk {
        let parts = assembleLines(bytes)
        let resume = resumeOffset(parts)
        let lines = includeUnfinished
            ? (parts.complete + parts.unfinished).map(\.line)
            : parts.complete.filter { $0.end <= resume }.map(\.line)
        return CRILogChunk(lines: lines, endOffset: base + Int64(resume))
    }

    /// Where the last `count` lines begin, lines ordered by where their last record is (an
    /// unfinished line's last P record counts as its end), and the streams known to be between
    /// lines there, so that no line of theirs read from that offset is cut. Found by reading backwards block by block, looking
    /// at each record's first bytes only: a line ends at an F record, and begins after the
    /// previous F record of its stream, which may be well before records of the other stream.
    /// Bytes after the last newline (a record being written) are ignored.
    static func startOfLastLines(_ count: Int, in file: CRIOpenLogFile, blockSize: Int) throws(CRILogError)
        -> (offset: Int64, known: Set<CRILogStream>)
    {
        let fd = file.fd
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CRILogError(operation: "stat", path: file.path, errno: errno) }
        let headerLength = 64
        var blockEnd = Int64(info.st_size)
        var seenNewline = false
        // Per stream: the first record of the line being traced back; whether an F was passed.
        var open: [CRILogStream: Int64] = [:]
        var ended: Set<CRILogStream> = []
        var known: Set<CRILogStream> = []
        var lines = 0
        var start = Int64.max
        // The first bytes of the file from `blockEnd` on: the headers of records that start in
        // this block but continue past its end.
        var after: [UInt8] = []
        var block = [UInt8](repeating: 0, count: blockSize)
        while blockEnd > 0 {
            let blockStart = max(0, blockEnd - Int64(blockSize))
            let length = Int(blockEnd - blockStart)
            var filled = 0
            while filled < length {
                let n = block.withUnsafeMutableBytes { raw in
                    pread(fd, raw.baseAddress! + filled, length - filled, off_t(blockStart) + off_t(filled))
                }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CRILogError(operation: "read", path: file.path, errno: errno)
                }
                if n == 0 { break }
                filled += n
            }
            var index = filled - 1
            while index >= 0 {
                if block[index] == 10 {
                    if seenNewline {
                        // A complete record starts just after this newline.
                        let headerEnd = min(index + 1 + headerLength, filled)
                        var header = Array(block[(index + 1)..<headerEnd])
                        if header.count < headerLength { header.append(contentsOf: after.prefix(headerLength - header.count)) }
                        let offset = blockStart + Int64(index) + 1
                        if let (stream, full) = Self.recordKind(header) {
                            if full {
                                // The line traced so far began after this record.
                                if let first = open.removeValue(forKey: stream) {
                                    start = min(start, first)
                                    known.insert(stream)
                                }
                                ended.insert(stream)
                                if lines < count {
                                    lines += 1
                                    open[stream] = offset
                                }
                            } else if open[stream] != nil {
                                open[stream] = offset  // an earlier part of a traced line
                            } else if !ended.contains(stream) && lines < count {
                                // The last record of the stream's unfinished line.
                                lines += 1
                                open[stream] = offset
                            }
                            if lines == count && open.isEmpty { return (start, known) }
                        }
                    }
                    seenNewline = true
                }
                index -= 1
            }
            after = Array((block[0..<min(headerLength, filled)] + after).prefix(headerLength))
            blockEnd = blockStart
        }
        // Nothing comes before the first record: every stream is between lines there.
        return (0, Set(CRILogStream.allCases))
    }

    /// The stream of the record starting with `header`, and whether it has the F tag; nil when
    /// it is not a record the reader takes.
    private static func recordKind(_ header: [UInt8]) -> (CRILogStream, full: Bool)? {
        guard let first = header.firstIndex(where: { $0 == 32 || $0 == 10 }), header[first] == 32,
              let second = header[(first + 1)...].firstIndex(where: { $0 == 32 || $0 == 10 }), header[second] == 32,
              second + 1 < header.count else { return nil }
        let stream: CRILogStream
        switch header[(first + 1)..<second] {
        case let name where name.elementsEqual("stdout".utf8): stream = .stdout
        case let name where name.elementsEqual("stderr".utf8): stream = .stderr
        default: return nil
        }
        let tag = header[second + 1]
        guard tag == UInt8(ascii: "F") || tag == UInt8(ascii: "P") else { return nil }
        if second + 2 < header.count {
            let next = header[second + 2]
            guard next == 32 || next == 10 || next == UInt8(ascii: ":") else { return nil }
        }
        return (stream, tag == UInt8(ascii: "F"))
    }
}
