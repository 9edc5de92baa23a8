// Container log rotation (the kubelet's containerLogMaxSize / containerLogMaxFiles) on temporary
// directories: the writer's files and names, no record split or lost, and the reader across the
// rotation (read, tail, follow).

import Foundation
import Testing

@testable import PeapodLinux

@Suite struct LogRotationTests {
    typealias TempDir = CRILogTests.TempDir

    static func names(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? -1
    }

    static func text(_ lines: [CRILogLine]) -> [String] {
        lines.map { String(decoding: $0.content, as: UTF8.self) }
    }

    @Test("Files stay within the size, at most maxFiles exist, every record is whole, the kept lines are the newest in order")
    func rotatesWithinTheLimits() throws {
        let tmp = TempDir()
        let path = tmp.path + "/app/0.log"
        let writer = try CRILogWriter(path: path)
        writer.rotation = CRILogRotation(maxSize: 4096, maxFiles: 3)
        var written: [String] = []
        for i in 0..<2_000 {
            let line = "line \(i) " + String(repeating: "x", count: i % 90)
            written.append(line)
            // Odd pieces, as pipe reads come: records are cut at newlines, never at rotations.
            writer.write(Array((line + "\n").utf8), stream: i % 5 == 0 ? .stderr : .stdout)
        }
        writer.close()
        #expect(writer.lastError == nil)
        let files = CRILogFiles.all(of: path)
        #expect(files.count == 3)
        #expect(Self.names(tmp.path + "/app").count == 3)
        #expect(files.last == path)
        for file in files {
            let size = Self.size(file)
            #expect(size > 0 && size <= 4096, "\(file): \(size)")
            let bytes = Array(FileManager.default.contents(atPath: file)!)
            #expect(bytes.last == 10)
            // Every line of every file is a record.
            for record in bytes.split(separator: 10) { #expect(CRILogRecord.parse(Array(record)) != nil) }
        }
        // The rotated names are the kubelet's: 0.log.YYYYMMDD-hhmmss, with a sequence number
        // for more rotations within one second.
        let suffix = String(files[0].dropFirst(path.count + 1))
        #expect(suffix.count >= 15 && CRILogFiles.order(ofSuffix: Substring(suffix)) != nil, "\(suffix)")
        let read = Self.text(try CRILogReader(path: path).read().lines)
        #expect(read.count > 50)
        #expect(read == Array(written.suffix(read.count)))
    }

    @Test("A long line's P records may straddle a rotation; the reader joins them")
    func partialRecordsAcrossRotation() throws {
        let tmp = TempDir()
        let path = tmp.path + "/0.log"
        let writer = try CRILogWriter(path: path, maxLineSize: 100)
        writer.rotation = CRILogRotation(maxSize: 300, maxFiles: 10)
        let long = String(repeating: "L", count: 950)
        writer.write(Array("first\n\(long)\nlast\n".utf8), stream: .stdout)
        writer.close()
        #expect(CRILogFiles.rotated(of: path).count >= 3)
        #expect(Self.text(try CRILogReader(path: path).read().lines) == ["first", long, "last"])
        #expect(Self.text(try CRILogReader(path: path).tail(2).lines) == [long, "last"])
    }

    @Test("tail(n) across rotated files equals the end of the whole log")
    func tailAcrossFiles() throws {
        let tmp = TempDir()
        let path = tmp.path + "/0.log"
        let writer = try CRILogWriter(path: path, maxLineSize: 16)
        writer.rotation = CRILogRotation(maxSize: 2000, maxFiles: 8)
        for i in 0..<600 { writer.write(Array("n\(i) \(String(repeating: "q", count: i % 40))\n".utf8), stream: .stdout) }
        writer.close()
        let reader = CRILogReader(path: path)
        let all = try reader.read().lines
        #expect(CRILogFiles.rotated(of: path).count == 7)
        for n in [1, 2, 5, 17, 40, 41, 100, all.count - 1, all.count, all.count + 10] {
            #expect(try reader.tail(n).lines == Array(all.suffix(n)), "tail \(n)")
        }
    }

    @Test("Rotated names sort by time, then by sequence number; other names are not log files")
    func namesAndOrder() throws {
        let tmp = TempDir()
        let path = tmp.path + "/0.log"
        #expect(CRILogFiles.rotatedName(of: path, seconds: 1_767_366_245, sequence: 0) == path + ".20260102-150405")
        #expect(CRILogFiles.rotatedName(of: path, seconds: 1_767_366_245, sequence: 12) == path + ".20260102-150405.12")
        for name in ["0.log", "0.log.20260102-150405.10", "0.log.20260102-150405.2", "0.log.20260102-150405",
                     "0.log.20260102-150404", "0.log.tmp", "0.log.20260102-150403.gz", "1.log.20260101-000000", "0.log.x"] {
            _ = FileManager.default.createFile(atPath: tmp.path + "/" + name, contents: nil)
        }
        #expect(CRILogFiles.rotated(of: path).map { String($0.dropFirst(tmp.path.count + 1)) } == [
            "0.log.20260102-150404", "0.log.20260102-150405", "0.log.20260102-150405.2", "0.log.20260102-150405.10",
        ])
    }

    @Test("Rotation removes the oldest files first and keeps maxFiles in all, the current one included")
    func removesOldest() throws {
        let tmp = TempDir()
        let path = tmp.path + "/0.log"
        for stamp in ["20200101-000000", "20200101-000001", "20200101-000002"] {
            try "2020-01-01T00:00:00.000000000Z stdout F old \(stamp)\n".write(toFile: path + "." + stamp, atomically: false, encoding: .utf8)
        }
        let writer = try CRILogWriter(path: path)
        writer.rotation = CRILogRotation(maxSize: 100, maxFiles: 3)
        writer.write(Array("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n".utf8), stream: .stdout)
        writer.write(Array("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n".utf8), stream: .stdout)
        writer.close()
        let rotated = CRILogFiles.rotated(of: path)
        #expect(rotated.count == 2)
        #expect(rotated[0] == path + ".20200101-000002")
        #expect(Self.text(try CRILogReader(path: path).read().lines) == ["old 20200101-000002", String(repeating: "a", count: 54),
                                                                          String(repeating: "b", count: 54)])
    }

    @Test("follow reads a rotating log once and in order, also from a position in a file rotated since")
    func followAcrossRotation() throws {
        let tmp = TempDir()
        let path = tmp.path + "/0.log"
        let writer = try CRILogWriter(path: path)
        writer.rotation = CRILogRotation(maxSize: 200, maxFiles: 50)
        writer.write(Array("before\n".utf8), stream: .stdout)
        let start = try CRILogReader(path: path).read(includeUnfinished: false)
        #expect(Self.text(start.lines) == ["before"])
        // Rotations happen before the follower starts: it resumes in the renamed file.
        for i in 0..<10 { writer.write(Array("early \(i) ..............................\n".utf8), stream: .stdout) }
        #expect(CRILogFiles.rotated(of: path).count >= 2)
        let state = FollowState()
        let thread = Thread {
            let end = CRILogReader.follow(
                path: path, from: start.endOffset, file: start.endFile, pollInterval: 5_000_000,
                until: { state.stop }, emit: { state.append(String(decoding: $0.content, as: UTF8.self)) })
            state.finish(end.path)
        }
        thread.start()
        var expected = (0..<10).map { "early \($0) .............................." }
        for i in 0..<300 {
            let line = "late \(i) " + String(repeating: "y", count: i % 50)
            expected.append(line)
            writer.write(Array((line + "\n").utf8), stream: i % 3 == 0 ? .stderr : .stdout)
            if i % 20 == 0 { usleep(3_000) }
        }
        writer.close()
        #expect(state.wait(forCount: expected.count))
        state.stop = true
        #expect(state.waitFinished())
        #expect(state.lines == expected)
    }

    @Test("A restart's new instance removes the logs of instances before the previous one")
    func oldInstancesRemoved() throws {
        let tmp = TempDir()
        for name in ["0.log", "0.log.20260101-000000", "1.log", "1.log.20260101-000001", "2.log", "10.log", "notes"] {
            _ = FileManager.default.createFile(atPath: tmp.path + "/" + name, contents: nil)
        }
        LogLayout.removeInstances(directory: tmp.path, before: 2)
        #expect(Self.names(tmp.path) == ["10.log", "2.log", "notes"])
        LogLayout.removeInstances(directory: tmp.path, before: 0)
        #expect(Self.names(tmp.path).count == 3)
    }

    @Test("The writer counts its own bytes: an existing file's size is taken once, at open")
    func sizeTracking() throws {
        let tmp = TempDir()
        let path = tmp.path + "/0.log"
        try String(repeating: "z", count: 90).write(toFile: path, atomically: false, encoding: .utf8)
        let writer = try CRILogWriter(path: path)
        #expect(writer.size == 90)
        writer.rotation = CRILogRotation(maxSize: 100, maxFiles: 2)
        writer.write(Array("abc\n".utf8), stream: .stdout)
        // 90 + a 45-byte record would pass 100: rotated first.
        #expect(CRILogFiles.rotated(of: path).count == 1)
        #expect(Int64(Self.size(path)) == writer.size)
        writer.close()
    }
}
