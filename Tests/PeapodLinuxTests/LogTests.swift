import Foundation
import Testing

@testable import PeapodLinux

private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Suite struct CRILogTests {
    final class TempDir {
        let path: String
        init() {
            path = NSTemporaryDirectory() + "peapod-log-test-\(UUID().uuidString)"
            try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    static func fileLines(_ path: String) -> [String] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    /// The record without its time stamp: "stdout F hello".
    static func untimed(_ line: String) -> String {
        String(line.drop(while: { $0 != " " }).dropFirst())
    }

    @Test func writesOneRecordPerLineWithNanosecondUTCTimestamps() throws {
        let tmp = TempDir()
        let path = LogLayout.path(root: tmp.path, podDirName: "default_web_u1", container: "app", restartCount: 0)
        #expect(path == tmp.path + "/logs/default_web_u1/app/0.log")
        let writer = try CRILogWriter(path: path)
        writer.write(Array("hello\nwor".utf8), stream: .stdout)
        writer.write(Array("ld\r\n\nerr\n".utf8), stream: .stdout)
        writer.write(Array("oops\n".utf8), stream: .stderr)
        writer.close()
        let lines = Self.fileLines(path)
        #expect(lines.map(Self.untimed) == ["stdout F hello", "stdout F world", "stdout F ", "stdout F err", "stderr F oops"])
        let stamp = String(lines[0].prefix(while: { $0 != " " }))
        #expect(stamp.count == 30)
        #expect(stamp.hasSuffix("Z") && stamp.contains("T"))
        #expect(stamp[stamp.index(stamp.startIndex, offsetBy: 19)] == ".")
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o640)
    }

    @Test func timestampFormatting() {
        var buffer: [UInt8] = []
        CRITimestamp.append(seconds: 1_767_366_245, nanoseconds: 123_456_789, to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "2026-01-02T15:04:05.123456789Z")
        buffer = []
        CRITimestamp.append(seconds: 0, nanoseconds: 5, to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "1970-01-01T00:00:00.000000005Z")
        #expect(CRITimestamp.rfc3339Nano("2026-01-02T15:04:05.120000000Z") == "2026-01-02T15:04:05.120000000Z")
        #expect(CRITimestamp.rfc3339Nano("2026-01-02T15:04:05.12Z") == "2026-01-02T15:04:05.120000000Z")
        #expect(CRITimestamp.rfc3339Nano("2026-01-02T15:04:05Z") == "2026-01-02T15:04:05.000000000Z")
        #expect(CRITimestamp.rfc3339Nano("2026-01-02T15:04:05.5+02:00") == "2026-01-02T15:04:05.500000000+02:00")
    }

    @Test func splitsLongLinesIntoPartialRecordsAsContainerdDoes() throws {
        let tmp = TempDir()
        let path = tmp.path + "/0.log"
        let writer = try CRILogWriter(path: path, maxLineSize: 4)
        writer.write(Array("abcd\n".utf8), stream: .stdout)  // exactly the limit: one F
        writer.write(Array("abcdefghij\n".utf8), stream: .stdout)  // 4 + 4 + 2
        writer.write(Array("xyz".utf8), stream: .stderr)
        writer.write(Array("12".utf8), stream: .stderr)  // 5 pending > 4: P "xyz1", keep "2"
        writer.write(Array("tail".utf8), stream: .stdout)  // exactly the limit, no newline: kept
        writer.close()  // EOF: leftovers as P
        #expect(Self.fileLines(path).map(Self.untimed) == [
            "stdout F abcd", "stdout P abcd", "stdout P efgh", "stdout F ij", "stderr P xyz1", "stdout P tail", "stderr P 2",
        ])
        let lines = try CRILogReader(path: path).read().lines
        #expect(lines.count == 4)
        #expect(lines[0].complete && lines[1].complete)
        #expect(String(decoding: lines[1].content, as: UTF8.self) == "abcdefghij")
        #expect(Set(lines[2...].map { String(decoding: $0.content, as: UTF8.self) }) == ["xyz12", "tail"])
        #expect(lines[2...].allSatisfy { !$0.complete })
    }

    @Test func readerParsesRecordsAndJoinsPerStream() throws {
        let tmp = TempDir()
        let path = tmp.path + "/0.log"
        let text = """
            2026-01-02T15:04:05.000000001Z stdout P hel
            2026-01-02T15:04:05.000000002Z stderr F interleaved
            2026-01-02T15:04:05.000000003Z stdout F lo
            not a record
            2026-01-02T15:04:05.000000004Z stdout F:x tagged
            2026-01-02T15:04:05.000000005Z stdout F
            2026-01-02T15:04:05.000000006Z stdout F with  two spaces

            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let reader = CRILogReader(path: path)
        let records = try reader.records()
        #expect(records.count == 6)
        #expect(records[0] == CRILogRecord(timestamp: "2026-01-02T15:04:05.000000001Z", stream: .stdout, partial: true, content: Array("hel".utf8)))
        #expect(records[4].content.isEmpty && !records[4].partial)
        let lines = try reader.read().lines
        #expect(lines.map { String(decoding: $0.content, as: UTF8.self) } == ["interleaved", "hello", "tagged", "", "with  two spaces"])
        #expect(lines[1].timestamp == "2026-01-02T15:04:05.000000001Z")
        #expect(lines[1].stream == .stdout && lines[0].stream == .stderr)
        #expect(String(decoding: lines[1].formatted(timestamps: false), as: UTF8.self) == "hello\n")
        #expect(String(decoding: lines[1].formatted(timestamps: true), as: UTF8.self) == "2026-01-02T15:04:05.000000001Z hello\n")
        let unfinished = CRILogLine(timestamp: "2026-01-02T15:04:05.100000000Z", stream: .stdout, content: Array("x".utf8), complete: false)
        #expect(String(decoding: unfinished.formatted(timestamps: true), as: UTF8.self) == "2026-01-02T15:04:05.100000000Z x")
    }

    @Test func roundTripThroughWriterAndReader() throws {
        let tmp = TempDir()
        let path = tmp.path + "/c/0.log"
        let writer = try CRILogWriter(path: path, maxLineSize: 16 * 1024)
        let long = String(repeating: "x", count: 40_000)
        let input = "first\n\(long)\nlast line\n"
        // Feed in odd-sized pieces, as pipe reads come.
        var bytes = Array(input.utf8)[...]
        while !bytes.isEmpty {
            let piece = bytes.prefix(3_001)
            writer.write(Array(piece), stream: .stdout)
            bytes = bytes.dropFirst(piece.count)
        }
        writer.write(Array("no newline".utf8), stream: .stderr)
        writer.close()
        let records = try CRILogReader(path: path).records()
        #expect(records.filter(\.partial).count == 3)  // 16384 + 16384 of the long line, and the stderr rest
        let lines = try CRILogReader(path: path).read().lines
        #expect(lines.map { String(decoding: $0.content, as: UTF8.self) } == ["first", long, "last line", "no newline"])
        #expect(lines.map(\.complete) == [true, true, true, false])
    }

    @Test func tailReturnsTheLastFullLines() throws {
        let tmp = TempDir()
        let path = tmp.path + "/0.log"
        // Small limit and many lines so the backwards scan crosses 64 KiB blocks.
        let writer = try CRILogWriter(path: path, maxLineSize: 10)
        for i in 0..<5_000 { writer.write(Array("line \(i) \(String(repeating: "z", count: i % 25))\n".utf8), stream: i % 7 == 0 ? .stderr : .stdout) }
        writer.close()
        let reader = CRILogReader(path: path)
        let all = try reader.read().lines
        #expect(all.count == 5_000)
        for n in [1, 2, 3, 10, 999, 4_999, 5_000, 6_000] {
            let tail = try reader.tail(n)
            #expect(tail.lines == Array(all.suffix(n)), "tail \(n)")
        }
        #expect(try reader.tail(0).lines.isEmpty)
        #expect(String(decoding: try reader.tail(1).lines[0].content, as: UTF8.self) == "line 4999 " + String(repeating: "z", count: 4_999 % 25))
    }

    // Found by fuzzing (tools/fuzz): stdout's long line began before stderr's lines, so the
    // F record it ends with came after theirs; tail read from the second-last F record and showed
    // the line without its first part.
    @Test func tailShowsALineThatBeganBeforeTheOtherStreamsLines() throws {
        let tmp = TempDir()
        let path = tmp.path + "/0.log"
        let writer = try CRILogWriter(path: path, maxLineSize: 4)
        writer.write(Array("aaaaaa".utf8), stream: .stdout)  // P "aaaa", "aa" pending
        writer.write(Array("e1\ne2\n".utf8), stream: .stderr)
        writer.write(Array("\n".utf8), stream: .stdout)  // F "aa"
        writer.close()
        let reader = CRILogReader(path: path)
        #expect(try reader.tail(1).lines.map { text($0.content) } == ["aaaaaa"])
        #expect(try reader.tail(2).lines.map { text($0.content) } == ["e2", "aaaaaa"])
        #expect(try reader.tail(3).lines.map { text($0.content) } == ["e1", "e2", "aaaaaa"])
    }

    // Found by fuzzing: following resumed at the oldest unfinished line (stdout's), after the
    // first part of a stderr line that completed later, and showed that line without it.
    @Test func followingAfterAReadShowsEveryLineWhole() throws {
        let tmp = TempDir()
        let path = tmp.path + "/0.log"
        let writer = try CRILogWriter(path: path, maxLineSize: 4)
        writer.write(Array("eeeeee".utf8), stream: .stderr)  // P "eeee"
        writer.write(Array("oooooo".utf8), stream: .stdout)  // P "oooo"
        writer.write(Array("\n".utf8), stream: .stderr)  // F "ee": stderr's line is complete
        let reader = CRILogReader(path: path)
        let shown = try reader.read(includeUnfinished: false)
        #expect(shown.lines.isEmpty)
        #expect(shown.endOffset == 0)
        let tail = try reader.tail(1, includeUnfinished: false)
        #expect(tail.lines.isEmpty)
        #expect(tail.endOffset == 0)
        writer.write(Array("\n".utf8), stream: .stdout)
        writer.close()
        var emitted: [String] = []
        CRILogReader.follow(path: path, from: shown.endOffset, until: { true }) { emitted.append(text($0.content)) }
        #expect(emitted == ["eeeeee", "oooooo"])
    }

    // Records of both streams cut into P records of 3 bytes, read back in blocks of every size
    // from 64 bytes on, so that headers and records lie across block edges: tail(n) is always the
    // last n lines of the whole file.
    @Test func tailAgreesWithAFullReadAcrossBlockEdges() throws {
        let tmp = TempDir()
        let path = tmp.path + "/0.log"
        let writer = try CRILogWriter(path: path, maxLineSize: 3)
        for i in 0..<12 {
            writer.write(Array(("out \(i) " + String(repeating: "o", count: i % 5)).utf8), stream: .stdout)
            writer.write(Array("err \(i)\n".utf8), stream: .stderr)
            if i % 3 == 0 { writer.write(Array("\n".utf8), stream: .stdout) }
        }
        writer.close()
        let full = try CRILogReader(path: path).read().lines
        for blockSize in [64, 65, 100, 128, 333, 4096] {
            let reader = CRILogReader(path: path, blockSize: blockSize)
            for n in 1...(full.count + 1) {
                #expect(try reader.tail(n).lines == Array(full.suffix(n)), "tail(\(n)) with blocks of \(blockSize)")
            }
        }
    }

    @Test func tailCountsAnUnfinishedLastLineUnlessFollowing() throws {
        let tmp = TempDir()
        let path = tmp.path + "/0.log"
        let writer = try CRILogWriter(path: path, maxLineSize: 4)
        writer.write(Array("a\nb\nccccccc".utf8), stream: .stdout)  // "cccc" written as P, "ccc" pending
        writer.write(Array("e1\n".utf8), stream: .stderr)
        let reader = CRILogReader(path: path)
        let shown = try reader.tail(2)
        #expect(shown.lines.map { String(decoding: $0.content, as: UTF8.self) } == ["e1", "cccc"])
        let forFollow = try reader.tail(2, includeUnfinished: false)
        #expect(forFollow.lines.map { String(decoding: $0.content, as: UTF8.self) } == ["a", "b"])
        // Following from there completes the long line and then shows e1, each once.
        writer.write(Array("\n".utf8), stream: .stdout)
        writer.close()
        var emitted: [String] = []
        CRILogReader.follow(path: path, from: forFollow.endOffset, until: { true }) { emitted.append(String(decoding: $0.content, as: UTF8.self)) }
        #expect(emitted == ["e1", "ccccccc"])
    }

    @Test func followSeesGrowthAndMovesToTheNextInstance() throws {
        let tmp = TempDir()
        let dir = tmp.path + "/logs/ns_pod_uid/app"
        let first = try CRILogWriter(path: dir + "/0.log")
        first.write(Array("one\n".utf8), stream: .stdout)
        let state = FollowState()
        let thread = Thread {
            let end = CRILogReader.follow(
                path: dir + "/0.log", from: 0, pollInterval: 10_000_000,
                until: { state.stop }, emit: { state.append(String(decoding: $0.content, as: UTF8.self)) })
            state.finish(end.path)
        }
        thread.start()
        defer { state.stop = true }
        #expect(state.wait(forCount: 1))
        first.write(Array("two\npart".utf8), stream: .stdout)
        #expect(state.wait(forCount: 2))
        first.close()  // "part" becomes a P record: the instance ended mid-line
        let second = try CRILogWriter(path: dir + "/1.log")
        second.write(Array("after restart\n".utf8), stream: .stderr)
        #expect(state.wait(forCount: 4))
        state.stop = true
        #expect(state.waitFinished())
        #expect(state.lines == ["one", "two", "part", "after restart"])
        #expect(state.endPath == dir + "/1.log")
        second.close()
        #expect(LogLayout.instances(root: tmp.path, podDirName: "ns_pod_uid", container: "app") == [0, 1])
    }

    @Test func followWithoutRestartsStopsAtTheEndOfTheInstance() throws {
        let tmp = TempDir()
        let first = try CRILogWriter(path: tmp.path + "/0.log")
        first.write(Array("a\n".utf8), stream: .stdout)
        first.close()
        let second = try CRILogWriter(path: tmp.path + "/1.log")
        second.write(Array("b\n".utf8), stream: .stdout)
        second.close()
        var seen: [String] = []
        let end = CRILogReader.follow(path: tmp.path + "/0.log", followRestarts: false, until: { false }) {
            seen.append(String(decoding: $0.content, as: UTF8.self))
        }
        #expect(seen == ["a"])
        #expect(end.path == tmp.path + "/0.log")
    }

    @Test func writerReportsOpenErrors() {
        #expect(throws: CRILogError.self) { try CRILogWriter(path: "/proc/version/nope/0.log") }
    }
}

/// Shared between a following thread and the test.
final class FollowState: @unchecked Sendable {
    private let lock = NSLock()
    private var _lines: [String] = []
    private var _stop = false
    private var _endPath: String?

    var lines: [String] { lock.withLock { _lines } }
    var endPath: String? { lock.withLock { _endPath } }
    var stop: Bool {
        get { lock.withLock { _stop } }
        set { lock.withLock { _stop = newValue } }
    }

    func append(_ line: String) { lock.withLock { _lines.append(line) } }
    func finish(_ path: String) { lock.withLock { _endPath = path } }

    func wait(forCount count: Int) -> Bool {
        for _ in 0..<500 {
            if lines.count >= count { return true }
            usleep(10_000)
        }
        return false
    }

    func waitFinished() -> Bool {
        for _ in 0..<500 {
            if endPath != nil { return true }
            usleep(10_000)
        }
        return false
    }
}
