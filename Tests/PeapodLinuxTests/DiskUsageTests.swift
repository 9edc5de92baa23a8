// The disk usage walk (disk_usage.c) on temporary trees: blocks as du counts them, hard links
// once, symlinks not followed, deep trees, and the threaded measurement.

import Foundation
import Testing

@testable import PeapodLinux

@Suite struct DiskUsageTests {
    typealias TempDir = CRILogTests.TempDir

    static func blocks(_ path: String) -> Int64 {
        var info = stat()
        return lstat(path, &info) == 0 ? Int64(info.st_blocks) * 512 : -1
    }

    static func writeFile(_ path: String, bytes: Int) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 7, count: bytes))
    }

    @Test("Files and directories by their blocks; a hard-linked file once; a symlink's target not counted")
    func countsLikeDu() throws {
        let tmp = TempDir()
        let root = tmp.path + "/tree"
        try FileManager.default.createDirectory(atPath: root + "/a/b", withIntermediateDirectories: true)
        Self.writeFile(root + "/big", bytes: 3 * 1024 * 1024)
        Self.writeFile(root + "/a/small", bytes: 100)
        #expect(link(root + "/big", root + "/a/b/big-again") == 0)
        let outside = tmp.path + "/outside"
        Self.writeFile(outside, bytes: 5 * 1024 * 1024)
        #expect(symlink(outside, root + "/a/link") == 0)
        var expected: Int64 = 0
        for path in [root, root + "/a", root + "/a/b", root + "/big", root + "/a/small", root + "/a/link"] {
            expected += Self.blocks(path)
        }
        let measured = DiskUsage.bytes(root)
        #expect(measured == expected)
        #expect((measured ?? 0) >= 3 * 1024 * 1024 && (measured ?? 0) < 4 * 1024 * 1024)
        #expect(DiskUsage.bytes(tmp.path + "/missing") == 0)
        #expect(DiskUsage.bytes(outside) == Self.blocks(outside))
    }

    @Test("A tree deeper than the descriptor limit is walked to the bottom (one directory open at a time)")
    func deepTree() throws {
        let tmp = TempDir()
        let dir = tmp.path + "/deep"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // 1,200 levels: more than the usual 1,024 descriptors, within PATH_MAX for the cleanup.
        let base = open(dir, O_RDONLY | O_DIRECTORY)
        #expect(base >= 0)
        var fd = base
        for _ in 0..<1_200 {
            #expect(mkdirat(fd, "d", 0o755) == 0)
            let next = openat(fd, "d", O_RDONLY | O_DIRECTORY)
            if fd != base { close(fd) }
            fd = next
        }
        let file = openat(fd, "payload", O_WRONLY | O_CREAT, 0o644)
        let payload = [UInt8](repeating: 1, count: 1024 * 1024)
        #expect(write(file, payload, payload.count) == payload.count)
        close(file)
        close(fd)
        close(base)
        let measured = DiskUsage.bytes(dir) ?? 0
        // The megabyte at the bottom was reached.
        #expect(measured >= 1024 * 1024, "\(measured)")
    }

    @Test("The threaded measurement gives the same numbers, per path, and reports through its descriptor")
    func threaded() throws {
        let tmp = TempDir()
        try FileManager.default.createDirectory(atPath: tmp.path + "/x", withIntermediateDirectories: true)
        Self.writeFile(tmp.path + "/x/f", bytes: 200_000)
        let paths = [tmp.path + "/x", tmp.path + "/none", tmp.path + "/x/f"]
        let measurement = DiskUsageMeasurement(paths: paths)
        #expect(measurement.fd >= 0)
        var pfd = pollfd(fd: measurement.fd, events: Int16(POLLIN), revents: 0)
        #expect(poll(&pfd, 1, 5_000) == 1)
        #expect(measurement.finish() == paths.map { DiskUsage.bytes($0) ?? -1 })
        let cancelled = DiskUsageMeasurement(paths: paths)
        cancelled.cancel()
        #expect(cancelled.fd == -1)
    }
}
