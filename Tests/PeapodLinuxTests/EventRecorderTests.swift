import Foundation
import PeapodSpec
import Testing

@testable import PeapodLinux

@Suite struct EventRecorderTests {
    let path = NSTemporaryDirectory() + "peapod-events-\(UUID().uuidString).jsonl"

    func lines() -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func repeatsAreAppendedAndReadBackMerged() throws {
        defer { unlink(path) }
        let recorder = EventRecorder(path: path)
        let t0 = Timestamp(nanos: 1_000_000_000_000_000_000)
        recorder.record("Normal", "Scheduled", "assigned", at: t0)
        recorder.record("Normal", "Started", "Started container app", container: "app", at: t0)
        recorder.flush()
        #expect(lines().count == 2)
        #expect(EventRecorder.load(path: path) == recorder.events)

        // A restart: the same events again, merged into counts; written as appended lines.
        let t1 = Timestamp(nanos: t0.nanos + 10_000_000_000)
        recorder.record("Normal", "Started", "Started container app", container: "app", at: t1)
        recorder.record("Warning", "BackOff", "Back-off restarting failed container app", container: "app", at: t1)
        recorder.flush()
        #expect(lines().count == 4)
        let loaded = EventRecorder.load(path: path)
        #expect(loaded == recorder.events)
        #expect(loaded.map(\.reason) == ["Scheduled", "Started", "BackOff"])
        #expect(loaded[1].count == 2 && loaded[1].firstTimestamp == t0 && loaded[1].lastTimestamp == t1)
    }

    @Test func theFileIsRewrittenWhenRepeatsPileUpAndAPartialLineIsSkipped() throws {
        defer { unlink(path) }
        let recorder = EventRecorder(path: path)
        for i in 0..<100 {
            recorder.record("Normal", "Pulled", "image present", container: "app", at: Timestamp(nanos: Int64(i) * 1_000_000_000))
            recorder.flush()
        }
        #expect(lines().count <= 2 * recorder.events.count + 16)
        #expect(EventRecorder.load(path: path) == recorder.events)
        #expect(recorder.events.first?.count == 100)

        // A reader that comes while a line is being appended sees it cut short: skipped.
        let handle = try #require(FileHandle(forWritingAtPath: path))
        handle.seekToEndOfFile()
        handle.write(Data("{\"type\":\"Normal\",\"reason\":\"Kil".utf8))
        try handle.close()
        #expect(EventRecorder.load(path: path) == recorder.events)
    }
}
