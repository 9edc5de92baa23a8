// Chunked transfer coding of a probe response's body (NetworkProbe.decodeChunked), which reads
// the container's bytes leniently, as far as they arrived.
// Two kinds of input, by the first byte:
// - even: raw bytes after the headers, at a slice offset like the one the response parser hands
//   over. No crash or hang; never more out than in, nor more than the kubelet's 10 KiB; the same
//   result from a slice at offset 0.
// - odd: data and chunk sizes taken from the input, encoded as a server would (hex sizes in either
//   case, with leading zeros and extensions now and then, a last chunk and trailers), then cut
//   short at a chosen point. Decoding gives back the data (its first 10 KiB), or a prefix of it
//   for a cut body.

@testable import PeapodLinux
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzChunked(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let mode = input.byte()
    if mode & 1 == 0 {
        let offset = Int(mode >> 1) % 16
        let body = Array(input.rest())
        let padded = [UInt8](repeating: UInt8(ascii: "\n"), count: offset) + body
        let out = NetworkProbe.decodeChunked(padded[offset...])
        check(out.count <= body.count && out.count <= NetworkProbe.bodyLimit,
              "\(out.count) bytes out of \(body.count)")
        check(out == NetworkProbe.decodeChunked(body[...]), "the result depends on the slice's offset")
        return 0
    }
    // Encoded: [size count, sizes…, flags, cut (2 bytes)] then the data.
    let sizeCount = Int(input.byte() % 8) + 1
    let sizes = (0..<sizeCount).map { _ in Int(input.byte()) * 7 + 1 }
    let flags = input.byte()
    let cut = Int(input.byte()) << 8 | Int(input.byte())
    let payload = Array(input.rest())
    let hex = Array((flags & 1 == 0 ? "0123456789abcdef" : "0123456789ABCDEF").utf8)
    var encoded: [UInt8] = []
    var at = 0
    var index = 0
    while at < payload.count {
        let n = min(sizes[index % sizes.count], payload.count - at)
        var digits: [UInt8] = []
        var v = n
        repeat { digits.insert(hex[v & 15], at: 0); v >>= 4 } while v > 0
        if flags & 2 != 0 && index % 2 == 0 { digits.insert(UInt8(ascii: "0"), at: 0) }
        encoded += digits
        if flags & 4 != 0 && index % 3 == 1 { encoded += Array(";name=\"value\"".utf8) }
        encoded += flags & 8 != 0 ? [10] : [13, 10]
        encoded += payload[at..<(at + n)]
        encoded += flags & 8 != 0 ? [10] : [13, 10]
        at += n
        index += 1
    }
    encoded += Array("0\r\n".utf8)
    if flags & 16 != 0 { encoded += Array("Trailer-Field: x\r\n".utf8) }
    encoded += [13, 10]
    let whole = NetworkProbe.decodeChunked(encoded[...])
    check(whole[...] == payload.prefix(NetworkProbe.bodyLimit),
          "chunked body decoded as \(show(whole)), not \(show(payload.prefix(NetworkProbe.bodyLimit)))")
    if flags & 32 != 0 {
        let short = NetworkProbe.decodeChunked(encoded.prefix(cut % (encoded.count + 1)))
        check(payload.starts(with: short), "a cut chunked body decoded as \(show(short)), not a prefix of the data")
    }
    return 0
}
