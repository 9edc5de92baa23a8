// What every fuzz target shares: a failed property aborts with a message, which libFuzzer
// records as a crash together with the input that caused it.

#if canImport(Glibc)
import Glibc
#endif

/// Stops the run when `condition` is false, naming the property that broke.
public func check(_ condition: Bool, _ message: @autoclosure () -> String,
                  file: StaticString = #fileID, line: UInt = #line) {
    if !condition { fail(message(), file: file, line: line) }
}

public func fail(_ message: String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    let text = Array("property failed (\(file):\(line)): \(message)\n".utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    abort()
}

/// The input read as a sequence of choices: bytes, small numbers and slices; 0 and empty once
/// it runs out, so that every input is a valid one.
public struct FuzzInput {
    public let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        bytes = size > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: size)) : []
    }

    public var isEmpty: Bool { position >= bytes.count }

    public mutating func byte() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    /// At most `count` of the next bytes.
    public mutating func take(_ count: Int) -> ArraySlice<UInt8> {
        let end = min(bytes.count, position + max(0, count))
        defer { position = end }
        return bytes[position..<end]
    }

    /// Everything not read yet.
    public mutating func rest() -> ArraySlice<UInt8> { take(bytes.count - position) }
}

/// Bytes as a readable, escaped string for failure messages.
public func show<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    var out = "\""
    for b in bytes.prefix(400) {
        switch b {
        case 0x5c: out += "\\\\"
        case 0x22: out += "\\\""
        case 0x20..<0x7f: out += String(UnicodeScalar(b))
        default:
            let hex = Array("0123456789abcdef")
            out += "\\x" + String(hex[Int(b >> 4)]) + String(hex[Int(b & 15)])
        }
    }
    return out + (bytes.count > 400 ? "\"…(\(bytes.count) bytes)" : "\"")
}
