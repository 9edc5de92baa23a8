// SHA-256 (FIPS 180-4) for image ids. The package takes no crypto dependency (and no Foundation)
// for this one use; the ids only need to be stable and collision-free, and this is checked
// against the standard test vectors.
//
// Every `peapod run` and every supervisor hashes an image reference to find the image's folder,
// so the hash works on raw memory: the message schedule lives on the stack, blocks are read
// straight from the input's UTF-8 bytes, and all arithmetic is unchecked (a bounds-checked,
// array-per-block version was many times slower; docs/benchmarks.md).

struct SHA256 {
    private var state: [UInt32] = SHA256.initialState
    /// Bytes of the current, not yet complete block (`pending` of them are valid).
    private var block = [UInt8](repeating: 0, count: 64)
    private var pending = 0
    private var length: UInt64 = 0

    private static let initialState: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]

    private static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        if done != nil { return }
        for byte in bytes {
            block[pending] = byte
            pending &+= 1
            length &+= 1
            if pending == 64 { compressPendingBlock() }
        }
    }

    mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var input = bytes.baseAddress, bytes.count > 0 else { return }
        var remaining = bytes.count
        length &+= UInt64(remaining)
        if pending > 0 {
            let take = min(64 &- pending, remaining)
            block.withUnsafeMutableBytes { $0.baseAddress!.advanced(by: pending).copyMemory(from: input, byteCount: take) }
            pending &+= take
            input += take
            remaining &-= take
            if pending < 64 { return }
            compressPendingBlock()
        }
        if remaining >= 64 {
            let blocks = remaining / 64
            let start = input
            state.withUnsafeMutableBufferPointer { state in
                for i in 0..<blocks { Self.compress(state.baseAddress!, start + i &* 64) }
            }
            input += blocks &* 64
            remaining &-= blocks &* 64
        }
        if remaining > 0 {
            block.withUnsafeMutableBytes { $0.baseAddress!.copyMemory(from: input, byteCount: remaining) }
            pending = remaining
        }
    }

    private mutating func compressPendingBlock() {
        block.withUnsafeBytes { block in
            state.withUnsafeMutableBufferPointer { Self.compress($0.baseAddress!, block.baseAddress!) }
        }
        pending = 0
    }

    /// Finishes and returns the digest as 64 lower-case hex digits.
    mutating func finalizeHex() -> String {
        let bitLength = length &* 8
        // 0x80, zeros up to 56 mod 64, then the message length in bits, big-endian.
        block[pending] = 0x80
        pending &+= 1
        if pending > 56 {
            for i in pending..<64 { block[i] = 0 }
            compressPendingBlock()
        }
        for i in pending..<56 { block[i] = 0 }
        for i in 0..<8 { block[56 &+ i] = UInt8(truncatingIfNeeded: bitLength >> UInt64(56 &- 8 &* i)) }
        compressPendingBlock()
        return state.withUnsafeBufferPointer { state in
            String(unsafeUninitializedCapacity: 64) { out in
                for (n, word) in state.enumerated() {
                    for j in 0..<8 {
                        let nibble = UInt8(truncatingIfNeeded: word >> UInt32(28 &- 4 &* j)) & 0xf
                        out[n &* 8 &+ j] = nibble < 10 ? 0x30 &+ nibble : 0x57 &+ nibble
                    }
                }
                return 64
            }
        }
    }

    static func hex(_ text: String) -> String {
        var hasher = SHA256()
        hasher.update(text)
        return hasher.finalizeHex()
    }

    /// One 64-byte block into the eight state words.
    private static func compress(_ state: UnsafeMutablePointer<UInt32>, _ block: UnsafeRawPointer) {
        k.withUnsafeBufferPointer { kBuffer in
            let k = kBuffer.baseAddress!
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { wBuffer in
                let w = wBuffer.baseAddress!
                for i in 0..<16 {
                    w[i] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self))
                }
                for i in 16..<64 {
                    let w15 = w[i &- 15], w2 = w[i &- 2]
                    let s0 = w15.rotatedRight(7) ^ w15.rotatedRight(18) ^ (w15 &>> 3)
                    let s1 = w2.rotatedRight(17) ^ w2.rotatedRight(19) ^ (w2 &>> 10)
                    w[i] = w[i &- 16] &+ s0 &+ w[i &- 7] &+ s1
                }
                var a = state[0], b = state[1], c = state[2], d = state[3]
                var e = state[4], f = state[5], g = state[6], h = state[7]
                for i in 0..<64 {
                    let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
                    let choice = (e & f) ^ (~e & g)
                    let t1 = h &+ s1 &+ choice &+ k[i] &+ w[i]
                    let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
                    let majority = (a & b) ^ (a & c) ^ (b & c)
                    let t2 = s0 &+ majority
                    h = g; g = f; f = e; e = d &+ t1
                    d = c; c = b; b = a; a = t1 &+ t2
                }
                state[0] &+= a; state[1] &+= b; state[2] &+= c; state[3] &+= d
                state[4] &+= e; state[5] &+= f; state[6] &+= g; state[7] &+= h
            }
        }
    }
}

extension UInt32 {
    @inline(__always)
    fileprivate func rotatedRight(_ n: UInt32) -> UInt32 { (self &>> n) | (self &<< (32 &- n)) }
}
