// Network probes: the request the kubelet would send and the words of every outcome (no root);
// real probe children against a listener inside a pod sandbox's own network namespace (root).

import Foundation
import Testing
@testable import PeapodLinux
import CPeapod
import PeapodSpec
import PeapodTestSupport

private func exited(_ code: UInt32) -> Int32 { Int32(code) << 8 }

/// The failure record a probe child writes: errno, then its local port.
private func failureRecord(_ errno: Int32, localPort: Int32 = 0) -> [UInt8] {
    withUnsafeBytes(of: (errno, localPort)) { Array($0) }
}

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

extension NetworkProbe {
    /// The result of a child's end that is not a redirect to follow.
    func outcome(waitStatus: Int32, output: [UInt8], request: ProbeRequest? = nil) -> ProbeOutcome {
        switch step(waitStatus: waitStatus, output: output, request: request) {
        case let .done(outcome): return outcome
        case let .follow(next):
            Issue.record("unexpected redirect to \(next.displayURL)")
            return ProbeOutcome(success: false, message: "followed")
        }
    }
}

@Suite("NetworkProbe request")
struct NetworkProbeRequestTests {
    @Test func theDefaultRequestIsTheKubelets() {
        let probe = NetworkProbe.http(port: 8080, path: "/healthz", headers: [])
        #expect(text(probe.request) == "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: kube-probe/1.34\r\n"
            + "Accept: */*\r\nConnection: close\r\n\r\n")
        #expect(probe.url == "http://127.0.0.1:8080/healthz")
        #expect(NetworkProbe.tcp(port: 80).request.isEmpty && NetworkProbe.tcp(port: 80).url.isEmpty)
    }

    @Test(arguments: [
        ("", "/"), ("/", "/"), ("healthz", "/healthz"), ("/a b", "/a%20b"), ("/ok%41", "/ok%41"), ("/100%", "/100%25"),
        ("/p?x=1&y=a b", "/p?x=1&y=a%20b"), ("/p#frag", "/p"), ("/é", "/%C3%A9"), ("/a:b@c;d=e,f", "/a:b@c;d=e,f"),
    ])
    func thePathIsNormalised(path: String, target: String) {
        #expect(NetworkProbe.requestTarget(path) == target)
        #expect(NetworkProbe.http(port: 80, path: path, headers: []).url == "http://127.0.0.1:80" + target)
    }

    @Test func userHeadersAreCanonicalSortedAndOverrideTheDefaults() {
        let headers = [
            HTTPHeader(name: "x-custom", value: "b"), HTTPHeader(name: "Host", value: "example.com"),
            HTTPHeader(name: "X-Custom", value: "a"), HTTPHeader(name: "user-agent", value: "mine/1"),
            HTTPHeader(name: "Accept", value: "application/json"), HTTPHeader(name: "Authorization", value: " Bearer t \n"),
        ]
        let request = text(NetworkProbe.http(port: 9000, path: "/ready", headers: headers).request)
        #expect(request == "GET /ready HTTP/1.1\r\nHost: example.com\r\nUser-Agent: mine/1\r\n"
            + "Accept: application/json\r\nAuthorization: Bearer t\r\nX-Custom: b\r\nX-Custom: a\r\nConnection: close\r\n\r\n")
    }

    @Test func emptyValuesRemoveUserAgentAndAcceptAndAnEmptyHostIsTheAddress() {
        let headers = [HTTPHeader(name: "User-Agent", value: ""), HTTPHeader(name: "Accept", value: ""),
                       HTTPHeader(name: "Host", value: "")]
        #expect(text(NetworkProbe.http(port: 81, path: "/", headers: headers).request)
            == "GET / HTTP/1.1\r\nHost: 127.0.0.1:81\r\nConnection: close\r\n\r\n")
    }

    @Test func aConnectionCloseOfTheUserIsNotRepeatedAndBodyHeadersAreDropped() {
        let headers = [HTTPHeader(name: "connection", value: "Close"), HTTPHeader(name: "Content-Length", value: "5")]
        let request = text(NetworkProbe.http(port: 81, path: "/", headers: headers).request)
        #expect(request == "GET / HTTP/1.1\r\nHost: 127.0.0.1:81\r\nUser-Agent: kube-probe/1.34\r\nAccept: */*\r\n"
            + "Connection: Close\r\n\r\n")
    }

    @Test func headerNamesAreCanonicalisedAsGoDoes() {
        #expect(NetworkProbe.canonicalHeaderName("x-request-id") == "X-Request-Id")
        #expect(NetworkProbe.canonicalHeaderName("CONTENT-type") == "Content-Type")
        #expect(NetworkProbe.canonicalHeaderName("bad name") == "bad name")
    }
}

@Suite("NetworkProbe outcome")
struct NetworkProbeOutcomeTests {
    let tcp = NetworkProbe.tcp(port: 8080)
    let http = NetworkProbe.http(port: 8080, path: "/healthz", headers: [])

    func response(_ text: String) -> ProbeOutcome {
        http.outcome(waitStatus: exited(PP_PROBE_OK.rawValue), output: Array(text.utf8))
    }

    @Test func theExitCodesMirrorTheShim() {
        #expect(PP_PROBE_OK.rawValue == 0 && PP_PROBE_CONNECT_FAILED.rawValue == 1 && PP_PROBE_SEND_FAILED.rawValue == 2)
        #expect(PP_PROBE_SETUP_FAILED.rawValue == 3 && PP_PROBE_RECEIVE_FAILED.rawValue == 4)
    }

    @Test func aTCPConnectionIsASuccessWithNoMessage() {
        #expect(tcp.outcome(waitStatus: 0, output: []) == ProbeOutcome(success: true, message: ""))
    }

    @Test func refusedConnectionsAreWordedAsTheKubeletWordsThem() {
        let refused = failureRecord(ECONNREFUSED)
        #expect(tcp.outcome(waitStatus: exited(PP_PROBE_CONNECT_FAILED.rawValue), output: refused)
            == ProbeOutcome(success: false, message: "dial tcp 127.0.0.1:8080: connect: connection refused"))
        #expect(http.outcome(waitStatus: exited(PP_PROBE_CONNECT_FAILED.rawValue), output: refused).message
            == "Get \"http://127.0.0.1:8080/healthz\": dial tcp 127.0.0.1:8080: connect: connection refused")
    }

    @Test func readAndWriteFailuresNameBothEnds() {
        let reset = http.outcome(waitStatus: exited(PP_PROBE_RECEIVE_FAILED.rawValue), output: failureRecord(ECONNRESET, localPort: 41234))
        #expect(reset == ProbeOutcome(success: false, message:
            "Get \"http://127.0.0.1:8080/healthz\": read tcp 127.0.0.1:41234->127.0.0.1:8080: read: connection reset by peer"))
        let pipe = http.outcome(waitStatus: exited(PP_PROBE_SEND_FAILED.rawValue), output: failureRecord(EPIPE, localPort: 5))
        #expect(pipe.message == "Get \"http://127.0.0.1:8080/healthz\": write tcp 127.0.0.1:5->127.0.0.1:8080: write: broken pipe")
    }

    @Test func setupFailuresAndStrangeEndsAreFailures() {
        #expect(tcp.outcome(waitStatus: exited(PP_PROBE_SETUP_FAILED.rawValue), output: failureRecord(EMFILE)).message
            == "probe could not connect from the pod's network namespace: too many open files")
        #expect(tcp.outcome(waitStatus: exited(PP_PROBE_SETUP_FAILED.rawValue), output: []).message
            == "probe could not connect from the pod's network namespace: unknown error")
        #expect(tcp.outcome(waitStatus: SIGSEGV, output: []) == ProbeOutcome(success: false, message: "probe process killed by signal 11"))
        #expect(tcp.outcome(waitStatus: exited(99), output: []).message == "probe process exited with code 99")
    }

    @Test(arguments: [
        (ECONNREFUSED, "connection refused"), (ECONNRESET, "connection reset by peer"),
        (ENETUNREACH, "network is unreachable"), (EHOSTUNREACH, "no route to host"),
        (ETIMEDOUT, "connection timed out"), (EPIPE, "broken pipe"), (EACCES, "permission denied"),
    ])
    func errnosAreWordedAsGoWordsThem(code: Int32, words: String) {
        #expect(NetworkProbe.errnoText(code) == words)
    }

    @Test func timeoutsAreWordedAsTheKubeletWordsThem() {
        #expect(tcp.timeoutOutcome() == ProbeOutcome(success: false, message: "dial tcp 127.0.0.1:8080: i/o timeout"))
        #expect(http.timeoutOutcome() == ProbeOutcome(success: false, message:
            "Get \"http://127.0.0.1:8080/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"))
    }

    @Test func successfulStatusesGiveTheBody() {
        #expect(response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok") == ProbeOutcome(success: true, message: "ok"))
        #expect(response("HTTP/1.0 299 Fine\nServer: x\n\nall of it") == ProbeOutcome(success: true, message: "all of it"))
        #expect(response("HTTP/1.1 204 No Content\r\n\r\n") == ProbeOutcome(success: true, message: ""))
        // Content-Length bounds the body; a short one is taken as far as it came.
        #expect(response("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef").message == "abc")
        #expect(response("HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\nabc").message == "abc")
        // Interim responses are skipped.
        #expect(response("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\nyes").message == "yes")
    }

    @Test func chunkedBodiesAreDecoded() {
        let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nWiki\r\n5\r\npedia\r\n0\r\nTrailer: t\r\n\r\n"
        #expect(response(chunked) == ProbeOutcome(success: true, message: "Wikipedia"))
        // Cut short: what arrived.
        #expect(response("HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\na\r\n01234").message == "01234")
    }

    @Test func theBodyIsCutAtTenKiB() {
        let body = String(repeating: "x", count: 12_000)
        #expect(response("HTTP/1.1 200 OK\r\n\r\n" + body).message.utf8.count == 10 * 1024)
    }

    @Test func redirectsToAnotherHostAreSuccessesWithAWarning() {
        #expect(response("HTTP/1.1 302 Found\r\nLocation: http://elsewhere/\r\nContent-Length: 5\r\n\r\nmoved")
            == ProbeOutcome(success: true, warning: true, message: "Probe terminated redirects, Response body: moved"))
    }

    @Test(arguments: [500, 404, 400, 101, 600])
    func otherStatusesFailWithoutTheBody(status: Int) {
        #expect(response("HTTP/1.1 \(status) Whatever\r\nContent-Length: 6\r\n\r\nsecret")
            == ProbeOutcome(success: false, message: "HTTP probe failed with statuscode: \(status)"))
    }

    // Found by fuzzing (tools/fuzz), checked against Go's http.ReadResponse: a status code is
    // three bytes that strconv.Atoi reads as a number that is not negative.
    @Test func statusCodesAreReadAsGoReadsThem() {
        #expect(response("HTTP/1.1 +12 OK\r\n\r\n") == ProbeOutcome(success: false, message: "HTTP probe failed with statuscode: 12"))
        #expect(response("HTTP/1.1 020 OK\r\n\r\n") == ProbeOutcome(success: false, message: "HTTP probe failed with statuscode: 20"))
        #expect(response("HTTP/1.1 +20 OK\r\n\r\n") == ProbeOutcome(success: false, message: "HTTP probe failed with statuscode: 20"))
    }

    @Test func malformedResponsesAreWordedAsGoWordsThem() {
        let prefix = "Get \"http://127.0.0.1:8080/healthz\": "
        let broken = prefix + "net/http: HTTP/1.x transport connection broken: "
        #expect(response("hello\r\n\r\n") == ProbeOutcome(success: false, message: broken + "malformed HTTP response \"hello\""))
        #expect(response("SSH-2.0-OpenSSH_9.6\r\n").message == broken + "malformed HTTP response \"SSH-2.0-OpenSSH_9.6\"")
        #expect(response("\u{0}\u{1}\"é \n").message == broken + "malformed HTTP status code \"\"")
        #expect(response("HTTP/1.1 2000 OK\r\n\r\n").message == broken + "malformed HTTP status code \"2000\"")
        #expect(response("HTTP/1.1 -12 OK\r\n\r\n").message == broken + "malformed HTTP status code \"-12\"")
        #expect(response("HTTP/1.1 1+2 OK\r\n\r\n").message == broken + "malformed HTTP status code \"1+2\"")
        #expect(response("HTTP/x 200 OK\r\n\r\n").message == broken + "malformed HTTP version \"HTTP/x\"")
        #expect(response("HTTP/1.1 200 OK\r\nno colon\r\n\r\n").message == broken + "malformed MIME header: missing colon: \"no colon\"")
        #expect(response("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n").message == broken + "bad Content-Length \"-1\"")
        #expect(response("").message == prefix + "EOF")
        #expect(response("HTTP/1.1 200 OK\r\nServer: x").message == broken + "unexpected EOF")
        #expect(response("HTTP/1.1 103 Early Hints\r\n\r\n").message == broken + "unexpected EOF")
        let huge = "HTTP/1.1 200 OK\r\nX: " + String(repeating: "y", count: Int(PP_PROBE_RESPONSE_MAX))
        #expect(response(String(huge.prefix(Int(PP_PROBE_RESPONSE_MAX)))).message
            == prefix + "net/http: server response headers exceeded 16384 bytes; aborted")
    }
}

@Suite("NetworkProbe redirects")
struct NetworkProbeRedirectTests {
    let http = NetworkProbe.http(port: 8080, path: "/healthz", headers: [])

    func step(_ response: String, after request: ProbeRequest? = nil, of probe: NetworkProbe? = nil) -> ProbeStep {
        (probe ?? http).step(waitStatus: exited(PP_PROBE_OK.rawValue), output: Array(response.utf8), request: request)
    }

    /// The request a redirect with this status and Location leads to, or nil.
    func followed(_ status: Int, _ location: String, after request: ProbeRequest? = nil,
                  of probe: NetworkProbe? = nil) -> ProbeRequest? {
        guard case let .follow(next) = step("HTTP/1.1 \(status) Moved\r\nLocation: \(location)\r\nContent-Length: 0\r\n\r\n",
                                            after: request, of: probe) else { return nil }
        return next
    }

    func warning(_ body: String) -> ProbeStep {
        .done(ProbeOutcome(success: true, warning: true, message: "Probe terminated redirects, Response body: \(body)"))
    }

    func failure(_ message: String) -> ProbeStep { .done(ProbeOutcome(success: false, message: message)) }

    @Test(arguments: [
        ("/ok", "http://127.0.0.1:8080/ok"), ("ok", "http://127.0.0.1:8080/a/ok"), ("../ok", "http://127.0.0.1:8080/ok"),
        ("./", "http://127.0.0.1:8080/a/"), ("..", "http://127.0.0.1:8080/"), ("/a/..", "http://127.0.0.1:8080/"),
        ("...", "http://127.0.0.1:8080/a/..."), ("/x//y/./z/..", "http://127.0.0.1:8080/x//y/"),
        ("?x=2", "http://127.0.0.1:8080/a/b?x=2"), ("#top", "http://127.0.0.1:8080/a/b?q=1#top"),
        ("/p?", "http://127.0.0.1:8080/p?"), ("/p#a b", "http://127.0.0.1:8080/p#a%20b"),
        ("//127.0.0.1:9090/p", "http://127.0.0.1:9090/p"), ("//127.0.0.1", "http://127.0.0.1"),
        ("http://127.0.0.1/x", "http://127.0.0.1/x"), ("HTTP://127.0.0.1:81/a/./b/../c", "http://127.0.0.1:81/a/c"),
        ("/a b", "http://127.0.0.1:8080/a%20b"), ("/%41!", "http://127.0.0.1:8080/%41!"), ("/é", "http://127.0.0.1:8080/%C3%A9"),
        ("/a b!", "http://127.0.0.1:8080/a%20b%21"), ("http://localhost:8080/", "http://localhost:8080/"),
    ])
    func locationsResolveAgainstTheRequestURLAsGoResolvesThem(location: String, resolved: String) throws {
        let base = try GoURL.parse("http://127.0.0.1:8080/a/b?q=1")
        #expect(base.resolving(try GoURL.parse(location)).string() == resolved)
    }

    @Test func theRequestTargetIsThePathAndQuery() throws {
        #expect(try GoURL.parse("http://127.0.0.1:8081").requestTarget == "/")
        #expect(try GoURL.parse("http://127.0.0.1:8081/a%20b?x=1#f").requestTarget == "/a%20b?x=1")
        #expect(try GoURL.parse("http://127.0.0.1:8081/p?").requestTarget == "/p?")
    }

    @Test(arguments: [301, 302, 303, 307, 308])
    func redirectsToTheSameHostnameAreFollowed(status: Int) throws {
        let next = try #require(followed(status, "/next"))
        #expect(next.displayURL == "http://127.0.0.1:8080/next" && next.previous == 1)
        // Any port of 127.0.0.1; an absolute path, a relative one, or a whole URL.
        #expect(followed(status, "http://127.0.0.1:9090/x")?.displayURL == "http://127.0.0.1:9090/x")
        #expect(followed(status, "//127.0.0.1/x")?.displayURL == "http://127.0.0.1/x")
        #expect(followed(status, "sub/page")?.displayURL == "http://127.0.0.1:8080/sub/page")
    }

    @Test(arguments: [300, 304, 305, 306, 399])
    func otherRedirectStatusesAreNotFollowed(status: Int) {
        let response = "HTTP/1.1 \(status) Other\r\nLocation: /next\r\nContent-Length: 4\r\n\r\nbody"
        #expect(step(response) == warning(status == 304 ? "" : "body"))
    }

    @Test(arguments: [
        "http://localhost:8080/next", "http://10.0.0.7:8080/", "//example.com/x", "https://localhost/",
        "mailto:someone@example.com", "http:/no-host", "localhost:8080/next", "http://127.0.0.1.:8080/", "http://[::1]:8080/",
        "http://[fe80::1%25en0]/",
    ])
    func redirectsToAnotherHostnameAreSuccessesWithAWarning(location: String) {
        #expect(step("HTTP/1.1 302 Found\r\nLocation: \(location)\r\nContent-Length: 5\r\n\r\nmoved") == warning("moved"))
    }

    @Test func aRedirectWithoutLocationIsASuccessWithAWarning() {
        #expect(step("HTTP/1.1 302 Found\r\nContent-Length: 5\r\n\r\nmoved") == warning("moved"))
        #expect(step("HTTP/1.1 301 Moved\r\nLocation:  \r\n\r\n") == warning(""))
    }

    @Test func theTenthRedirectStopsTheRun() throws {
        var request: ProbeRequest?
        for n in 1...9 {
            let next = try #require(followed(302, "/hop\(n)", after: request))
            request = next
            #expect(request?.previous == n && request?.displayURL == "http://127.0.0.1:8080/hop\(n)")
        }
        #expect(step("HTTP/1.1 302 Found\r\nLocation: /hop10\r\n\r\n", after: request)
            == failure("Get \"/hop10\": stopped after 10 redirects"))
        // The hostname check comes first: the tenth redirect to another host is the response.
        #expect(step("HTTP/1.1 302 Found\r\nLocation: http://localhost/\r\n\r\nx", after: request) == warning("x"))
    }

    @Test func redirectsPeapodCannotFollowAreFailuresThatSayWhy() {
        let prefix = "Get \"http://127.0.0.1:8080/healthz\": failed to parse Location header "
        func redirect(_ location: String) -> ProbeStep { step("HTTP/1.1 302 Found\r\nLocation: \(location)\r\n\r\n") }
        #expect(redirect("https://127.0.0.1:8443/secure") == failure(
            "Get \"https://127.0.0.1:8443/secure\": cannot follow a redirect to https: Peapod's probes speak plain HTTP only"))
        #expect(redirect("ftp://127.0.0.1/file") == failure("Get \"ftp://127.0.0.1/file\": unsupported protocol scheme \"ftp\""))
        #expect(redirect("http://127.0.0.1:70000/") == failure("Get \"http://127.0.0.1:70000/\": dial tcp: address 70000: invalid port"))
        #expect(redirect("127.0.0.1:8081/next") == failure(prefix
            + "\"127.0.0.1:8081/next\": parse \"127.0.0.1:8081/next\": first path segment in URL cannot contain colon"))
        #expect(redirect("/100%zz#x") == failure(prefix + "\"/100%zz#x\": parse \"/100%zz\": invalid URL escape \"%zz\""))
        #expect(redirect("/a#%") == failure(prefix + "\"/a#%\": parse \"/a#%\": invalid URL escape \"%\""))
        #expect(redirect("http://127.0.0.1:x/") == failure(prefix
            + "\"http://127.0.0.1:x/\": parse \"http://127.0.0.1:x/\": invalid port \":x\" after host"))
        #expect(redirect("http://127.0.0.%31/") == failure(prefix
            + "\"http://127.0.0.%31/\": parse \"http://127.0.0.%31/\": invalid URL escape \"%31\""))
        #expect(redirect("http://a b/") == failure(prefix
            + "\"http://a b/\": parse \"http://a b/\": invalid character \" \" in host name"))
        #expect(redirect("http://[::1/") == failure(prefix + "\"http://[::1/\": parse \"http://[::1/\": missing ']' in host"))
        #expect(redirect("http://[::1%zz]/") == failure(prefix + "\"http://[::1%zz]/\": parse \"http://[::1%zz]/\": invalid URL escape \"%zz\""))
        #expect(redirect(":8080/x") == failure(prefix + "\":8080/x\": parse \":8080/x\": missing protocol scheme"))
        #expect(redirect("/a\tb") == failure(prefix + "\"/a\\tb\": parse \"/a\\tb\": net/url: invalid control character in URL"))
    }

    @Test func aFollowedRequestCarriesTheProbesHeadersAndTheRefererOfThePreviousOne() throws {
        let probe = NetworkProbe.http(port: 8080, path: "/healthz?full=1", headers: [HTTPHeader(name: "x-probe", value: "yes")])
        let next = try #require(followed(302, "/next?a=b", of: probe))
        #expect(text(probe.requestBytes(next)) == "GET /next?a=b HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: kube-probe/1.34\r\n"
            + "Accept: */*\r\nReferer: http://127.0.0.1:8080/healthz?full=1\r\nX-Probe: yes\r\nConnection: close\r\n\r\n")
        let other = try #require(followed(307, "http://127.0.0.1:9090", after: next, of: probe))
        #expect(text(probe.requestBytes(other)) == "GET / HTTP/1.1\r\nHost: 127.0.0.1:9090\r\nUser-Agent: kube-probe/1.34\r\n"
            + "Accept: */*\r\nReferer: http://127.0.0.1:8080/next?a=b\r\nX-Probe: yes\r\nConnection: close\r\n\r\n")
    }

    @Test func aGivenHostStaysWhileLocationsAreRelativeAndAGivenRefererStays() throws {
        let probe = NetworkProbe.http(port: 8080, path: "/", headers: [
            HTTPHeader(name: "Host", value: "app.example"), HTTPHeader(name: "Referer", value: "mine"),
            HTTPHeader(name: "Referer", value: "second"),
        ])
        let relative = try #require(followed(302, "/r", of: probe))
        #expect(text(probe.requestBytes(relative)).hasPrefix("GET /r HTTP/1.1\r\nHost: app.example\r\n"))
        #expect(text(probe.requestBytes(relative)).contains("\r\nReferer: mine\r\nConnection: close"))
        let networkPath = try #require(followed(302, "//127.0.0.1:9090/n", after: relative, of: probe))
        #expect(text(probe.requestBytes(networkPath)).hasPrefix("GET /n HTTP/1.1\r\nHost: app.example\r\n"))
        let absolute = try #require(followed(302, "http://127.0.0.1:9090/a", after: networkPath, of: probe))
        #expect(text(probe.requestBytes(absolute)).hasPrefix("GET /a HTTP/1.1\r\nHost: 127.0.0.1:9090\r\n"))
        let after = try #require(followed(302, "/b", after: absolute, of: probe))
        #expect(text(probe.requestBytes(after)).hasPrefix("GET /b HTTP/1.1\r\nHost: 127.0.0.1:9090\r\n"))
    }

    @Test func userinfoBecomesBasicCredentialsAndItsPasswordIsMaskedInMessages() throws {
        let next = try #require(followed(302, "http://user:s%40cret@127.0.0.1:9090/in"))
        #expect(next.displayURL == "http://user:***@127.0.0.1:9090/in")
        #expect(text(http.requestBytes(next)).contains("\r\nAuthorization: Basic dXNlcjpzQGNyZXQ=\r\n"))
        let then = try #require(followed(302, "/out", after: next))
        #expect(text(http.requestBytes(then)).contains("\r\nReferer: http://127.0.0.1:9090/in\r\n"))
        // The manifest's Authorization wins.
        let given = NetworkProbe.http(port: 8080, path: "/", headers: [HTTPHeader(name: "Authorization", value: "Bearer t")])
        let other = try #require(followed(302, "http://u@127.0.0.1:9090/", of: given))
        #expect(text(given.requestBytes(other)).contains("\r\nAuthorization: Bearer t\r\n"))
        #expect(other.displayURL == "http://u@127.0.0.1:9090/")
    }

    @Test func failuresOfAFollowedRequestNameItsURL() throws {
        let next = try #require(followed(302, "http://127.0.0.1:8081/next"))
        #expect(http.outcome(waitStatus: exited(PP_PROBE_CONNECT_FAILED.rawValue), output: failureRecord(ECONNREFUSED), request: next)
            == ProbeOutcome(success: false, message:
                "Get \"http://127.0.0.1:8081/next\": dial tcp 127.0.0.1:8081: connect: connection refused"))
        #expect(http.timeoutOutcome(request: next) == ProbeOutcome(success: false, message:
            "Get \"http://127.0.0.1:8081/next\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"))
        #expect(step("HTTP/1.1 500 Oops\r\n\r\n", after: next) == failure("HTTP probe failed with statuscode: 500"))
        #expect(step("nonsense\r\n\r\n", after: next) == failure("Get \"http://127.0.0.1:8081/next\": "
            + "net/http: HTTP/1.x transport connection broken: malformed HTTP response \"nonsense\""))
        // Without a port, port 80.
        let plain = try #require(followed(302, "http://127.0.0.1/"))
        #expect(http.outcome(waitStatus: exited(PP_PROBE_CONNECT_FAILED.rawValue), output: failureRecord(ECONNREFUSED), request: plain)
            .message == "Get \"http://127.0.0.1/\": dial tcp 127.0.0.1:80: connect: connection refused")
    }
}

@Suite("ProbeOutput")
struct ProbeOutputTests {
    @Test func readsFromTheStartUpToTheLimitAndResets() throws {
        let output = try ProbeOutput()
        #expect(fcntl(output.fd, F_GETFD) & FD_CLOEXEC != 0)
        #expect(output.read(limit: 10).isEmpty)
        let bytes = Array("hello, probe".utf8)
        #expect(write(output.fd, bytes, bytes.count) == bytes.count)
        #expect(output.read(limit: 100) == bytes)
        #expect(output.read(limit: 5) == Array("hello".utf8))
        output.reset()
        #expect(output.read(limit: 100).isEmpty)
        #expect(write(output.fd, bytes, 2) == 2)
        #expect(output.read(limit: 100) == Array("he".utf8))
        #expect(ProbeOutput.execOutputLimit == 10 * 1024)
    }
}

// MARK: - Real probes (root)

/// setns(2) for the test's own thread: Glibc does not export it to Swift.
private let setNamespace: @convention(c) (Int32, Int32) -> Int32 = {
    guard let symbol = dlsym(nil, "setns") else { fatalError("no setns in libc") }
    return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
}()
private let newNetworkNamespace: Int32 = 0x4000_0000 // CLONE_NEWNET

/// A pod sandbox of its own (so a network namespace with only loopback, up) and an open fd of
/// its network namespace; `cleanup()` removes everything.
private final class ProbeSandbox {
    let base: String
    let sandbox: PodSandbox
    let netns: Int32

    init() throws {
        base = FileManager.default.temporaryDirectory.path + "/peapod-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        do {
            sandbox = try PodSandbox.create(runDir: base + "/run", hostname: "probe", shmSizeBytes: 1 << 20)
        } catch {
            try? FileManager.default.removeItem(atPath: base)
            throw error
        }
        netns = open(sandbox.namespaces.net, O_RDONLY | O_CLOEXEC)
        if netns < 0 {
            try? sandbox.destroy()
            try? FileManager.default.removeItem(atPath: base)
            throw ProbeError(operation: "open \(sandbox.namespaces.net)", errno: errno)
        }
    }

    func cleanup() {
        close(netns)
        do { try sandbox.destroy() } catch { Issue.record("sandbox destroy failed: \(error)") }
        try? FileManager.default.removeItem(atPath: base)
    }

    /// A TCP listener on 127.0.0.1 (an ephemeral port) inside the sandbox's network namespace:
    /// the socket is made while this thread is in the namespace, and stays in it afterwards.
    func listen() throws -> (fd: Int32, port: UInt16) {
        let own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard own >= 0 else { throw ProbeError(operation: "open own namespace", errno: errno) }
        defer { close(own) }
        guard setNamespace(netns, newNetworkNamespace) == 0 else { throw ProbeError(operation: "setns", errno: errno) }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        let saved = errno
        // Back before anything else can happen on this thread.
        precondition(setNamespace(own, newNetworkNamespace) == 0, "could not return to the test's network namespace")
        guard fd >= 0 else { throw ProbeError(operation: "socket", errno: saved) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && Glibc.listen(fd, 8) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            let e = errno
            close(fd)
            throw ProbeError(operation: "bind/listen", errno: e)
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }
}

/// Waits for fd to become readable; false after `milliseconds`.
private func readable(_ fd: Int32, milliseconds: Int32 = 5000) -> Bool {
    var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&p, 1, milliseconds) == 1
}

/// Accepts one connection and reads its request head (up to the empty line).
private func acceptRequest(_ listener: Int32) throws -> (connection: Int32, request: String) {
    guard readable(listener) else { throw ProbeError(operation: "no connection arrived", errno: ETIMEDOUT) }
    let connection = accept(listener, nil, nil)
    guard connection >= 0 else { throw ProbeError(operation: "accept", errno: errno) }
    _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while !text(bytes).hasSuffix("\r\n\r\n"), readable(connection) {
        let n = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
        if n <= 0 { break }
        bytes += chunk[..<n]
    }
    return (connection, text(bytes))
}

private func send(_ fd: Int32, _ text: String) {
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
}

/// The wait status of `pid`, or nil when it has not ended within `milliseconds`.
private func waitStatus(_ pid: Int32, milliseconds: Int = 5000) -> Int32? {
    for _ in 0..<(milliseconds / 5) {
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { return status }
        if r < 0 && errno != EINTR { return nil }
        usleep(5000)
    }
    return nil
}

/// Runs a probe to its end as the supervisor does, following redirects with a child per
/// request (SIGKILL once `deadline` milliseconds have passed since the first started), with
/// `serve` answering each request on the test thread meanwhile (given the request's number,
/// from 0).
private func runProbe(_ probe: NetworkProbe, in pod: ProbeSandbox, deadline: Int = 5000,
                      serve: (Int) throws -> Void = { _ in }) throws -> ProbeOutcome {
    let output = try ProbeOutput()
    let start = ContinuousClock.now
    var request: ProbeRequest?
    var number = 0
    while true {
        let pid = try probe.start(networkNamespaceFD: pod.netns, output: output, request: request)
        var reaped = false
        defer { if !reaped { killAndReap(pid) } }
        try serve(number)
        let left = deadline - Int((ContinuousClock.now - start) / .milliseconds(1))
        guard let status = waitStatus(pid, milliseconds: max(left, 0)) else {
            kill(pid, SIGKILL)
            let status = reap(pid)
            reaped = true
            #expect(WaitStatus(raw: status).signal == SIGKILL)
            return probe.timeoutOutcome(request: request)
        }
        reaped = true
        switch probe.step(waitStatus: status, output: output, request: request) {
        case let .done(outcome): return outcome
        case let .follow(next): request = next
        }
        number += 1
    }
}

@Suite("NetworkProbe in a pod's network namespace (root)", .requires("needs root") { Root.isRoot })
struct NetworkProbeNamespaceTests {
    @Test func tcpSucceedsOnAnOpenPortAndIsRefusedOnAClosedOne() throws {
        let pod = try ProbeSandbox()
        defer { pod.cleanup() }
        let (listener, port) = try pod.listen()
        defer { close(listener) }
        #expect(try runProbe(.tcp(port: port), in: pod) == ProbeOutcome(success: true, message: ""))
        let closed: UInt16 = port == 9 ? 10 : 9
        #expect(try runProbe(.tcp(port: closed), in: pod)
            == ProbeOutcome(success: false, message: "dial tcp 127.0.0.1:\(closed): connect: connection refused"))
    }

    @Test func theProbeConnectsInsideTheGivenNamespaceOnly() throws {
        let pod = try ProbeSandbox()
        defer { pod.cleanup() }
        let other = try ProbeSandbox()
        defer { other.cleanup() }
        let (listener, port) = try pod.listen()
        defer { close(listener) }
        #expect(try runProbe(.tcp(port: port), in: other).message == "dial tcp 127.0.0.1:\(port): connect: connection refused")
        #expect(try runProbe(.tcp(port: port), in: pod).success)
    }

    @Test func httpGetsTheBodyAndSendsTheKubeletsHeaders() throws {
        let pod = try ProbeSandbox()
        defer { pod.cleanup() }
        let (listener, port) = try pod.listen()
        defer { close(listener) }
        var received = ""
        var connection: Int32 = -1
        defer { if connection >= 0 { close(connection) } }
        let probe = NetworkProbe.http(port: port, path: "healthz", headers: [HTTPHeader(name: "x-probe", value: "yes")])
        let outcome = try runProbe(probe, in: pod) { _ in
            (connection, received) = try acceptRequest(listener)
            // The connection stays open after the response: the probe stops at its Content-Length.
            send(connection, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nhealthy")
        }
        #expect(outcome == ProbeOutcome(success: true, message: "healthy"))
        #expect(received == "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUser-Agent: kube-probe/1.34\r\n"
            + "Accept: */*\r\nX-Probe: yes\r\nConnection: close\r\n\r\n")
    }

    @Test func httpServerErrorsFailChunksAreJoinedAndAClosedConnectionEndsTheBody() throws {
        let pod = try ProbeSandbox()
        defer { pod.cleanup() }
        let (listener, port) = try pod.listen()
        defer { close(listener) }
        let outcome = try runProbe(.http(port: port, path: "/", headers: []), in: pod) { _ in
            let (connection, _) = try acceptRequest(listener)
            send(connection, "HTTP/1.1 500 Internal Server Error\r\n\r\nbroken")
            close(connection)
        }
        #expect(outcome == ProbeOutcome(success: false, message: "HTTP probe failed with statuscode: 500"))

        var open: Int32 = -1
        defer { if open >= 0 { close(open) } }
        let chunked = try runProbe(.http(port: port, path: "/", headers: []), in: pod) { _ in
            open = try acceptRequest(listener).connection
            send(open, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n")
            send(open, "2\r\nde\r\n0\r\n\r\n")
        }
        #expect(chunked == ProbeOutcome(success: true, message: "abcde"))

        let silent = try runProbe(.http(port: port, path: "/", headers: []), in: pod) { _ in
            close(try acceptRequest(listener).connection)
        }
        #expect(silent == ProbeOutcome(success: false, message: "Get \"http://127.0.0.1:\(port)/\": EOF"))
    }

    @Test func httpRefusedIsNamedWithTheURL() throws {
        let pod = try ProbeSandbox()
        defer { pod.cleanup() }
        #expect(try runProbe(.http(port: 8080, path: "/healthz", headers: []), in: pod).message
            == "Get \"http://127.0.0.1:8080/healthz\": dial tcp 127.0.0.1:8080: connect: connection refused")
    }

    @Test func aServerThatNeverAnswersIsKilledAtTheDeadline() throws {
        let pod = try ProbeSandbox()
        defer { pod.cleanup() }
        let (listener, port) = try pod.listen()
        defer { close(listener) }
        var connection: Int32 = -1
        defer { if connection >= 0 { close(connection) } }
        let probe = NetworkProbe.http(port: port, path: "/slow", headers: [])
        let outcome = try runProbe(probe, in: pod, deadline: 300) { _ in
            connection = try acceptRequest(listener).connection
        }
        #expect(outcome == ProbeOutcome(success: false, message:
            "Get \"http://127.0.0.1:\(port)/slow\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"))
    }

    @Test func redirectsAreFollowedToAPageThatFailsAndAcrossPortsToOneThatAnswers() throws {
        let pod = try ProbeSandbox()
        defer { pod.cleanup() }
        let (first, firstPort) = try pod.listen()
        defer { close(first) }
        let (second, secondPort) = try pod.listen()
        defer { close(second) }
        var requests: [String] = []
        let probe = NetworkProbe.http(port: firstPort, path: "/healthz", headers: [HTTPHeader(name: "X-Probe", value: "yes")])
        let failed = try runProbe(probe, in: pod) { number in
            let (connection, request) = try acceptRequest(first)
            defer { close(connection) }
            requests.append(request)
            send(connection, number == 0 ? "HTTP/1.1 302 Found\r\nLocation: /broken\r\nContent-Length: 5\r\n\r\nmoved"
                : "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\ngone")
        }
        // Peapod used to stop at the redirect with a warning; the kubelet follows it and fails.
        #expect(failed == ProbeOutcome(success: false, message: "HTTP probe failed with statuscode: 500"))
        #expect(requests.count == 2)
        #expect(requests.last == "GET /broken HTTP/1.1\r\nHost: 127.0.0.1:\(firstPort)\r\nUser-Agent: kube-probe/1.34\r\n"
            + "Accept: */*\r\nReferer: http://127.0.0.1:\(firstPort)/healthz\r\nX-Probe: yes\r\nConnection: close\r\n\r\n")

        requests = []
        let answered = try runProbe(.http(port: firstPort, path: "/start", headers: []), in: pod) { number in
            let (connection, request) = try acceptRequest(number < 2 ? first : second)
            defer { close(connection) }
            requests.append(request)
            switch number {
            case 0: send(connection, "HTTP/1.1 301 Moved Permanently\r\nLocation: next\r\n\r\n")
            case 1: send(connection, "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:\(secondPort)/ok\r\n\r\n")
            default: send(connection, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nfine")
            }
        }
        #expect(answered == ProbeOutcome(success: true, message: "fine"))
        let lines = requests.map { $0.components(separatedBy: "\r\n")[0] }
        #expect(lines == ["GET /start HTTP/1.1", "GET /next HTTP/1.1", "GET /ok HTTP/1.1"])
        #expect(requests.last?.contains("\r\nHost: 127.0.0.1:\(secondPort)\r\n") == true)
        #expect(requests.last?.contains("\r\nReferer: http://127.0.0.1:\(firstPort)/next\r\n") == true)
    }

    @Test func aFollowedRequestThatCannotConnectOrNeverAnswersIsNamed() throws {
        let pod = try ProbeSandbox()
        defer { pod.cleanup() }
        let (listener, port) = try pod.listen()
        defer { close(listener) }
        let closed: UInt16 = port == 9 ? 10 : 9
        let refused = try runProbe(.http(port: port, path: "/", headers: []), in: pod) { number in
            guard number == 0 else { return }
            let (connection, _) = try acceptRequest(listener)
            defer { close(connection) }
            send(connection, "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:\(closed)/next\r\n\r\n")
        }
        #expect(refused == ProbeOutcome(success: false, message:
            "Get \"http://127.0.0.1:\(closed)/next\": dial tcp 127.0.0.1:\(closed): connect: connection refused"))

        var open: Int32 = -1
        defer { if open >= 0 { close(open) } }
        let silent = try runProbe(.http(port: port, path: "/", headers: []), in: pod, deadline: 300) { number in
            let (connection, _) = try acceptRequest(listener)
            if number == 0 {
                send(connection, "HTTP/1.1 303 See Other\r\nLocation: /slow\r\n\r\n")
                close(connection)
            } else {
                open = connection
            }
        }
        #expect(silent == ProbeOutcome(success: false, message:
            "Get \"http://127.0.0.1:\(port)/slow\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"))
    }
}
