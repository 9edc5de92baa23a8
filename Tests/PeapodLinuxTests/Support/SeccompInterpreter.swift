// A classic-BPF interpreter for seccomp programs, as the kernel runs them on struct seccomp_data
// (nr, arch, instruction_pointer, args[6]), so tests can ask a compiled filter what it does with
// a call without loading it.

@testable import PeapodLinux

struct SeccompCall {
    var nr: Int32
    var arch: UInt32
    var instructionPointer: UInt64 = 0
    var args: [UInt64] = [0, 0, 0, 0, 0, 0]

    init(_ nr: Int32, arch: UInt32, args: [UInt64] = []) {
        self.nr = nr
        self.arch = arch
        for (i, a) in args.enumerated() { self.args[i] = a }
    }

    /// struct seccomp_data as the kernel lays it out: 64 bytes in this machine's byte order.
    var bytes: [UInt8] {
        var data: [UInt8] = []
        withUnsafeBytes(of: nr) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: arch) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: instructionPointer) { data.append(contentsOf: $0) }
        for a in args { withUnsafeBytes(of: a) { data.append(contentsOf: $0) } }
        return data
    }
}

/// What a seccomp program returned, split as the kernel splits it.
struct SeccompVerdict: Equatable, CustomStringConvertible {
    var value: UInt32
    var action: UInt32 { value & 0xffff_0000 }
    var data: UInt32 { value & 0x0000_ffff }

    static let killProcess: UInt32 = 0x8000_0000
    static let killThread: UInt32 = 0x0000_0000
    static let trap: UInt32 = 0x0003_0000
    static let errno: UInt32 = 0x0005_0000
    static let userNotif: UInt32 = 0x7fc0_0000
    static let trace: UInt32 = 0x7ff0_0000
    static let log: UInt32 = 0x7ffc_0000
    static let allow: UInt32 = 0x7fff_0000

    var isAllowed: Bool { action == Self.allow }
    func isErrno(_ e: Int32) -> Bool { action == Self.errno && data == UInt32(e) }

    var description: String {
        switch action {
        case Self.allow: return "ALLOW"
        case Self.errno: return "ERRNO(\(data))"
        case Self.killProcess: return "KILL_PROCESS"
        case Self.killThread: return "KILL_THREAD"
        case Self.trap: return "TRAP"
        case Self.trace: return "TRACE(\(data))"
        case Self.log: return "LOG"
        default: return "0x" + String(value, radix: 16)
        }
    }
}

struct BPFError: Error, CustomStringConvertible {
    var description: String
}

enum SeccompInterpreter {
    /// Runs `program` on `call` the way the kernel's classic-BPF interpreter does, refusing what
    /// the kernel's seccomp checker would refuse (loads outside seccomp_data, jumps out of the
    /// program, falling off its end, division by zero).
    static func run(_ program: [UInt64], _ call: SeccompCall) throws -> SeccompVerdict {
        try execute(program, call).verdict
    }

    /// The verdict and how many instructions the kernel would run to reach it.
    static func execute(_ program: [UInt64], _ call: SeccompCall) throws -> (verdict: SeccompVerdict, steps: Int) {
        let data = call.bytes
        var a: UInt32 = 0
        var x: UInt32 = 0
        var memory = [UInt32](repeating: 0, count: 16)
        var pc = 0
        var steps = 0
        func word(_ offset: UInt32) throws -> UInt32 {
            let o = Int(offset)
            guard o % 4 == 0, o + 4 <= data.count else { throw BPFError(description: "load at \(offset) outside seccomp_data") }
            return data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: o, as: UInt32.self) }
        }
        while true {
            guard pc >= 0, pc < program.count else { throw BPFError(description: "fell off the program at \(pc)") }
            steps += 1
            guard steps <= 100_000 else { throw BPFError(description: "does not terminate") }
            var raw = program[pc]
            let (code, jt, jf, k): (UInt16, UInt8, UInt8, UInt32) = withUnsafeBytes(of: &raw) {
                ($0.load(fromByteOffset: 0, as: UInt16.self), $0.load(fromByteOffset: 2, as: UInt8.self),
                 $0.load(fromByteOffset: 3, as: UInt8.self), $0.load(fromByteOffset: 4, as: UInt32.self))
            }
            pc += 1
            let cls = code & 0x07
            let source = code & 0x08  // BPF_K = 0, BPF_X = 8
            let operand = source == 0 ? k : x
            switch cls {
            case 0x00, 0x01:  // BPF_LD, BPF_LDX
                let mode = code & 0xe0
                let size = code & 0x18
                var value: UInt32
                switch mode {
                case 0x00:  // BPF_IMM
                    value = k
                case 0x20:  // BPF_ABS
                    guard size == 0x00 else { throw BPFError(description: "only 32-bit loads reach seccomp_data") }
                    value = try word(k)
                case 0x60:  // BPF_MEM
                    guard k < 16 else { throw BPFError(description: "scratch slot \(k)") }
                    value = memory[Int(k)]
                case 0x80:  // BPF_LEN
                    value = UInt32(data.count)
                default:
                    throw BPFError(description: "load mode 0x\(String(mode, radix: 16)) not allowed in seccomp")
                }
                if cls == 0x00 { a = value } else { x = value }
            case 0x02, 0x03:  // BPF_ST, BPF_STX
                guard k < 16 else { throw BPFError(description: "scratch slot \(k)") }
                memory[Int(k)] = cls == 0x02 ? a : x
            case 0x04:  // BPF_ALU
                switch code & 0xf0 {
                case 0x00: a = a &+ operand
                case 0x10: a = a &- operand
                case 0x20: a = a &* operand
                case 0x30:
                    guard operand != 0 else { throw BPFError(description: "division by zero") }
                    a = a / operand
                case 0x40: a = a | operand
                case 0x50: a = a & operand
                case 0x60: a = operand >= 32 ? 0 : a << operand
                case 0x70: a = operand >= 32 ? 0 : a >> operand
                case 0x80: a = 0 &- a
                case 0x90:
                    guard operand != 0 else { throw BPFError(description: "modulo by zero") }
                    a = a % operand
                case 0xa0: a = a ^ operand
                default: throw BPFError(description: "ALU op 0x\(String(code, radix: 16))")
                }
            case 0x05:  // BPF_JMP
                let op = code & 0xf0
                if op == 0x00 {  // BPF_JA
                    pc += Int(k)
                    continue
                }
                let taken: Bool
                switch op {
                case 0x10: taken = a == operand  // JEQ
                case 0x20: taken = a > operand  // JGT
                case 0x30: taken = a >= operand  // JGE
                case 0x40: taken = a & operand != 0  // JSET
                default: throw BPFError(description: "jump op 0x\(String(code, radix: 16))")
                }
                pc += Int(taken ? jt : jf)
            case 0x06:  // BPF_RET
                switch code & 0x18 {
                case 0x00: return (SeccompVerdict(value: k), steps)
                case 0x10: return (SeccompVerdict(value: a), steps)
                default: throw BPFError(description: "return source 0x\(String(code, radix: 16))")
                }
            case 0x07:  // BPF_MISC
                if code & 0xf8 == 0x00 { x = a } else { a = x }  // TAX, TXA
            default:
                throw BPFError(description: "instruction class \(cls)")
            }
        }
    }
}

/// AUDIT_ARCH_* values (linux/audit.h) of the architectures the tests run calls for.
enum AuditArch {
    static let x86_64: UInt32 = 0xC000_003E
    static let i386: UInt32 = 0x4000_0003
    static let aarch64: UInt32 = 0xC000_00B7
    static let arm: UInt32 = 0x4000_0028
    static let riscv64: UInt32 = 0xC000_00F3

    static func of(_ a: SeccompArchitecture) -> UInt32? {
        switch a {
        case .x86_64: return x86_64
        case .x86: return i386
        case .aarch64: return aarch64
        case .arm: return arm
        case .riscv64: return riscv64
        default: return nil
        }
    }
}
