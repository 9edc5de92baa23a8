import Foundation
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

@Suite struct StoreDirectoryTests {
    @Test("The store and run roots, pods/ and logs/ (0700) are made, again without harm, and marked for ext4's spreading allocator")
    func podsAndLogsDirectories() throws {
        let base = NSTemporaryDirectory() + "peapod-store-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: base) }
        let store = PodStore(root: base + "/root", runRoot: base + "/run")
        try store.prepareDirectories()
        try store.prepareDirectories()
        let pods = try FileManager.default.attributesOfItem(atPath: store.podsDir)
        let logs = try FileManager.default.attributesOfItem(atPath: store.logsDir)
        #expect((pods[.posixPermissions] as? Int) == 0o700)
        #expect((logs[.posixPermissions] as? Int) == 0o700)
        for top in [store.root, store.runRoot] {
            #expect((try FileManager.default.attributesOfItem(atPath: top)[.posixPermissions] as? Int) == 0o700)
        }
        // On ext4 (this project's build machines) the directories carry the T flag.
        guard try output("/usr/bin/stat", ["-f", "-c", "%T", base]) == "ext2/ext3\n", geteuid() == 0 else { return }
        let flags = try output("/usr/bin/lsattr", ["-d", store.podsDir, store.logsDir])
            .split(separator: "\n").map { $0.split(separator: " ").first.map(String.init) ?? "" }
        #expect(flags.count == 2 && flags.allSatisfy { $0.contains("T") }, "\(flags)")
    }

    func output(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        process.waitUntilExit()
        return String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}
