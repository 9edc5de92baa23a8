// An interpreter for the eBPF device filters DeviceFilter.program assembles, for the few opcodes
// it emits, run on struct bpf_cgroup_dev_ctx as the kernel fills it; and the verifier's shape
// rules those programs must meet (jumps forward and in range, every instruction reachable, no
// falling off the end). Tests ask a program what it does with an access without loading it.
// Instructions are decoded from this machine's byte order, which is little-endian on every
// platform Peapod runs on.

/// The access the kernel asks about: type 1 block, 2 char; access bits m=1, r=2, w=4.
struct DeviceRequest: CustomStringConvertible {
    var type: UInt32
    var access: UInt32
    var major: UInt32
    var minor: UInt32

    static let block: UInt32 = 1
    static let char: UInt32 = 2

    /// The context's three u32 fields.
    var context: [UInt32] { [(access << 16) | type, major, minor] }

    var description: String {
        let bits = (access & 2 != 0 ? "r" : "") + (access & 4 != 0 ? "w" : "") + (access & 1 != 0 ? "m" : "")
        return "\(type == Self.block ? "b" : "c") \(major):\(minor) \(bits)"
    }
}

struct BPFInstruction: Equatable, CustomStringConvertible {
    var code: UInt8
    var dst: Int
    var src: Int
    var off: Int16
    var imm: Int32

    init(_ word: UInt64) {
        code = UInt8(truncatingIfNeeded: word)
        dst = Int((word >> 8) & 0xf)
        src = Int((word >> 12) & 0xf)
        off = Int16(truncatingIfNeeded: word >> 16)
        imm = Int32(truncatingIfNeeded: word >> 32)
    }

    // Opcodes (class | op | source) the assembler may emit.
    static let loadWord: UInt8 = 0x61         // BPF_LDX | BPF_MEM | BPF_W
    static let and32Imm: UInt8 = 0x54         // BPF_ALU | BPF_AND | BPF_K
    static let rsh32Imm: UInt8 = 0x74         // BPF_ALU | BPF_RSH | BPF_K
    static let mov32Reg: UInt8 = 0xbc         // BPF_ALU | BPF_MOV | BPF_X
    static let mov64Imm: UInt8 = 0xb7         // BPF_ALU64 | BPF_MOV | BPF_K
    static let jneImm: UInt8 = 0x55           // BPF_JMP | BPF_JNE | BPF_K
    static let jneReg: UInt8 = 0x5d           // BPF_JMP | BPF_JNE | BPF_X
    static let exit: UInt8 = 0x95             // BPF_JMP | BPF_EXIT

    var isJump: Bool { code == Self.jneImm || code == Self.jneReg }

    var description: String {
        switch code {
        case Self.loadWord: return "r\(dst) = *(u32 *)(r\(src) + \(off))"
        case Self.and32Imm: return "w\(dst) &= \(imm)"
        case Self.rsh32Imm: return "w\(dst) >>= \(imm)"
        case Self.mov32Reg: return "w\(dst) = w\(src)"
        case Self.mov64Imm: return "r\(dst) = \(imm)"
        case Self.jneImm: return "if r\(dst) != \(imm) goto +\(off)"
        case Self.jneReg: return "if r\(dst) != r\(src) goto +\(off)"
        case Self.exit: return "exit"
        default: return "unknown opcode 0x\(String(code, radix: 16))"
        }
    }
}

struct DeviceFilterError: Error, CustomStringConvertible {
    var description: String
}

enum DeviceFilterInterpreter {
    /// The verifier's control-flow rules for these programs: known opcodes, jumps forward and
    /// inside the program, every instruction reachable, and no path past the last one.
    static func check(_ program: [UInt64]) throws(DeviceFilterError) {
        let insns = program.map(BPFInstruction.init)
        guard !insns.isEmpty else { throw DeviceFilterError(description: "empty program") }
        var reachable = [Bool](repeating: false, count: insns.count)
        reachable[0] = true
        for (pc, i) in insns.enumerated() where reachable[pc] {
            if i.description.hasPrefix("unknown") { throw DeviceFilterError(description: "\(pc): \(i)") }
            if i.code == BPFInstruction.exit { continue }
            guard pc + 1 < insns.count else { throw DeviceFilterError(description: "\(pc): falls off the end") }
            reachable[pc + 1] = true
            if i.isJump {
                let target = pc + 1 + Int(i.off)
                guard i.off >= 0, target < insns.count else {
                    throw DeviceFilterError(description: "\(pc): jump to \(target) out of range or backwards")
                }
                reachable[target] = true
            }
        }
        if let pc = reachable.firstIndex(of: false) { throw DeviceFilterError(description: "\(pc): unreachable") }
    }

    /// r0 at exit: 1 allows, 0 refuses.
    static func run(_ program: [UInt64], _ request: DeviceRequest) throws(DeviceFilterError) -> UInt64 {
        let insns = program.map(BPFInstruction.init)
        let context = request.context
        var regs = [UInt64?](repeating: nil, count: 11)
        regs[1] = 0    // the context pointer; loads go through `context`
        var r1IsContext = true
        var pc = 0
        func reg(_ r: Int) throws(DeviceFilterError) -> UInt64 {
            guard let v = regs[r] else { throw DeviceFilterError(description: "\(pc): r\(r) read before it is set") }
            return v
        }
        for _ in 0..<(insns.count + 1) {
            guard pc < insns.count else { throw DeviceFilterError(description: "ran off the end") }
            let i = insns[pc]
            pc += 1
            defer { if i.dst == 1 && !i.isJump && i.code != BPFInstruction.exit { r1IsContext = false } }
            switch i.code {
            case BPFInstruction.loadWord:
                guard i.src == 1, r1IsContext, i.off >= 0, i.off % 4 == 0, Int(i.off) / 4 < context.count else {
                    throw DeviceFilterError(description: "\(pc - 1): bad context load \(i)")
                }
                regs[i.dst] = UInt64(context[Int(i.off) / 4])
            case BPFInstruction.and32Imm:
                regs[i.dst] = UInt64(UInt32(truncatingIfNeeded: try reg(i.dst)) & UInt32(bitPattern: i.imm))
            case BPFInstruction.rsh32Imm:
                regs[i.dst] = UInt64(UInt32(truncatingIfNeeded: try reg(i.dst)) >> UInt32(i.imm & 31))
            case BPFInstruction.mov32Reg:
                regs[i.dst] = UInt64(UInt32(truncatingIfNeeded: try reg(i.src)))
            case BPFInstruction.mov64Imm:
                regs[i.dst] = UInt64(bitPattern: Int64(i.imm))
            case BPFInstruction.jneImm:
                if try reg(i.dst) != UInt64(bitPattern: Int64(i.imm)) { pc += Int(i.off) }
            case BPFInstruction.jneReg:
                if try reg(i.dst) != (try reg(i.src)) { pc += Int(i.off) }
            case BPFInstruction.exit:
                return try reg(0)
            default:
                throw DeviceFilterError(description: "\(pc - 1): \(i)")
            }
        }
        throw DeviceFilterError(description: "no exit within \(insns.count) steps (a loop)")
    }
}
