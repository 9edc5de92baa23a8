// peapod cp's host side against hostile streams: whatever a container sends, nothing is written
// outside the destination, and no symlink is written through. No root needed.

import Foundation
@testable import PeapodLinux
import Testing

struct CopySafetyTests {
    /// A fresh directory holding `dest/` and `outside/` (what must stay untouched).
    func sandbox() throws -> String {
        let base = NSTemporaryDirectory() + "peapod-cp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: base + "/outside", withIntermediateDirectories: true)
        return base
    }

    func write(_ frames: [CopyFrame], to destination: String, source: String = "src") throws -> SafeTreeWriter {
        let writer = SafeTreeWriter(destination: destination, sourceName: source)
        var decoder = CopyFrameDecoder()
        for frame in frames { decoder.append(frame.encoded()) }
        while let frame = try decoder.next() { try writer.apply(frame) }
        writer.finish()
        return writer
    }

    func file(_ path: String, _ text: String) -> [CopyFrame] {
        [CopyFrame(.file, path: path, mode: 0o100644), CopyFrame(.data, data: Array(text.utf8)), CopyFrame(.fileEnd, path: path)]
    }

    @Test func framesRoundTrip() throws {
        var decoder = CopyFrameDecoder()
        let frames = [CopyFrame(.directory, path: "", mode: 0o40755), CopyFrame(.symlink, path: "a/b", data: Array("/x".utf8)),
                      CopyFrame(.error, path: "/p", mode: 80, err: 2)]
        let bytes = frames.flatMap { $0.encoded() }
        // In pieces, as a socket delivers them.
        var out: [CopyFrame] = []
        for chunk in stride(from: 0, to: bytes.count, by: 7) {
            decoder.append(Array(bytes[chunk..<min(chunk + 7, bytes.count)]))
            while let frame = try decoder.next() { out.append(frame) }
        }
        #expect(out == frames)
        var bad = CopyFrameDecoder()
        bad.append([99, 0, 0, 0] + [UInt8](repeating: 0, count: 20))
        #expect(throws: CopyStreamError.self) { _ = try bad.next() }
        var long = CopyFrameDecoder()
        long.append(CopyFrame(.data).encoded().enumerated().map { $0.offset == 14 ? 0xff : $0.element })
        #expect(throws: CopyStreamError.self) { _ = try long.next() }
    }

    @Test func entryPaths() {
        for good in ["", "a", "a/b", "a.b/..c", ".hidden"] { #expect(CopyFrame.isSafeEntryPath(Array(good.utf8)), "\(good)") }
        for bad in ["/etc/passwd", "..", "../x", "a/../../x", "a//b", "a/./b", "a/", "a\0b"] {
            #expect(!CopyFrame.isSafeEntryPath(Array(bad.utf8)), "\(bad)")
        }
    }

    @Test func aTreeIsWrittenBeneathTheDestination() throws {
        let base = try sandbox()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let writer = try write([CopyFrame(.directory, path: "", mode: 0o40755), CopyFrame(.directory, path: "sub", mode: 0o40700)]
            + file("sub/f", "data") + [CopyFrame(.symlink, path: "link", data: Array("/etc".utf8))]
            + file("x", "setuid bits dropped").map { var f = $0; if f.type == .file { f.mode = 0o104755 }; return f },
            to: base + "/dest")
        #expect(writer.failures == 0, "\(writer.warnings)")
        #expect(try String(contentsOfFile: base + "/dest/sub/f", encoding: .utf8) == "data")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: base + "/dest/link") == "/etc")
        let mode = (try FileManager.default.attributesOfItem(atPath: base + "/dest/x")[.posixPermissions] as? Int) ?? 0
        #expect(mode & 0o7000 == 0)
    }

    @Test func hostileEntriesNeverLeaveTheDestination() throws {
        let base = try sandbox()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let frames: [CopyFrame] = [CopyFrame(.directory, path: "", mode: 0o40755)]
            + file("../outside/dotdot", "x") + file("/" + base + "/outside/absolute", "x")
            + file("a/../../outside/inner", "x")
            // A symlink to the outside, then entries written through it.
            + [CopyFrame(.symlink, path: "escape", data: Array((base + "/outside").utf8))]
            + file("escape/through", "x")
            + [CopyFrame(.directory, path: "escape", mode: 0o40755)]
            + file("escape/again", "x")
            // A relative symlink climbing out, then a file of the same name (it replaces the link).
            + [CopyFrame(.symlink, path: "up", data: Array("../outside/victim".utf8))]
            + file("up", "replaced, not followed")
        let writer = try write(frames, to: base + "/dest")
        #expect(try FileManager.default.contentsOfDirectory(atPath: base + "/outside").isEmpty)
        #expect(writer.warnings.contains { $0.contains("is outside target destination, skipping") })
        #expect(writer.failures >= 5)
        #expect(try String(contentsOfFile: base + "/dest/up", encoding: .utf8) == "replaced, not followed")
    }

    @Test func aSymlinkAlreadyInTheDestinationIsNotFollowed() throws {
        let base = try sandbox()
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/dest", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: base + "/dest/planted", withDestinationPath: base + "/outside")
        // The destination exists: the tree merges into it, and "planted" is not a way out.
        let writer = try write([CopyFrame(.directory, path: "", mode: 0o40755)] + file("planted/x", "x"), to: base + "/dest")
        #expect(writer.failures == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: base + "/outside").isEmpty)
    }

    @Test func aFileIntoAnExistingDirectoryTakesTheSourceName() throws {
        let base = try sandbox()
        defer { try? FileManager.default.removeItem(atPath: base) }
        _ = try write(file("", "one"), to: base + "/outside", source: "name.txt")
        #expect(try String(contentsOfFile: base + "/outside/name.txt", encoding: .utf8) == "one")
        _ = try write(file("", "two"), to: base + "/renamed.txt", source: "name.txt")
        #expect(try String(contentsOfFile: base + "/renamed.txt", encoding: .utf8) == "two")
    }

    @Test func attachFramesAndDetachKeys() throws {
        var decoder = AttachFrameDecoder()
        let hello = AttachFrame.hello(container: "c", stdin: true, tty: true, rows: 40, cols: 120)
        decoder.append(ArraySlice(hello.encoded() + AttachFrame(.stdin, [1, 2]).encoded()))
        let first = try #require(try decoder.next())
        #expect(first == hello && first.size(at: 1)! == (40, 120))
        #expect(try decoder.next() == AttachFrame(.stdin, [1, 2]))
        var keys = DetachKeys()
        #expect(keys.filter([0x61, 0x10]) == ([0x61], false))
        #expect(keys.filter([0x62]) == ([0x10, 0x62], false))
        #expect(keys.filter([0x63, 0x10, 0x11, 0x64]) == ([0x63], true))
    }
}
