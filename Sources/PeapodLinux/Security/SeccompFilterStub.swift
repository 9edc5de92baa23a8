// Placeholder until the seccomp compiler lands: a compiled program's instructions.
public final class SeccompFilter: @unchecked Sendable {
    let storage: UnsafeMutableRawPointer
    public let instructionCount: Int
    public init(instructions: [UInt64]) {
        instructionCount = instructions.count
        storage = UnsafeMutableRawPointer.allocate(byteCount: max(8, instructions.count * 8), alignment: 8)
        instructions.withUnsafeBytes { storage.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
    }
    deinit { storage.deallocate() }
    var instructionPointer: UnsafeRawPointer { UnsafeRawPointer(storage) }
}

public enum SeccompSource: Hashable, Sendable {
    case runtimeDefault
    case localhost(String)
}

public final class SeccompFilters {
    public init(profilesDirectory: String) {}
    private var cache: [String: SeccompFilter] = [:]
    public func filter(for source: SeccompSource, capabilities: UInt64) throws -> SeccompFilter {
        let key = "\(source)/\(capabilities)"
        if let f = cache[key] { return f }
        let f = SeccompFilter(instructions: [0x7fff_0000_0000_0006])
        cache[key] = f
        return f
    }
}

extension SeccompFilter {
    public func write(to path: String) throws {
        let bytes = [UInt8](UnsafeRawBufferPointer(start: instructionPointer, count: instructionCount * 8))
        try FileSystem.writeFile(path, bytes, mode: 0o600)
    }
    public static func read(from path: String) throws -> SeccompFilter {
        let bytes = try FileSystem.readBytes(path)
        var words: [UInt64] = []
        for i in stride(from: 0, to: bytes.count - 7, by: 8) {
            var w: UInt64 = 0
            for j in 0..<8 { w |= UInt64(bytes[i + j]) << (8 * UInt64(j)) }
            words.append(w)
        }
        return SeccompFilter(instructions: words)
    }
}
