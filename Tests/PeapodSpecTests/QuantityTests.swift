import Testing
@testable import PeapodSpec

@Suite struct QuantityTests {
    @Test(arguments: [
        ("0", Int64(0), Int64(0)),
        ("1", 1, 1000),
        ("500m", 1, 500),
        ("0.5", 1, 500),
        ("1.5", 2, 1500),
        ("100m", 1, 100),
        ("1n", 1, 1),
        ("1u", 1, 1),
        ("1500u", 1, 2),
        ("0.1m", 1, 1),
        ("1k", 1000, 1_000_000),
        ("1M", 1_000_000, 1_000_000_000),
        ("1G", 1_000_000_000, 1_000_000_000_000),
        ("1T", 1_000_000_000_000, 1_000_000_000_000_000),
        ("1P", 1_000_000_000_000_000, 1_000_000_000_000_000_000),
        ("1E", 1_000_000_000_000_000_000, Int64.max),
        ("1Ki", 1024, 1_024_000),
        ("1Mi", 1_048_576, 1_048_576_000),
        ("1Gi", 1_073_741_824, 1_073_741_824_000),
        ("1Ti", 1_099_511_627_776, 1_099_511_627_776_000),
        ("1Pi", 1_125_899_906_842_624, 1_125_899_906_842_624_000),
        ("1Ei", 1_152_921_504_606_846_976, Int64.max),
        ("1.5Gi", 1_610_612_736, 1_610_612_736_000),
        ("0.5Ki", 512, 512_000),
        ("1e3", 1000, 1_000_000),
        ("1E3", 1000, 1_000_000),
        ("1e-3", 1, 1),
        ("2.5e+2", 250, 250_000),
        ("+1", 1, 1000),
        ("-1", -1, -1000),
        ("-0.5", -1, -500),
        ("-1.5m", -1, -2),
        ("128974848", 128_974_848, 128_974_848_000),
        ("129e6", 129_000_000, 129_000_000_000),
        ("123Mi", 128_974_848, 128_974_848_000),
        (".5", 1, 500),
        ("5.", 5, 5000),
        ("0.0001", 1, 1),
        ("00012", 12, 12_000),
        ("10E", Int64.max, Int64.max),
    ])
    func parses(text: String, value: Int64, milli: Int64) throws {
        let q = try Quantity(text)
        #expect(q.value == value, "value of \(text)")
        #expect(q.milliValue == milli, "milliValue of \(text)")
        #expect(q.original == text)
    }

    @Test(arguments: [
        ("", Quantity.formatError), ("abc", Quantity.formatError), ("1 Gi", Quantity.formatError), ("1Gb", Quantity.formatError),
        ("1g", Quantity.formatError), ("1.5.5", Quantity.formatError), ("1x", Quantity.formatError), ("1e", Quantity.suffixError),
        ("1Gii", Quantity.suffixError), ("1mi", Quantity.suffixError), ("1ee3", Quantity.suffixError), ("1e99999999999", Quantity.suffixError),
        ("--1", Quantity.suffixError), ("1-", Quantity.suffixError),
    ])
    func rejects(text: String, message: String) {
        #expect(throws: Quantity.ParseError(message: message)) { try Quantity(text) }
    }

    @Test func formatErrorIsKubernetesText() {
        #expect(Quantity.formatError == "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    }

    @Test func compares() throws {
        #expect(try Quantity("1Gi").compare(Quantity("1024Mi")) == 0)
        #expect(try Quantity("500m").compare(Quantity("0.5")) == 0)
        #expect(try Quantity("1").compare(Quantity("999m")) == 1)
        #expect(try Quantity("-1").compare(Quantity("0")) == -1)
        #expect(try Quantity("1k").compare(Quantity("1Ki")) == -1)
        #expect(try Quantity("0").compare(Quantity("-0")) == 0)
        #expect(try Quantity("1e3").compare(Quantity("1k")) == 0)
    }
}

@Suite struct QuantityCanonicalTests {
    @Test(arguments: [
        ("0.5", "500m"), ("500m", "500m"), ("1000m", "1"), ("1", "1"), ("2000", "2k"), ("1500", "1500"), ("0", "0"), ("-0.5", "-500m"),
        ("1024Mi", "1Gi"), ("1.5Gi", "1536Mi"), ("0.5Ki", "512"), ("1Ki", "1Ki"), ("1023Ki", "1023Ki"), ("100Mi", "100Mi"),
        ("1e3", "1e3"), ("12e7", "120e6"), ("129e6", "129e6"), ("1E3", "1e3"), ("1e-3", "1e-3"),
        ("0.1m", "100u"), ("1n", "1n"), ("0.0000000001", "1n"), ("1M", "1M"), ("1000k", "1M"), ("10E", "9223372036854775807"),
        ("128974848", "128974848"), ("1.5", "1500m"), ("+1", "1"),
    ])
    func canonicalForms(text: String, canonical: String) throws {
        #expect(try Quantity(text).canonicalString == canonical)
    }
}
