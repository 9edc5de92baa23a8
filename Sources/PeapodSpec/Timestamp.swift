#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A point in time: nanoseconds since the Unix epoch (UTC). Foundation-free.
///
/// Arithmetic uses the standard library's `Duration` (`t + .seconds(30)`, `t - .milliseconds(5)`);
/// `t2 - t1` gives a `Duration`. Sub-nanosecond parts of a `Duration` are truncated.
public struct Timestamp: Sendable, Comparable, Hashable, CustomStringConvertible {
    public var nanos: Int64

    public init(nanos: Int64) { self.nanos = nanos }
    /// Saturates at the representable range (years 1677 to 2262).
    public init(seconds: Int64, nanoseconds: Int64 = 0) {
        let (a, o1) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (b, o2) = a.addingReportingOverflow(nanoseconds)
        self.nanos = (o1 || o2) ? (seconds < 0 ? .min : .max) : b
    }

    /// The current wall-clock time (CLOCK_REALTIME).
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(seconds: Int64(ts.tv_sec), nanoseconds: Int64(ts.tv_nsec))
    }

    /// Whole seconds since the epoch (floor).
    public var seconds: Int64 { nanos >= 0 ? nanos / 1_000_000_000 : -((-nanos + 999_999_999) / 1_000_000_000) }
    /// The nanosecond part within the second, 0..<1e9.
    public var nanosecondPart: Int64 { nanos - seconds * 1_000_000_000 }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.nanos < b.nanos }

    public static func + (t: Timestamp, d: Duration) -> Timestamp { Timestamp(nanos: t.nanos &+ d.nanosecondsTruncated) }
    public static func - (t: Timestamp, d: Duration) -> Timestamp { Timestamp(nanos: t.nanos &- d.nanosecondsTruncated) }
    public static func - (a: Timestamp, b: Timestamp) -> Duration { .nanoseconds(a.nanos &- b.nanos) }
    public static func += (t: inout Timestamp, d: Duration) { t = t + d }

    /// Seconds elapsed from `earlier` to `self` (negative when `earlier` is later).
    public func secondsSince(_ earlier: Timestamp) -> Double { Double(nanos &- earlier.nanos) / 1e9 }

    /// "2026-01-02T15:04:05Z": seconds precision, as Kubernetes writes metadata and status times.
    public var rfc3339: String { format(fraction: false) }
    /// "2026-01-02T15:04:05.000000000Z": always nine fractional digits (CRI log lines).
    public var rfc3339Nano: String { format(fraction: true) }
    public var description: String { rfc3339Nano }

    private func format(fraction: Bool) -> String {
        let secs = seconds
        var days = secs / 86400
        var rem = secs % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        let (y, m, d) = Timestamp.civil(fromDays: days)
        if (0...9999).contains(y) {
            // Every representable time (years 1677 to 2262): fixed-width digits written as bytes,
            // not joined from String pieces: a status file has a dozen times, rendered at every
            // change (docs/benchmarks.md).
            return String(unsafeUninitializedCapacity: fraction ? 30 : 20) { out in
                var i = 0
                func put(_ v: Int64, _ width: Int) {
                    var v = v
                    var k = i &+ width &- 1
                    while k >= i {
                        out[k] = 0x30 &+ UInt8(truncatingIfNeeded: v % 10)
                        v /= 10
                        k &-= 1
                    }
                    i &+= width
                }
                func put(_ c: Unicode.Scalar) {
                    out[i] = UInt8(ascii: c)
                    i &+= 1
                }
                put(y, 4); put("-"); put(m, 2); put("-"); put(d, 2); put("T")
                put(rem / 3600, 2); put(":"); put(rem % 3600 / 60, 2); put(":"); put(rem % 60, 2)
                if fraction { put("."); put(nanosecondPart, 9) }
                put("Z")
                return i
            }
        }
        var s = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T"
        s += pad(rem / 3600, 2) + ":" + pad(rem % 3600 / 60, 2) + ":" + pad(rem % 60, 2)
        if fraction { s += "." + pad(nanosecondPart, 9) }
        return s + "Z"
    }

    private func pad(_ v: Int64, _ width: Int) -> String {
        let neg = v < 0
        let d = String(neg ? -v : v)
        return (neg ? "-" : "") + String(repeating: "0", count: max(0, width - d.count)) + d
    }

    /// Howard Hinnant's civil_from_days: days since 1970-01-01 → (year, month, day).
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    /// days_from_civil: (year, month, day) → days since 1970-01-01.
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// Parses RFC 3339: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `t`/`z`/space accepted too.
    public init?(rfc3339 text: String) {
        let u = Array(text.utf8)
        var i = 0
        func num(_ n: Int) -> Int64? {
            guard i + n <= u.count else { return nil }
            var v: Int64 = 0
            for k in 0..<n {
                let c = u[i + k]
                guard ByteClass.isDigit(c) else { return nil }
                v = v * 10 + Int64(c - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8...) -> Bool {
            guard i < u.count, c.contains(u[i]) else { return false }
            i += 1
            return true
        }
        guard let y = num(4), expect(0x2D), let mo = num(2), expect(0x2D), let d = num(2),
              expect(UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")),
              let h = num(2), expect(0x3A), let mi = num(2), expect(0x3A), let s = num(2)
        else { return nil }
        guard (1...12).contains(mo), d >= 1, d <= Timestamp.daysIn(month: mo, year: y),
              h < 24, mi < 60, s < 61 else { return nil }
        var frac: Int64 = 0
        if i < u.count && u[i] == UInt8(ascii: ".") {
            i += 1
            var n = 0
            while i < u.count && ByteClass.isDigit(u[i]) {
                if n < 9 { frac = frac * 10 + Int64(u[i] - 0x30) }
                n += 1
                i += 1
            }
            guard n > 0 else { return nil }
            if n < 9 { for _ in n..<9 { frac *= 10 } }
        }
        var offset: Int64 = 0
        if expect(UInt8(ascii: "Z"), UInt8(ascii: "z")) {
            offset = 0
        } else if i < u.count && (u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-")) {
            let sign: Int64 = u[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = num(2), expect(0x3A), let om = num(2), oh < 24, om < 60 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == u.count else { return nil }
        let days = Timestamp.days(fromCivil: y, mo, d)
        let secs = days * 86400 + h * 3600 + mi * 60 + min(s, 59) - offset
        guard secs > -9_223_372_036, secs < 9_223_372_035 else { return nil }
        self.init(seconds: secs, nanoseconds: frac)
    }

    static func daysIn(month m: Int64, year y: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

extension Duration {
    /// The duration in whole nanoseconds (truncated toward zero, saturating).
    public var nanosecondsTruncated: Int64 {
        let c = components
        let (a, o1) = c.seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if o1 { return c.seconds < 0 ? .min : .max }
        let (r, o2) = a.addingReportingOverflow(c.attoseconds / 1_000_000_000)
        if o2 { return c.seconds < 0 ? .min : .max }
        return r
    }
}
