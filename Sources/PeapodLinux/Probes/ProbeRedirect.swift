// Redirects of an httpGet probe, followed as the kubelet's HTTP client follows them.
//
// The kubelet's prober does not follow redirects to other hosts: its client follows a 301, 302,
// 303, 307 or 308 whose Location, resolved against the request's URL, has the probe's own
// hostname, and stops with an error once ten requests have been made; any other redirect's
// response is the result (a success with a ProbeWarning). The probe's hostname here is always the
// pod's 127.0.0.1, so a redirect is followed when its Location is relative or names 127.0.0.1,
// on any port; `localhost` is another hostname, as it is for Go.
//
// A followed redirect is another request on a new connection: the supervisor starts another run
// of the C child once the previous one is reaped, and the run keeps its deadline (the probe's
// timeout covers every request, as Go's Client.Timeout does). The request carries the probe's
// headers again, a Host that is the new URL's (or the manifest's Host header across relative
// Locations), and a Referer naming the previous request's URL, as Go's client sends them.
//
// Peapod speaks plain HTTP only: a same-host redirect to https, which the kubelet would follow
// over TLS, fails the probe with a message that says so.

import PeapodSpec

/// One request of an httpGet probe's run: the probe's own, then one per redirect followed.
public struct ProbeRequest: Sendable, Equatable {
    /// Where the request goes.
    let url: GoURL
    /// How many requests of the run came before this one (0 for the probe's own).
    public let previous: Int
    /// The Host header the request names when it is not the URL's: the manifest's, for the
    /// probe's own request and across relative redirects (Go's Request.Host).
    let givenHost: String?
    /// The URL the request's Referer names; nil for the probe's own request.
    let referer: String?

    /// The most requests of one run, as the kubelet's redirect check allows.
    static let maxRequests = 10

    /// The URL as the kubelet's messages name it (a password masked).
    public var displayURL: String { url.string(password: .masked) }

    /// The Host header: the given one, else the URL's host[:port].
    var host: String { givenHost ?? url.host }

    /// The port the request connects to (80 when the URL names none); nil when it is not one.
    var port: UInt16? { url.port.isEmpty ? 80 : UInt16(url.port) }

    /// What follows a redirect response whose Location header is `location`: the next request,
    /// nil when the kubelet's client does not follow it (its response is the result), or the
    /// failure the client reports for it.
    func redirect(to location: String) -> Result<ProbeRequest, HTTPClientError>? {
        let reference: GoURL
        do {
            reference = try GoURL.parse(location)
        } catch {
            return .failure(HTTPClientError(url: displayURL,
                                            message: "failed to parse Location header " + goQuote(location) + ": " + error.message))
        }
        let target = url.resolving(reference)
        guard target.hostname == NetworkProbe.podIP else { return nil }
        guard previous + 1 < Self.maxRequests else {
            return .failure(HTTPClientError(url: location, message: "stopped after \(Self.maxRequests) redirects"))
        }
        // The given Host goes on only while Locations are relative (have no scheme).
        var kept: String?
        if let givenHost, givenHost != url.host, reference.scheme.isEmpty { kept = givenHost }
        let next = ProbeRequest(url: target, previous: previous + 1, givenHost: kept,
                                referer: url.string(password: .omitted))
        switch target.scheme {
        case "http":
            guard next.port != nil else {
                // Go's dialer refuses a port number above 65535.
                return .failure(HTTPClientError(url: next.displayURL, message: "dial tcp: address \(target.port): invalid port"))
            }
            return .success(next)
        case "https":
            return .failure(HTTPClientError(url: next.displayURL, message:
                "cannot follow a redirect to https: Peapod's probes speak plain HTTP only"))
        default:
            return .failure(HTTPClientError(url: next.displayURL, message: "unsupported protocol scheme " + goQuote(target.scheme)))
        }
    }

    /// The value of `Authorization: Basic` for the URL's userinfo, as Go's client adds it.
    var basicAuthorization: String? {
        guard let userinfo = url.userinfo else { return nil }
        let (user, password) = GoURL.cut(Array(userinfo.utf8), UInt8(ascii: ":"))
        // Validated when the URL was parsed.
        let decoded = ((try? GoURL.unescape(user[...], .userinfo)) ?? []) + [UInt8(ascii: ":")]
            + ((try? GoURL.unescape((password ?? [])[...], .userinfo)) ?? [])
        return "Basic " + Base64.encode(decoded)
    }
}

/// An error of the kubelet's HTTP client, worded as Go's url.Error words it:
/// `Get "URL": message`.
struct HTTPClientError: Error, Equatable {
    var url: String
    var message: String

    var outcome: ProbeOutcome { ProbeOutcome(success: false, message: "Get \(goQuote(url)): \(message)") }
}
