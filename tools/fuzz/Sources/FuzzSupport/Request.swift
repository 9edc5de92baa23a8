// The shape every probe request must keep whatever a container answered before: a request
// line, header lines and an empty line, each ended by CRLF, with no other control byte, so that
// a Location header can never add a header or a second request.

/// Checks `request` and returns its lines (without their CRLF).
@discardableResult
public func checkRequestShape(_ request: [UInt8]) -> [ArraySlice<UInt8>] {
    check(request.count >= 4 && request.suffix(4).elementsEqual([13, 10, 13, 10]),
          "request does not end with an empty line: \(show(request))")
    var lines: [ArraySlice<UInt8>] = []
    var start = 0
    var i = 0
    while i < request.count {
        let b = request[i]
        if b == 13 {
            check(i + 1 < request.count && request[i + 1] == 10, "bare CR in request: \(show(request))")
            lines.append(request[start..<i])
            i += 2
            start = i
            continue
        }
        check(b != 10, "bare LF in request: \(show(request))")
        check(b >= 0x20 && b != 0x7f || b == 0x09, "control byte \(b) in request: \(show(request))")
        i += 1
    }
    check(lines.last?.isEmpty == true && lines.dropLast().allSatisfy { !$0.isEmpty },
          "empty line inside the request: \(show(request))")
    let first = lines[0]
    check(first.starts(with: "GET ".utf8) && first.reversed().starts(with: " HTTP/1.1".utf8.reversed()),
          "request line \(show(first))")
    for header in lines.dropFirst().dropLast() {
        check(header.contains(UInt8(ascii: ":")), "header line without a colon: \(show(header))")
    }
    return lines
}
