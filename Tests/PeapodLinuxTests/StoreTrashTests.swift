// The store's trash: a deleted pod's files are moved aside at once and removed by a purger.

import Foundation
import Testing

@testable import PeapodLinux
import PeapodTestSupport

@Suite struct StoreTrashTests {
    let base = NSTemporaryDirectory() + "peapod-trash-\(UUID().uuidString)"

    func make(_ path: String, file: Bool = false) throws {
        if file {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try "x".write(toFile: path, atomically: false, encoding: .utf8)
        } else {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
    }

    func entries(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0 != ".lock" }.sorted()
    }

    @Test("moveAside renames into the trash under a new name; a missing path is fine")
    func moveAside() throws {
        defer { try? FileManager.default.removeItem(atPath: base) }
        try make(base + "/pods/p/containers/c_1/upper/file", file: true)
        #expect(StoreTrash.moveAside(base + "/pods/p", trash: base + "/trash"))
        #expect(!FileManager.default.fileExists(atPath: base + "/pods/p"))
        let moved = entries(base + "/trash")
        #expect(moved.count == 1 && moved[0].hasPrefix("p."))
        #expect(StoreTrash.moveAside(base + "/pods/missing", trash: base + "/trash"))
        #expect(entries(base + "/trash").count == 1)
    }

    @Test("purge empties the trash, whatever the entries hold")
    func purgeEmpties() throws {
        defer { try? FileManager.default.removeItem(atPath: base) }
        let trash = base + "/trash"
        try make(trash + "/a.1/containers/c_1/upper/deep/file", file: true)
        try make(trash + "/b.2/0.log", file: true)
        try make(trash + "/c.3")
        StoreTrash.purge(trash)
        #expect(entries(trash).isEmpty)
    }

    @Test("a purger that finds the lock taken leaves the entries to the lock's holder")
    func oneAtATime() throws {
        defer { try? FileManager.default.removeItem(atPath: base) }
        let trash = base + "/trash"
        try make(trash + "/a.1/file", file: true)
        let lock = open(trash + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(lock >= 0 && flock(lock, LOCK_EX) == 0)
        StoreTrash.purge(trash)
        #expect(entries(trash) == ["a.1"])
        close(lock)
        StoreTrash.purge(trash)
        #expect(entries(trash).isEmpty)
    }

    @Test("purge empties a tree deeper than one descent, moving its depths up to the top")
    func purgeDeepTree() throws {
        defer { try? FileManager.default.removeItem(atPath: base) }
        let trash = base + "/trash"
        let deep = (0..<100).map { "d\($0)" }.joined(separator: "/")
        try make(trash + "/a.1/" + deep + "/file", file: true)
        try make(trash + "/a.1/" + deep + "/empty")
        StoreTrash.purge(trash)
        #expect(entries(trash).isEmpty)
        #expect(FileManager.default.fileExists(atPath: trash + "/.lock"))
    }

    @Test("purge gives up on an entry it cannot remove (a mount point) instead of looping",
          .requires("needs root to mount") { Root.isRoot })
    func purgeLeavesMountPoint() throws {
        let trash = base + "/trash"
        try make(trash + "/a.1/busy")
        try make(trash + "/b.2/file", file: true)
        #expect(mount("none", trash + "/a.1/busy", "tmpfs", 0, nil) == 0)
        defer {
            _ = umount2(trash + "/a.1/busy", Int32(MNT_DETACH))
            try? FileManager.default.removeItem(atPath: base)
        }
        StoreTrash.purge(trash)
        #expect(entries(trash) == ["a.1"])
        #expect(entries(trash + "/a.1") == ["busy"])
    }
}
