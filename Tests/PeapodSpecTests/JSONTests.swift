import Testing
import PeapodManifest
@testable import PeapodSpec

@Suite struct JSONTests {
    @Test func parsesAndSerializesCompact() throws {
        let v = try JSONValue.parse(#"{"b": [1, 2.5, "x"], "a": {"n": null, "t": true}}"#)
        #expect(v.serialized(pretty: false) == #"{"b":[1,2.5,"x"],"a":{"n":null,"t":true}}"#)
    }

    @Test func prettyUsesKubectlLayout() throws {
        let v = try JSONValue.parse(#"{"a":[1,{"b":"c"}],"e":{},"f":[]}"#)
        #expect(v.serialized(pretty: true) == """
        {
            "a": [
                1,
                {
                    "b": "c"
                }
            ],
            "e": {},
            "f": []
        }
        """)
    }

    @Test func keepsKeyOrderAndSubscriptSetKeepsPosition() {
        var o = JSONObject([("z", .int(1)), ("a", .int(2))])
        o["z"] = .int(3)
        o["m"] = .bool(false)
        #expect(o.keys == ["z", "a", "m"])
        o["a"] = nil
        #expect(o.keys == ["z", "m"])
        #expect(o["z"] == .int(3))
    }

    @Test(arguments: [
        (#""a\"b\\c\n\t\u00e9\ud83d\ude00""#, "a\"b\\c\n\té😀"),
        (#""\u003c\/""#, "</"),
    ])
    func stringEscapes(text: String, expected: String) throws {
        #expect(try JSONValue.parse(text) == .string(expected))
    }

    // As Go's encoding/json reads them (checked against Go): a surrogate that is not the high half
    // of a pair followed by its low half's escape is U+FFFD, and the escape after a lone high one
    // is read for itself, not swallowed.
    @Test(arguments: [
        (#""\ud800\u0041""#, "\u{FFFD}A"),
        (#""\udc00""#, "\u{FFFD}"),
        (#""x\ud800""#, "x\u{FFFD}"),
        (#""\ud800\ud800""#, "\u{FFFD}\u{FFFD}"),
        (#""\ud800\ud800\udc00""#, "\u{FFFD}\u{10000}"),
        (#""\udc00\ud800\udc00""#, "\u{FFFD}\u{10000}"),
        (#""\udc00\udc00""#, "\u{FFFD}\u{FFFD}"),
        (#""\ud800x""#, "\u{FFFD}x"),
        (#""\ud800\n""#, "\u{FFFD}\n"),
        (#""\ud800\udc00""#, "\u{10000}"),
    ])
    func loneSurrogatesDecodeAsGoDoes(text: String, expected: String) throws {
        let decoded = try JSONValue.parse(text).stringValue ?? ""
        #expect(Array(decoded.utf8) == Array(expected.utf8))
    }

    @Test func brokenEscapeAfterAHighSurrogateIsAnError() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#""\ud800\u00""#) }
    }

    // Found by fuzzing: 1e400 was read as infinity, which is written back as null.
    @Test func numbersBeyondADoubleAreRefused() throws {
        for text in ["1e400", "-1e400", "[0, 123456789e999]"] {
            #expect(throws: JSONParseError.self) { try JSONValue.parse(text) }
        }
        do {
            _ = try JSONValue.parse("1e400")
        } catch {
            #expect(error.message == "number 1e400 is out of range")
            #expect(error.column == 1)
        }
        #expect(try JSONValue.parse("1e-400") == .double(0))
    }

    @Test func serializesEscapesLikeGo() {
        #expect(JSONValue.string("a\"b\\\n<&>\u{01}").serialized(pretty: false) == #""a\"b\\\n\u003c\u0026\u003e\u0001""#)
        // Line and paragraph separators are escaped wherever they sit, also after other escapes;
        // other non-ASCII text is kept as UTF-8.
        #expect(JSONValue.string("\u{2028}\"é\t\u{2029}x\u{1F}").serialized(pretty: false)
                    == #""\u2028\"é\t\u2029x\u001f""#)
        var object = JSONObject()
        object["k\u{2028}"] = .array([.string("\u{2029}"), .null])
        #expect(JSONValue.object(object).serialized(pretty: true)
                    == "{\n    \"k\\u2028\": [\n        \"\\u2029\",\n        null\n    ]\n}")
    }

    @Test func serializesUnicodeAndEveryEscapeClassAsBytes() {
        // Keys and values with no escape, with only non-ASCII, and each byte class that needs one.
        var object = JSONObject()
        object["plain"] = .string("docker.io/library/busybox:latest")
        object["ünï"] = .string("日本語 ☃ 𝄞 é")
        object["ctl"] = .string("\u{00}\u{07}\u{0B}\u{1B}\u{7F}")
        object["html"] = .string("<a href=\"x\">&amp;</a>")
        object["sep"] = .string("x\u{2028}y\u{2029}z\u{2027}")
        object[""] = .string("")
        #expect(JSONValue.object(object).serialized(pretty: false) == #"{"plain":"docker.io/library/busybox:latest","ünï":"日本語 ☃ 𝄞 é","ctl":"\u0000\u0007\u000b\u001b\#u{7F}","html":"\u003ca href=\"x\"\u003e\u0026amp;\u003c/a\u003e","sep":"x\u2028y\u2029z\#u{2027}","":""}"#)
    }

    @Test func sortedKeysOrdersByUTF8BytesAtEveryLevel() throws {
        let v = try JSONValue.parse(#"{"b":1,"a":{"z":[{"y":1,"x":2}],"Z":null,"é":0,"e":0,"ab":0,"a":0},"A":true}"#)
        #expect(v.sortedKeys().serialized(pretty: false)
                    == #"{"A":true,"a":{"Z":null,"a":0,"ab":0,"e":0,"z":[{"x":2,"y":1}],"é":0},"b":1}"#)
        // Already in order: the same object back.
        let sorted = try JSONValue.parse(#"{"a":{"b":1,"c":[{"d":1,"e":2}]},"f":"g"}"#)
        #expect(sorted.sortedKeys() == sorted)
        // Byte order, not String's: U+00E9 (C3 A9) sorts after U+0065 U+0301 (65 CC 81), which
        // String's `<` treats as the same character.
        var accents = JSONObject()
        accents.appendUnchecked("\u{E9}", .int(1))
        accents.appendUnchecked("e\u{301}", .int(2))
        let keys = JSONValue.object(accents).sortedKeys().objectValue?.keys ?? []
        #expect(keys.map { Array($0.utf8) } == [[0x65, 0xCC, 0x81], [0xC3, 0xA9]])
    }

    @Test(arguments: [
        (0.5, "0.5"), (1e21, "1e+21"), (100.0, "100"), (1.5e-7, "1.5e-07"), (123456.789, "123456.789"), (-2.25, "-2.25"),
        (1e20, "100000000000000000000"), (0.000001, "0.000001"),
    ])
    func doublesWithoutExponentJunk(value: Double, expected: String) {
        #expect(JSONValue.double(value).serialized(pretty: false) == expected)
    }

    @Test func numbers() throws {
        #expect(try JSONValue.parse("-12") == .int(-12))
        #expect(try JSONValue.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSONValue.parse("9223372036854775808") == .double(9223372036854775808))
        #expect(try JSONValue.parse("1.0") == .double(1))
        #expect(try JSONValue.parse("1e3") == .double(1000))
    }

    @Test(arguments: [
        ("{\"a\": 1,}", 1, 9, "expected a string key"),
        ("{\n  \"a\": tru\n}", 2, 8, "invalid literal"),
        ("[1 2]", 1, 4, "expected ',' or ']'"),
        ("{\"a\":1,\"a\":2}", 1, 8, "duplicate key \"a\""),
        ("01", 1, 2, "leading zeros"),
        ("\"abc", 1, 5, "unterminated string"),
        ("\"a\tb\"", 1, 3, "control character"),
        ("{} x", 1, 4, "unexpected data"),
        // Past 12 keys the duplicate check switches to a set: still found, at the same place.
        ("{" + (0..<14).map { "\"k\($0)\":\($0)," }.joined() + "\"k3\":0}", 1, 108, "duplicate key \"k3\""),
    ])
    func syntaxErrorsHaveLineAndColumn(text: String, line: Int, column: Int, fragment: String) {
        do {
            _ = try JSONValue.parse(text)
            Issue.record("expected an error for \(text)")
        } catch {
            #expect(error.line == line)
            #expect(error.column == column)
            #expect(error.message.contains(fragment), "\(error.message)")
        }
    }

    @Test func roundTripThroughText() throws {
        let text = #"{"a":[true,false,null,-1,0.25,"s p"],"b":{"c":{"d":[]}},"é":"ü"}"#
        let v = try JSONValue.parse(text)
        #expect(try JSONValue.parse(v.serialized(pretty: true)) == v)
        #expect(v.serialized(pretty: false) == text)
    }

    @Test func yamlTextLayout() throws {
        let v = try JSONValue.parse(#"{"apiVersion":"v1","metadata":{"labels":{"app":"web"},"name":"x"},"spec":{"containers":[{"args":["a","b"],"name":"c","resources":{}}],"nn":[[1,2],[]]}}"#)
        #expect(v.yamlText() == """
        apiVersion: v1
        metadata:
          labels:
            app: web
          name: x
        spec:
          containers:
          - args:
            - a
            - b
            name: c
            resources: {}
          nn:
          - - 1
            - 2
          - []

        """)
    }

    @Test(arguments: ["80", "true", "yes", "on", "No", "~", "null", "", "1e3", "0x1F", "- x", "a: b", "#c", "*a", "&a", "!x",
                      "'q'", "\"dq\"", "x #y", "multi\nline\n", "trailing\n\n", " lead", "tab\tx", "@at", "`bt", "%p",
                      "1.5", ".5", "0o17", "017", "+1", "-", "---", "x:", "é", "{a}", "[b]", "a,b", "1_000", ".inf", "<<", "\u{7}", "2026-01-02T15:04:05Z", "2026-01-02", "1:20", "10:00:00.5", "a:b"])
    func yamlStringsReadBackAsTheSameString(s: String) throws {
        let v = JSONValue.object(JSONObject([("k", .string(s)), ("l", .array([.string(s)]))]))
        let docs = try Manifest.parseDocuments(v.yamlText())
        #expect(docs == [v], "\(v.yamlText())")
    }

    // Found by fuzzing (tools/fuzz): each of these was written as YAML that read back as another
    // string, or did not load: a literal block at the top level without indentation, one that
    // begins with an empty line (a reader takes the indentation from the next line), NEL and
    // U+2028/U+2029 (line breaks to a YAML reader), and a quote followed by a combining mark (one
    // Character, so it was not doubled in a single-quoted scalar).
    @Test(arguments: ["a\nb", "x\n", "\n", "\n\n", "\n x", "\nx\n", "\n\n  y\nz", "x\u{85}y", "x\u{2028}y", "p\u{2029}\nq",
                      " :''\u{341}'", "'\u{301}", "it'\u{301}s", " \u{301}x\ny"])
    func yamlStringsWithBreaksAndMarksReadBack(s: String) throws {
        let values: [JSONValue] = [.string(s), .array([.string(s)]), .object(JSONObject([("k", .string(s)), (s, .int(1))]))]
        for v in values {
            let docs = try Manifest.parseDocuments(v.yamlText())
            #expect(docs.count == 1 && docs[0]?.serializedBytes(pretty: false) == v.serializedBytes(pretty: false), "\(v.yamlText())")
        }
    }

    @Test func yamlQuotesYAML11Booleans() {
        #expect(JSONValue.object(JSONObject([("n", .string("y"))])).yamlText() == "\"n\": \"y\"\n")
    }

    @Test func yamlQuotesSexagesimal() {
        #expect(JSONValue.string("1:20").yamlText() == "\"1:20\"\n")
        #expect(JSONValue.string("a:b").yamlText() == "a:b\n")
    }

    @Test func yamlQuotesTimestampsLikeKubectl() {
        #expect(JSONValue.object(JSONObject([("t", .string("2026-01-02T15:04:05Z"))])).yamlText() == "t: \"2026-01-02T15:04:05Z\"\n")
    }

    @Test func yamlTextScalarsReadBack() throws {
        let v = try JSONValue.parse(#"{"i":-3,"d":0.5,"b":false,"n":null,"big":12345678901234,"s":"x"}"#)
        #expect(try Manifest.parseDocuments(v.yamlText()) == [v])
    }
}

@Suite struct StringSearchTests {
    @Test func findsTextByScalarsInStringsAndSubstrings() {
        #expect("héllo wörld".containsText("ö"))
        #expect("héllo wörld".containsText("lo w"))
        #expect(!"héllo wörld".containsText("e"))         // é is one scalar, not e + accent here
        #expect("abc".containsText(""))
        #expect(!"ab".containsText("abc"))
        let text = "a - cgroup b - cgroup2 c"
        let line = text.dropFirst(2)                           // a Substring: indices are the base's
        let range = line.rangeOfText("cgroup2")
        #expect(range.map { String(text[$0]) } == "cgroup2")
        #expect(range?.lowerBound == text.index(text.startIndex, offsetBy: 15))
        #expect("x\u{1F600}y".rangeOfText("\u{1F600}y").map { String("x\u{1F600}y"[$0]) } == "\u{1F600}y")
    }

    @Test func linesSplitOnNewlinesWithoutEmptyOnes() {
        #expect("a b\n\nc\u{E9}\r\nd\n".nonEmptyLines() == ["a b", "c\u{E9}\r", "d"])
        #expect("".nonEmptyLines().isEmpty)
    }

    @Test func splitsOnASCIIBytesLikeSplitOnCharacters() {
        let line = "0::/a:b:c"
        #expect(line.splitOnByte(UInt8(ascii: ":"), maxSplits: 2, omittingEmpty: false)
                    == line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false))
        let fields = "31 23 0:28 / /sys/fs/cgroup rw,relatime  - tmpfs tmpfs rw,mode=755"
        #expect(fields.splitOnByte(UInt8(ascii: " ")) == fields.split(separator: " "))
        #expect(Substring("ü,,ß,").splitOnByte(UInt8(ascii: ",")) == ["ü", "ß"])
        // Every combination of options on edge cases, against the standard library's split of
        // the UTF-8 view; also on a Substring that starts inside its base.
        let texts = ["", ",", ",,", "a", ",a", "a,", ",a,,b,", "日,本,,語", "a,b,c,d,e", "x\u{301},,y"]
        for text in texts {
            for base in [text, "é" + text] {
                let sub = base.hasPrefix("é") ? Substring(base).dropFirst() : Substring(base)
                for maxSplits in [0, 1, 2, 3, Int.max] {
                    for omitting in [true, false] {
                        let expected = sub.utf8.split(separator: UInt8(ascii: ","), maxSplits: maxSplits,
                                                      omittingEmptySubsequences: omitting).map { Array($0) }
                        let pieces = sub.splitOnByte(UInt8(ascii: ","), maxSplits: maxSplits, omittingEmpty: omitting)
                        #expect(pieces.map { Array($0.utf8) } == expected, "\(text) \(maxSplits) \(omitting)")
                    }
                }
            }
        }
    }
}
