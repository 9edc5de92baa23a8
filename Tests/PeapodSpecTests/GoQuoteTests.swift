// Go's strconv.Quote (%q), checked against what Go itself prints for the same input.

import PeapodSpec
import Testing

@Suite("Go quoting")
struct GoQuoteTests {
    /// (input, Go's strconv.Quote of it, written as raw strings)
    static let strings: [(String, String)] = [
        ("plain", #""plain""#),
        ("\u{7}\u{8}\u{c}\n\r\t\u{b}\\\"", #""\a\b\f\n\r\t\v\\\"""#),
        ("\u{0}\u{1}\u{1f}\u{7f}", #""\x00\x01\x1f\x7f""#),
        // C1 controls, a no-break space and a soft hyphen are not printable.
        ("\u{80}\u{9f}\u{a0}\u{ad}", #""\u0080\u009f\u00a0\u00ad""#),
        ("\u{2028}\u{feff}\u{200b}\u{3000}", #""\u2028\ufeff\u200b\u3000""#),
        ("\u{e0001}\u{10ffff}", #""\U000e0001\U0010ffff""#),
        // Letters, marks, symbols, punctuation and the ASCII space stand as they are.
        ("é☺ e\u{301} 日本 😀 '`", "\"é☺ e\u{301} 日本 😀 '`\""),
        ("out\r\u{1b}[31m\n", #""out\r\x1b[31m\n""#),
    ]

    @Test func stringsAsGoQuotesThem() {
        for (input, quoted) in Self.strings {
            #expect(GoQuote.quote(input) == quoted)
            #expect(goQuote(input) == quoted)
            #expect(GoQuote.quote(bytes: Array(input.utf8)) == quoted)
        }
    }

    /// Bytes that are not UTF-8: each byte that starts no valid sequence as \x.., as Go quotes a
    /// string holding them.
    static let bytes: [([UInt8], String)] = [
        ([0xff], #""\xff""#),
        ([0xe2, 0x82], #""\xe2\x82""#),
        ([0xc0, 0xaf], #""\xc0\xaf""#),
        ([0xed, 0xa0, 0x80], #""\xed\xa0\x80""#),
        ([0x61, 0xff, 0x62, 0xf0, 0x9f, 0x98, 0x80], "\"a\\xffb😀\""),
        ([0x41, 0x22, 0x5c, 0x0a, 0x00, 0xc3, 0xa9, 0xff, 0x7f], #""A\"\\\n\x00é\xff\x7f""#),
    ]

    @Test func bytesThatAreNotUTF8() {
        for (input, quoted) in Self.bytes {
            #expect(GoQuote.quote(bytes: input) == quoted)
        }
    }
}
