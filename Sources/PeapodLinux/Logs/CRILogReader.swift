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
