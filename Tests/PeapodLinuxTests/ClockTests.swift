import Testing

@testable import PeapodLinux

@Suite struct ClockTests {
    @Test func hexDigitsAndDashes() {
        #expect(Clock.hex([0x00, 0x0f, 0xa0, 0xff], dashesAfter: []) == "000fa0ff")
        #expect(Clock.hex(Array(0..<16), dashesAfter: [4, 6, 8, 10]) == "00010203-0405-0607-0809-0a0b0c0d0e0f")
    }

    @Test func uuidsAreVersion4AndRandomHexHasTheLength() {
        let uuid = Clock.uuid()
        let parts = uuid.split(separator: "-").map(String.init)
        #expect(parts.map(\.count) == [8, 4, 4, 4, 12])
        #expect(parts[2].first == "4")
        #expect(["8", "9", "a", "b"].contains(parts[3].first.map(String.init) ?? ""))
        #expect(uuid.allSatisfy { "0123456789abcdef-".contains($0) })
        #expect(uuid != Clock.uuid())
        #expect(Clock.randomHex(6).count == 12)
    }
}
