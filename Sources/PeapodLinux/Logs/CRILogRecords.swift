// What a CRI log holds, as the reader gives it back: records (`TIMESTAMP STREAM TAG CONTENT`),
// the lines they join into per stream, and where a read stopped (CRILogReader.swift).

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
