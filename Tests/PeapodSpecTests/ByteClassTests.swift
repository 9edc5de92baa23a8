// Every byte's classes against the Character properties they stand for.

import PeapodSpec
import Testing

@Suite("Byte classes")
struct ByteClassTests {
    @Test func everyByteIsClassedAsASCIIDefinesIt() {
        for value in 0...255 {
            let b = UInt8(value)
            let c = Character(Unicode.Scalar(b))
            let ascii = b < 0x80
            #expect(ByteClass.isDigit(b) == (ascii && c.isNumber), "\(b)")
            #expect(ByteClass.isLower(b) == (ascii && c.isLowercase), "\(b)")
            #expect(ByteClass.isUpper(b) == (ascii && c.isUppercase), "\(b)")
            #expect(ByteClass.isAlpha(b) == (ascii && c.isLetter), "\(b)")
            #expect(ByteClass.isAlnum(b) == (ascii && (c.isLetter || c.isNumber)), "\(b)")
            #expect(ByteClass.isLowerAlnum(b) == (ascii && (c.isLowercase || c.isNumber)), "\(b)")
            #expect(ByteClass.isHexDigit(b) == (ascii && c.isHexDigit), "\(b)")
            #expect(ByteClass.hexValue(b) == (ascii ? c.hexDigitValue.map(UInt8.init) : nil), "\(b)")
            #expect(ByteClass.isLowerHexDigit(b) == (ascii && c.isHexDigit && !c.isUppercase), "\(b)")
            let lower = ascii ? UInt8(ascii: c.lowercased().unicodeScalars.first!) : b
            let upper = ascii ? UInt8(ascii: c.uppercased().unicodeScalars.first!) : b
            #expect(ByteClass.lowercased(b) == lower, "\(b)")
            #expect(ByteClass.uppercased(b) == upper, "\(b)")
        }
    }
}
