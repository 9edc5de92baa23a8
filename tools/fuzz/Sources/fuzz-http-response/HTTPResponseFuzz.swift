// The bytes a container's HTTP server answers an httpGet probe with, as the root supervisor reads
// them back from the probe child (at most PP_PROBE_RESPONSE_MAX bytes): status line, headers,
// Content-Length or chunked body, interim 1xx responses, redirects.
// Properties: no crash or hang; an error comes with no status or body; otherwise the status is
// at most three digits and the body is no longer than what arrived; the outcome's message grows at most
// linearly with the input (it quotes what it could not parse) and keeps the body to the
// kubelet's 10 KiB; a redirect that is followed names the pod's own address and a port, and its
// request is well formed; failure records of any length are read safely.

@testable import PeapodLinux
import PeapodSpec
import FuzzSupport

let probe = NetworkProbe.http(port: 8080, path: "/healthz?full=1",
                              headers: [HTTPHeader(name: "Host", value: "health.example"),
                                        HTTPHeader(name: "X-Probe", value: "fuzz")])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPResponse(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = FuzzInput(data, size)
    let bytes = input.bytes
    let parsed = NetworkProbe.parseResponse(bytes)
    if let error = parsed.error {
        check(!error.isEmpty && parsed.status == 0 && parsed.body.isEmpty && parsed.location.isEmpty,
              "an error with a status, body or location")
    } else {
        // Go's client takes any three digits ("020" is 20), so does the parser.
        check((0...999).contains(parsed.status), "status \(parsed.status)")
        check(parsed.body.count <= bytes.count, "a body of \(parsed.body.count) bytes from \(bytes.count)")
        check(!parsed.location.utf8.contains(where: { $0 == 10 || $0 == 13 }), "a line break in Location")
    }

    let request = probe.firstRequest!
    // A byte quoted as Go quotes it takes at most 4 ("\x00"), and a Location that does not parse
    // is quoted twice, as Go's client words it: `failed to parse Location header "…": parse "…"`.
    let messageBound = 8 * bytes.count + 1024
    switch probe.step(waitStatus: 0, output: bytes, request: request) {
    case .done(let outcome):
        check(outcome.message.utf8.count <= messageBound, "message of \(outcome.message.utf8.count) bytes")
        if outcome.success {
            // The body as text: each byte at most one U+FFFD (3 bytes), the prefix is fixed text.
            check(outcome.message.utf8.count <= 3 * NetworkProbe.bodyLimit + 64, "body over the kubelet's limit")
        }
    case .follow(let next):
        check(next.previous == 1, "first redirect counted as \(next.previous)")
        check(next.url.hostname == NetworkProbe.podIP, "followed to \(next.displayURL)")
        check(next.url.scheme == "http" && next.port != nil, "followed to \(next.displayURL)")
        checkRequestShape(probe.requestBytes(next))
    }

    // The same bytes as the failure record of every exit code the child has, and a signal.
    for code: Int32 in [1, 2, 3, 4, 5, 200] {
        guard case .done(let outcome) = probe.step(waitStatus: code << 8, output: bytes, request: request) else {
            fail("a failed child's record followed as a redirect")
        }
        check(!outcome.success, "a failed child's record read as a success")
    }
    _ = NetworkProbe.tcp(port: 1).step(waitStatus: 9, output: bytes)
    return 0
}
