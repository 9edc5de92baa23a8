import Testing
@testable import PeapodSpec

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00Z"),
        (Int64(1_767_366_245), "2026-01-02T15:04:05Z"),
        (Int64(951_782_400), "2000-02-29T00:00:00Z"),
        (Int64(-1), "1969-12-31T23:59:59Z"),
        (Int64(4_102_444_800), "2100-01-01T00:00:00Z"),
        (Int64(7_258_118_399), "2199-12-31T23:59:59Z"),
    ])
    func formats(seconds: Int64, text: String) {
        let t = Timestamp(seconds: seconds)
        #expect(t.rfc3339 == text)
        #expect(Timestamp(rfc3339: text) == t)
    }

    @Test func nanoFormatAlwaysHasNineDigits() {
        #expect(Timestamp(seconds: 1_767_366_245).rfc3339Nano == "2026-01-02T15:04:05.000000000Z")
        #expect(Timestamp(seconds: 1_767_366_245, nanoseconds: 1_200).rfc3339Nano == "2026-01-02T15:04:05.000001200Z")
        #expect(Timestamp(nanos: -1).rfc3339Nano == "1969-12-31T23:59:59.999999999Z")
        // The ends of the representable range.
        #expect(Timestamp(seconds: -9_000_000_000, nanoseconds: 7).rfc3339Nano == "1684-10-19T08:00:00.000000007Z")
        #expect(Timestamp(nanos: .max).rfc3339Nano == "2262-04-11T23:47:16.854775807Z")
        #expect(Timestamp(nanos: .max).rfc3339 == "2262-04-11T23:47:16Z")
    }

    @Test func parses() {
        #expect(Timestamp(rfc3339: "2026-01-02T15:04:05.5Z")?.nanos == 1_767_366_245_500_000_000)
        #expect(Timestamp(rfc3339: "2026-01-02T15:04:05.123456789Z")?.nanos == 1_767_366_245_123_456_789)
        #expect(Timestamp(rfc3339: "2026-01-02T16:04:05+01:00") == Timestamp(seconds: 1_767_366_245))
        #expect(Timestamp(rfc3339: "2026-01-02T10:04:05-05:00") == Timestamp(seconds: 1_767_366_245))
        for bad in ["", "2026-01-02", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-02T15:04:05",
                    "2026-01-02T25:00:00Z", "2026-01-02T15:04:05.Z", "x026-01-02T15:04:05Z", "2026-01-02T15:04:05Zjunk"] {
            #expect(Timestamp(rfc3339: bad) == nil, "\(bad)")
        }
    }

    @Test func arithmetic() {
        let t = Timestamp(seconds: 100)
        #expect((t + .seconds(30)).nanos == 130_000_000_000)
        #expect((t - .milliseconds(1)).nanos == 99_999_000_000)
        #expect(Timestamp(seconds: 130) - t == .seconds(30))
        #expect(Timestamp(seconds: 130, nanoseconds: 500_000_000).secondsSince(t) == 30.5)
        #expect(t < t + .nanoseconds(1))
        #expect(Timestamp(rfc3339: "9999-12-31T23:59:59Z") == nil)
        let now = Timestamp.now()
        #expect(now.seconds > 1_700_000_000)
    }
}
