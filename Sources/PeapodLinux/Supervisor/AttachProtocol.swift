// The frames between `peapod attach` (or `run -it`) and a pod's supervisor, on the unix socket
// <run dir>/attach.sock (0600, in the pod's 0700 run directory: root only). One byte of type,
// four of length (little-endian), the payload. The client says hello (container, whether it
// sends input, whether it has a terminal, its size) and the supervisor answers ready or an
// error; then input, resizes and the end of input go one way, output and the container's end
// the other.

#if canImport(Glibc)
import Glibc
#endif

public enum AttachFrameType: UInt8, Sendable {
    /// client: flags (1: stdin, 2: tty), rows and columns (2 bytes each, little-endian), the container's name
    case hello = 1
    /// server: flags (1: stdin attached, 2: the container has a terminal)
    case ready = 2
    /// server: why the attach was refused
    case refused = 3
    /// client: input bytes
    case stdin = 4
    /// client: no more input
    case stdinEnd = 5
    /// client: rows and columns
    case resize = 6
    case stdout = 7
    case stderr = 8
    /// server: the container's process ended
    case exit = 9
}

public struct AttachFrame: Equatable, Sendable {
    public var type: AttachFrameType
    public var payload: [UInt8]

    public init(_ type: AttachFrameType, _ payload: [UInt8] = []) {
        self.type = type
        self.payload = payload
    }

    public static let maxPayload = 1 << 20

    public func encoded() -> [UInt8] {
        var out = [type.rawValue]
        withUnsafeBytes(of: UInt32(payload.count).littleEndian) { out.append(contentsOf: $0) }
        return out + payload
    }

    public static func hello(container: String, stdin: Bool, tty: Bool, rows: UInt16, cols: UInt16) -> AttachFrame {
        AttachFrame(.hello, [(stdin ? 1 : 0) | (tty ? 2 : 0)] + size(rows, cols) + Array(container.utf8))
    }

    public static func resize(rows: UInt16, cols: UInt16) -> AttachFrame {
        AttachFrame(.resize, size(rows, cols))
    }

    static func size(_ rows: UInt16, _ cols: UInt16) -> [UInt8] {
        [UInt8(rows & 0xff), UInt8(rows >> 8), UInt8(cols & 0xff), UInt8(cols >> 8)]
    }

    /// Rows and columns of a hello or resize payload starting at `offset`.
    public func size(at offset: Int) -> (rows: UInt16, cols: UInt16)? {
        guard payload.count >= offset + 4 else { return nil }
        let p = payload
        return (UInt16(p[offset]) | UInt16(p[offset + 1]) << 8, UInt16(p[offset + 2]) | UInt16(p[offset + 3]) << 8)
    }
}

public struct AttachFrameDecoder {
    private var buffer: [UInt8] = []

    public init() {}

    public mutating func append(_ bytes: ArraySlice<UInt8>) {
        buffer += bytes
    }

    /// The next whole frame; nil when more bytes are needed. An unknown type or a payload over
    /// the limit is an error.
    public mutating func next() throws(CopyStreamError) -> AttachFrame? {
        guard buffer.count >= 5 else { return nil }
        guard let type = AttachFrameType(rawValue: buffer[0]) else { throw CopyStreamError("unknown attach frame \(buffer[0])") }
        let length = Int(buffer[1]) | Int(buffer[2]) << 8 | Int(buffer[3]) << 16 | Int(buffer[4]) << 24
        guard length <= AttachFrame.maxPayload else { throw CopyStreamError("attach frame too long (\(length) bytes)") }
        guard buffer.count >= 5 + length else { return nil }
        let frame = AttachFrame(type, Array(buffer[5..<5 + length]))
        buffer.removeFirst(5 + length)
        return frame
    }
}

/// kubectl's detach keys: ctrl-p then ctrl-q end the session without touching the container.
/// A ctrl-p alone is held until the next byte shows it is not the start of the sequence.
public struct DetachKeys {
    private var pending = false

    public init() {}

    /// The bytes to send on, and whether the sequence was typed (then nothing after it counts).
    public mutating func filter(_ input: ArraySlice<UInt8>) -> (forward: [UInt8], detach: Bool) {
        var out: [UInt8] = []
        for byte in input {
            if pending {
                pending = false
                if byte == 0x11 { return (out, true) }
                out.append(0x10)
            }
            if byte == 0x10 {
                pending = true
            } else {
                out.append(byte)
            }
        }
        return (out, false)
    }
}
