/// A Kubernetes resource quantity ("500m", "1.5Gi", "1e3", "+0.5", "128974848").
///
/// Parsing follows apimachinery's `resource.ParseQuantity` (same accepted forms, same error
/// texts). `value` and `milliValue` round away from zero as Kubernetes does, and saturate at
/// `Int64.max`/`Int64.min`. Equality is on the written form (`original`); compare amounts with
/// `milliValue` or `compare(_:)`.
public struct Quantity: Sendable, Hashable, CustomStringConvertible {
    /// The text as written in the manifest (JSON numbers are kept as their text).
    public let original: String
    let negative: Bool
    let mantissa: [UInt8]     // decimal digits, no leading zeros ("" for zero)
    let decimalExponent: Int  // value = mantissa × 10^decimalExponent × 2^binaryExponent
    let binaryExponent: Int
    /// The suffix family, used for formatting: "" / decimal SI, binary SI, or exponent.
    public enum Format: Sendable, Hashable { case decimalSI, binarySI, decimalExponent }
    public let format: Format

    public static let formatError =
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    public static let suffixError = "unable to parse quantity's suffix"
    public static let numericError = "unable to parse numeric part of quantity"

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public var description: String { original }

    public static func == (a: Quantity, b: Quantity) -> Bool { a.original == b.original }
    public func hash(into h: inout Hasher) { h.combine(original) }

    /// Parses a quantity; throws with Kubernetes' own message when invalid.
    public init(_ text: String) throws(ParseError) {
        let str = Array(text.utf8)
        guard !str.isEmpty else { throw ParseError(message: Quantity.formatError) }
        var positive = true
        var pos = 0
        let end = str.count
        if str[0] == UInt8(ascii: "-") { positive = false; pos += 1 } else if str[0] == UInt8(ascii: "+") { pos += 1 }
        while pos < end && str[pos] == UInt8(ascii: "0") { pos += 1 }
        var num: ArraySlice<UInt8> = []
        var denom: ArraySlice<UInt8> = []
        var suffix: ArraySlice<UInt8> = []
        let ns = pos
        while pos < end && ByteClass.isDigit(str[pos]) { pos += 1 }
        num = str[ns..<pos]
        if pos < end && str[pos] == UInt8(ascii: ".") {
            pos += 1
            let ds = pos
            while pos < end && ByteClass.isDigit(str[pos]) { pos += 1 }
            denom = str[ds..<pos]
        }
        if pos < end {
            let ss = pos
            let letters = Array("eEinumkKMGTP".utf8)
            while pos < end && letters.contains(str[pos]) { pos += 1 }
            if pos < end && (str[pos] == UInt8(ascii: "-") || str[pos] == UInt8(ascii: "+")) { pos += 1 }
            while pos < end && ByteClass.isDigit(str[pos]) { pos += 1 }
            if pos < end { throw ParseError(message: Quantity.formatError) }
            suffix = str[ss..<end]
        }
        // Interpret the suffix.
        var decExp = 0
        var binExp = 0
        var format = Format.decimalSI
        switch String(decoding: suffix, as: UTF8.self) {
        case "": break
        case "n": decExp = -9
        case "u": decExp = -6
        case "m": decExp = -3
        case "k": decExp = 3
        case "M": decExp = 6
        case "G": decExp = 9
        case "T": decExp = 12
        case "P": decExp = 15
        case "E": decExp = 18
        case "Ki": binExp = 10; format = .binarySI
        case "Mi": binExp = 20; format = .binarySI
        case "Gi": binExp = 30; format = .binarySI
        case "Ti": binExp = 40; format = .binarySI
        case "Pi": binExp = 50; format = .binarySI
        case "Ei": binExp = 60; format = .binarySI
        case let s where s.count > 1 && (s.hasPrefix("e") || s.hasPrefix("E")):
            guard let e = Int32(s.dropFirst()) else { throw ParseError(message: Quantity.suffixError) }
            decExp = Int(e)
            format = .decimalExponent
        default:
            throw ParseError(message: Quantity.suffixError)
        }
        var digits = Array(num) + Array(denom)
        decExp -= denom.count
        while let f = digits.first, f == UInt8(ascii: "0") { digits.removeFirst() }
        // Trailing zeros move into the exponent (keeps numbers small).
        while let l = digits.last, l == UInt8(ascii: "0") { digits.removeLast(); decExp += 1 }
        self.original = text
        self.negative = !positive && !digits.isEmpty
        self.mantissa = digits.map { $0 - 0x30 }
        self.decimalExponent = digits.isEmpty ? 0 : decExp
        self.binaryExponent = digits.isEmpty ? 0 : binExp
        self.format = format
    }

    /// Whether the amount is zero.
    public var isZero: Bool { mantissa.isEmpty }
    /// Whether the amount is below zero.
    public var isNegative: Bool { negative }

    /// The amount in whole units, rounded away from zero (`Quantity.Value()`).
    public var value: Int64 { scaledValue(0) }
    /// The amount in thousandths, rounded away from zero (`Quantity.MilliValue()`).
    public var milliValue: Int64 { scaledValue(-3) }

    /// The amount in units of 10^scale, rounded away from zero, saturating at Int64 bounds.
    /// Amounts are capped at Int64.max whole units as Kubernetes caps them.
    public func scaledValue(_ scale: Int) -> Int64 {
        if mantissa.isEmpty { return 0 }
        let e = decimalExponent - scale
        var n = BigUInt(digits: mantissa)
        let limit = BigUInt(UInt64(Int64.max))
        if binaryExponent > 0 {
            for _ in 0..<(binaryExponent / 10) { n.multiply(by: 1024) }
        }
        if e >= 0 {
            if e > 40 { return negative ? Int64.min : Int64.max }
            for _ in 0..<e { n.multiply(by: 10) }
        } else {
            if -e > mantissa.count + 40 {
                return negative ? -1 : 1
            }
            var remainderSeen = false
            for _ in 0..<(-e) {
                if n.divide(by: 10) != 0 { remainderSeen = true }
            }
            if remainderSeen { n.add(1) }
        }
        // Cap at Int64.max whole units (as ParseQuantity does), expressed at this scale.
        var capped = n
        if scale < 0 {
            var cap = limit
            for _ in 0..<(-scale) { cap.multiply(by: 10) }
            if n > cap { capped = cap }
        }
        guard let v = capped.uint64, v <= UInt64(Int64.max) else { return negative ? Int64.min : Int64.max }
        return negative ? -Int64(v) : Int64(v)
    }

    /// Compares two amounts exactly.
    public func compare(_ other: Quantity) -> Int {
        if negative != other.negative { return negative ? -1 : 1 }
        if isZero && other.isZero { return 0 }
        // Bring both to the same scale: multiply by the missing powers.
        var a = BigUInt(digits: mantissa)
        var b = BigUInt(digits: other.mantissa)
        for _ in 0..<(binaryExponent / 10) { a.multiply(by: 1024) }
        for _ in 0..<(other.binaryExponent / 10) { b.multiply(by: 1024) }
        let ea = isZero ? other.decimalExponent : decimalExponent
        let eb = other.isZero ? decimalExponent : other.decimalExponent
        let lo = min(ea, eb)
        if ea - lo > 400 || eb - lo > 400 { return (ea > eb) != negative ? 1 : -1 }
        for _ in 0..<(ea - lo) { a.multiply(by: 10) }
        for _ in 0..<(eb - lo) { b.multiply(by: 10) }
        let c = a < b ? -1 : (a == b ? 0 : 1)
        return negative ? -c : c
    }
}

/// A minimal unsigned big integer (little-endian 32-bit limbs) for exact quantity arithmetic.
struct BigUInt: Equatable, Comparable {
    var limbs: [UInt32] = []

    init(_ v: UInt64) {
        if v != 0 { limbs = [UInt32(truncatingIfNeeded: v)] }
        if v >> 32 != 0 { limbs.append(UInt32(truncatingIfNeeded: v >> 32)) }
    }

    init(digits: [UInt8]) {
        for d in digits {
            multiply(by: 10)
            add(UInt32(d))
        }
    }

    mutating func multiply(by m: UInt32) {
        var carry: UInt64 = 0
        for i in limbs.indices {
            let p = UInt64(limbs[i]) * UInt64(m) + carry
            limbs[i] = UInt32(truncatingIfNeeded: p)
            carry = p >> 32
        }
        if carry != 0 { limbs.append(UInt32(carry)) }
        normalize()
    }

    mutating func add(_ a: UInt32) {
        var carry = UInt64(a)
        var i = 0
        while carry != 0 {
            if i == limbs.count { limbs.append(0) }
            let s = UInt64(limbs[i]) + carry
            limbs[i] = UInt32(truncatingIfNeeded: s)
            carry = s >> 32
            i += 1
        }
    }

    /// Divides in place and returns the remainder.
    mutating func divide(by d: UInt32) -> UInt32 {
        var rem: UInt64 = 0
        for i in limbs.indices.reversed() {
            let cur = (rem << 32) | UInt64(limbs[i])
            limbs[i] = UInt32(cur / UInt64(d))
            rem = cur % UInt64(d)
        }
        normalize()
        return UInt32(rem)
    }

    mutating func normalize() { while let l = limbs.last, l == 0 { limbs.removeLast() } }

    var uint64: UInt64? {
        switch limbs.count {
        case 0: return 0
        case 1: return UInt64(limbs[0])
        case 2: return UInt64(limbs[0]) | (UInt64(limbs[1]) << 32)
        default: return nil
        }
    }

    static func < (a: BigUInt, b: BigUInt) -> Bool {
        if a.limbs.count != b.limbs.count { return a.limbs.count < b.limbs.count }
        for i in a.limbs.indices.reversed() where a.limbs[i] != b.limbs[i] { return a.limbs[i] < b.limbs[i] }
        return false
    }
}

extension Quantity {
    /// The canonical form the API server stores and returns ("0.5" → "500m", "1024Mi" → "1Gi",
    /// "1.5Gi" → "1536Mi", "12e7" → "120e6"), after rounding up to nano units and capping at
    /// Int64.max units, as resource.Quantity does.
    public var canonical: Quantity {
        (try? Quantity(canonicalString)) ?? self
    }

    public var canonicalString: String {
        if mantissa.isEmpty { return "0" }
        let sign = negative ? "-" : ""
        // Exact value as N × 10^e (binary suffixes folded in).
        var n = BigUInt(digits: mantissa)
        for _ in 0..<(binaryExponent / 10) { n.multiply(by: 1024) }
        var e = decimalExponent
        // Round up (away from zero) to nano units.
        if e < -9 {
            var rem = false
            while e < -9 {
                if n.divide(by: 10) != 0 { rem = true }
                e += 1
            }
            if rem { n.add(1) }
        }
        // Cap at Int64.max units.
        if e >= 0 {
            var v = n
            var tooBig = false
            for _ in 0..<e {
                v.multiply(by: 10)
                if v.limbs.count > 2 { tooBig = true; break }
            }
            if tooBig || (v.uint64 ?? UInt64.max) > UInt64(Int64.max) {
                return sign + String(Int64.max)
            }
        }
        var format = self.format
        if format == .binarySI {
            // Below 1024 (in magnitude), or not a whole number: decimal SI.
            var whole = n
            var exact = true
            if e < 0 { for _ in 0..<(-e) where whole.divide(by: 10) != 0 { exact = false } } else { for _ in 0..<e { whole.multiply(by: 10) } }
            if !exact || whole < BigUInt(1024) {
                format = .decimalSI
            } else {
                var k = 0
                while k < 6 {
                    var t = whole
                    if t.divide(by: 1024) != 0 { break }
                    whole = t
                    k += 1
                }
                let suffix = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][k]
                return sign + whole.decimalString + suffix
            }
        }
        // Decimal: strip trailing zeros, then align the exponent to a multiple of 3.
        while !(n.limbs.isEmpty) {
            var t = n
            if t.divide(by: 10) != 0 { break }
            n = t
            e += 1
        }
        while e % 3 != 0 {
            n.multiply(by: 10)
            e -= 1
        }
        if format == .decimalExponent {
            return sign + n.decimalString + (e == 0 ? "" : "e\(e)")
        }
        while e > 18 {
            n.multiply(by: 10)
            e -= 1
        }
        let suffixes: [Int: String] = [-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"]
        return sign + n.decimalString + (suffixes[e] ?? "")
    }
}

extension BigUInt {
    var decimalString: String {
        if limbs.isEmpty { return "0" }
        var v = self
        var digits: [UInt8] = []
        while !v.limbs.isEmpty { digits.append(UInt8(v.divide(by: 10)) + 0x30) }
        return String(decoding: digits.reversed(), as: UTF8.self)
    }
}
