import Foundation
import Testing

@testable import PeapodLinux

@Suite struct InstanceDirectoriesTests {
    let base = NSTemporaryDirectory() + "peapod-instances-\(UUID().uuidString)"

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    @Test func restartsUseASpareAndOldLayersGoWhenIdle() throws {
        defer { try? FileManager.default.removeItem(atPath: base) }
        let dirs = InstanceDirectories()
        let containerDir = { (name: String) in base + "/containers/" + name }

        // First instance: made on the spot; a container that never restarted gets no spare.
        let first = try dirs.take("app", fresh: containerDir("app") + "/one", restarted: false)
        #expect(first == containerDir("app") + "/one")
        for sub in ["upper", "work"] { #expect(exists(first + "/" + sub)) }
        #expect(!dirs.hasWork)

        // A restart: new layers; the old ones stay until the supervisor is idle.
        let second = try dirs.take("app", fresh: containerDir("app") + "/two", restarted: true)
        #expect(second == containerDir("app") + "/two")
        #expect(exists(first))
        #expect(dirs.hasWork)
        dirs.housekeeping { containerDir($0) + "/spare" }
        #expect(!exists(first))
        let spare = try #require(dirs.spares["app"])
        for sub in ["upper", "work"] { #expect(exists(spare + "/" + sub)) }
        #expect(!dirs.hasWork)

        // The next restart takes the spare instead of making directories.
        let third = try dirs.take("app", fresh: containerDir("app") + "/three", restarted: true)
        #expect(third == spare)
        #expect(!exists(containerDir("app") + "/three"))
        #expect(dirs.stale == [second])
    }

    @Test func aContainerThatIsNeverIdleDoesNotPileUpLayers() throws {
        defer { try? FileManager.default.removeItem(atPath: base) }
        let dirs = InstanceDirectories()
        for i in 0..<20 {
            _ = try dirs.take("crash", fresh: base + "/crash/\(i)", restarted: i > 0)
        }
        #expect(dirs.stale.count <= 8)
        let left = try FileManager.default.contentsOfDirectory(atPath: base + "/crash")
        #expect(left.count <= 9)
    }
}
