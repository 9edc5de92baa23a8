// A redirect's Location header, which a container's HTTP server chooses: parsed as Go's url.Parse,
// resolved against the request's URL as Go's ResolveReference, then followed or not as the
// kubelet's client does (ProbeRedirect.swift). The first byte picks the request it answers.
// Properties: no crash or hang; a resolved URL keeps a scheme, and a host when the reference has
// none, and a path that is empty or starts with "/" without "." or ".." segments; a redirect that
// is not followed names another host; one that is followed is an absolute http URL of the pod's
// own address with a valid port, that prints and parses back to itself, counts one more request,
// names the previous URL (no userinfo) as its Referer, and gives a well-formed request; a run
// stops after ten requests.

@testable import PeapodLinux
import PeapodSpec
import FuzzSupport

let bases = [
    "http://127.0.0.1:8080/healthz",
    "http://127.0.0.1:8080/a/b/c?q=1&r=%41",
    "http://user:p%40ss@127.0.0.1:8080/x/",
    "http://127.0.0.1/",
    "http://127.0.0.1:8080/%41b%2F/./..?x#frag",
    "http://127.0.0.1:8080",
    "http://[::1]:8080/v6/",
    "http://127.0.0.1:65535/a;b/c",
]

let probe = NetworkProbe.http(port: 8080, path: "/", headers: [HTTPHeader(name: "X-Probe", value: "fuzz")])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRedirect(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let choice = input.byte()
    let base = try! GoURL.parse(bases[Int(choice) % bases.count])
    let givenHost = choice & 0x10 != 0 ? "health.example" : nil
    let previous = choice & 0x20 != 0 ? ProbeRequest.maxRequests - 2 : 0
    let request = ProbeRequest(url: base, previous: previous, givenHost: givenHost, referer: nil)
    let location = String(decoding: input.rest(), as: UTF8.self)

    let reference = try? GoURL.parse(location)
    var target: GoURL?
    if let reference {
        let resolved = base.resolving(reference)
        target = resolved
        check(!resolved.scheme.isEmpty, "resolved without a scheme")
        check(resolved.scheme.utf8.allSatisfy { ByteClass.isAlnum($0) || "+-.".utf8.contains($0) }
                  && !resolved.scheme.utf8.contains(where: ByteClass.isUpper), "scheme \(resolved.scheme)")
        if reference.scheme.isEmpty && reference.host.isEmpty && reference.userinfo == nil && reference.opaque.isEmpty {
            check(resolved.host == base.host, "a relative reference changed the host to \(resolved.host)")
        }
        let path = Array(resolved.path.utf8)
        let segments = path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        check(path.isEmpty || path.first == UInt8(ascii: "/"), "path \(show(path))")
        check(!segments.contains { $0.elementsEqual(".".utf8) || $0.elementsEqual("..".utf8) }, "dot segment in \(show(path))")
    }

    switch request.redirect(to: location) {
    case nil:
        check(target != nil && target!.hostname != NetworkProbe.podIP, "a same-host redirect not followed: \(show(Array(location.utf8)))")
    case .failure(let error)?:
        check(!error.message.isEmpty, "a failure without a message")
        if reference == nil { check(error.message.hasPrefix("failed to parse Location header "), error.message) }
    case .success(let next)?:
        check(reference != nil && next.url == target, "followed somewhere else than the resolved URL")
        check(next.url.scheme == "http" && next.url.hostname == NetworkProbe.podIP && next.port != nil,
              "followed to \(next.displayURL)")
        check(next.previous == previous + 1, "request counted as \(next.previous)")
        check(next.referer == base.string(password: .omitted), "Referer \(next.referer ?? "none")")
        let text = next.url.string()
        guard let again = try? GoURL.parse(text) else { fail("the followed URL does not parse: \(show(Array(text.utf8)))") }
        check(again == next.url, "the followed URL \(show(Array(text.utf8))) parses as another one")
        check(again.string() == text, "the followed URL prints as another text")
        _ = try? GoURL.parse(next.displayURL)
        checkRequestShape(probe.requestBytes(next))
        // The same Location again and again: the run ends after ten requests.
        var current = next
        var hops = 0
        while case .success(let more)? = current.redirect(to: location) {
            current = more
            hops += 1
            check(hops < ProbeRequest.maxRequests, "more than \(ProbeRequest.maxRequests) requests in a run")
        }
    }
    return 0
}
