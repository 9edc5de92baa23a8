// The frames of `peapod cp` between the command and the copy child inside a container
// (CPeapod/copy.c, struct pp_copy_header in peapod.h): a header, an entry path relative to the
// copy's root, data. The same frames go both ways. Whatever arrives is checked as if a hostile
// container had written it (docs/security.md, "Copying files").

#if canImport(Glibc)
import Glibc
#endif
import CPeapod

public enum CopyFrameType: UInt32, Sendable {
    case directory = 1
    case file = 2
    case data = 3
    case fileEnd = 4
    case symlink = 5
    case skipped = 6
    case error = 7
    case done = 8
}

public struct CopyFrame: Equatable, Sendable {
    public var type: CopyFrameType
    public var mode: UInt32
    public var err: Int32
    /// Relative to the copy's root: empty for the root itself.
    public var path: [UInt8]
    public var data: [UInt8]

    public init(_ type: CopyFrameType, path: [UInt8] = [], mode: UInt32 = 0, err: Int32 = 0, data: [UInt8] = []) {
        self.type = type
        self.mode = mode
        self.err = err
        self.path = path
        self.data = data
    }

    public init(_ type: CopyFrameType, path: String, mode: UInt32 = 0, err: Int32 = 0, data: [UInt8] = []) {
        self.init(type, path: Array(path.utf8), mode: mode, err: err, data: data)
    }

    public var pathString: String { String(decoding: path, as: UTF8.self) }

    static let headerSize = 24
    public static let chunk = Int(PP_COPY_CHUNK)
    public static let pathMax = Int(PP_COPY_PATH_MAX)

    /// The frame's bytes: the header in the machine's byte order (both ends run on it).
    public func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.headerSize + path.count + data.count)
        for word in [type.rawValue, mode, UInt32(path.count), UInt32(data.count), UInt32(bitPattern: err), 0] {
            withUnsafeBytes(of: word) { out.append(contentsOf: $0) }
        }
        out += path
        out += data
        return out
    }

    /// Whether `path` may name an entry: relative, with no empty, "." or ".." component and no
    /// NUL byte. The root is the empty path.
    public static func isSafeEntryPath(_ path: [UInt8]) -> Bool {
        if path.isEmpty { return true }
        if path.first == UInt8(ascii: "/") || path.contains(0) { return false }
        for component in path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if component.isEmpty || component.elementsEqual([UInt8(ascii: ".")])
                || component.elementsEqual([UInt8(ascii: "."), UInt8(ascii: ".")]) { return false }
        }
        return true
    }
}

public struct CopyStreamError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Frames out of a byte stream that arrives in pieces.
public struct CopyFrameDecoder {
    private var buffer: [UInt8] = []
    private var start = 0

    public init() {}

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The next whole frame, nil when more bytes are needed; a frame no copy child sends (a
    /// length out of bounds, an unknown type) is an error.
    public mutating func next() throws(CopyStreamError) -> CopyFrame? {
        guard buffer.count - start >= CopyFrame.headerSize else { return nil }
        func word(_ i: Int) -> UInt32 {
            var v: UInt32 = 0
            withUnsafeMutableBytes(of: &v) { raw in
                for k in 0..<4 { raw[k] = buffer[start + i * 4 + k] }
            }
            return v
        }
        guard let type = CopyFrameType(rawValue: word(0)) else {
            throw CopyStreamError("unknown frame type \(word(0))")
        }
        let pathLength = Int(word(2))
        let dataLength = Int(word(3))
        guard pathLength < CopyFrame.pathMax, dataLength <= CopyFrame.chunk else {
            throw CopyStreamError("frame too long (path \(pathLength), data \(dataLength) bytes)")
        }
        let total = CopyFrame.headerSize + pathLength + dataLength
        guard buffer.count - start >= total else { return nil }
        let pathStart = start + CopyFrame.headerSize
        let frame = CopyFrame(
            type, path: Array(buffer[pathStart..<pathStart + pathLength]), mode: word(1), err: Int32(bitPattern: word(4)),
            data: Array(buffer[pathStart + pathLength..<pathStart + pathLength + dataLength]))
        start += total
        // Keep the buffer from growing without bound over a long copy.
        if start > 1 << 20 {
            buffer.removeFirst(start)
            start = 0
        }
        return frame
    }
}

/// O_PATH, which Swift's Glibc module does not export (a macro behind _GNU_SOURCE).
let oPath: Int32 = 0o10000000
