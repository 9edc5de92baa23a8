// Kubernetes events of one pod, kept by its supervisor. A repeat of the last event with the same
// object, reason and message is merged into it (count and lastTimestamp grow), as the event
// recorder's correlator does for identical events.

import PeapodSpec

public struct PodEvent: Sendable, Equatable {
    public var type: String
    public var reason: String
    public var message: String
    /// `spec.containers{web}` or empty for the pod itself (involvedObject.fieldPath).
    public var fieldPath: String
    public var count: Int
    public var firstTimestamp: Timestamp
    public var lastTimestamp: Timestamp

    public func json() -> JSONValue {
        var o = JSONObject()
        o["type"] = .string(type)
        o["reason"] = .string(reason)
        o["message"] = .string(message)
        if !fieldPath.isEmpty { o["fieldPath"] = .string(fieldPath) }
        o["count"] = .int(Int64(count))
        o["firstTimestamp"] = .string(firstTimestamp.rfc3339Nano)
        o["lastTimestamp"] = .string(lastTimestamp.rfc3339Nano)
        return .object(o)
    }

    public init(type: String, reason: String, message: String, fieldPath: String, count: Int,
                firstTimestamp: Timestamp, lastTimestamp: Timestamp) {
        self.type = type
        self.reason = reason
        self.message = message
        self.fieldPath = fieldPath
        self.count = count
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
    }

    public init?(json: JSONValue) {
        guard let type = json["type"]?.stringValue, let reason = json["reason"]?.stringValue,
              let message = json["message"]?.stringValue,
              let first = json["firstTimestamp"]?.stringValue.flatMap(Timestamp.init(rfc3339:)),
              let last = json["lastTimestamp"]?.stringValue.flatMap(Timestamp.init(rfc3339:)) else { return nil }
        self.init(type: type, reason: reason, message: message, fieldPath: json["fieldPath"]?.stringValue ?? "",
                  count: Int(json["count"]?.intValue ?? 1), firstTimestamp: first, lastTimestamp: last)
    }
}

/// events.jsonl holds one event per line; a line for an event already in the file replaces it
/// (the same type of merge as the recorder's: reason, message and object), so that an event's
/// growing count is appended as a new line instead of rewriting the file. Readers keep the last
/// line of each event, in the order of first appearance, and skip a last line still being written.
/// The file is rewritten (by rename) only when it has twice as many lines as events.
public final class EventRecorder {
    public private(set) var events: [PodEvent] = []
    let path: String
    /// Indices of events changed since the last write, in the order of their first change.
    var unwritten: [Int] = []
    /// Lines in the file now.
    var linesWritten = 0

    public init(path: String) {
        self.path = path
    }

    public func record(_ type: String, _ reason: String, _ message: String, container: String? = nil,
                       isInit: Bool = false, at now: Timestamp) {
        let fieldPath = container.map { "spec.\(isInit ? "initContainers" : "containers"){\($0)}" } ?? ""
        let index: Int
        if let found = events.lastIndex(where: { $0.sameObject(reason: reason, message: message, fieldPath: fieldPath) }) {
            events[found].count += 1
            events[found].lastTimestamp = now
            index = found
        } else {
            events.append(PodEvent(type: type, reason: reason, message: message, fieldPath: fieldPath, count: 1,
                                   firstTimestamp: now, lastTimestamp: now))
            index = events.count - 1
        }
        if !unwritten.contains(index) { unwritten.append(index) }
    }

    /// Writes what was recorded since the last write: appended lines, or the whole file by rename
    /// when it has grown to twice the events. The supervisor calls it with each status
    /// publication, before the status, so whoever sees a status also sees the events that led to
    /// it, and a start's Pulled, Created and Started cost one write.
    public func flush() {
        guard !unwritten.isEmpty else { return }
        var bytes: [UInt8] = []
        func line(_ event: PodEvent) {
            bytes.append(contentsOf: event.json().serializedBytes(pretty: false))
            bytes.append(0x0A)
        }
        if linesWritten == 0 || linesWritten + unwritten.count > 2 * events.count + 16 {
            for event in events { line(event) }
            if (try? FileSystem.writeAtomically(path, String(decoding: bytes, as: UTF8.self))) != nil {
                linesWritten = events.count
            }
        } else {
            for index in unwritten { line(events[index]) }
            if (try? FileSystem.writeFile(path, bytes, append: true)) != nil {
                linesWritten += unwritten.count
            } else {
                linesWritten = 0   // rewrite next time
            }
        }
        unwritten.removeAll()
    }

    public static func load(path: String) -> [PodEvent] {
        guard let text = try? FileSystem.readText(path) else { return [] }
        return merge(text.split(separator: "\n", omittingEmptySubsequences: true).compactMap { line in
            (try? JSONValue.parse(String(line))).flatMap(PodEvent.init(json:))
        })
    }

    /// The last line of each event, in the order events first appeared.
    static func merge(_ lines: [PodEvent]) -> [PodEvent] {
        var result: [PodEvent] = []
        for event in lines {
            if let i = result.lastIndex(where: { $0.sameObject(reason: event.reason, message: event.message, fieldPath: event.fieldPath) }) {
                result[i] = event
            } else {
                result.append(event)
            }
        }
        return result
    }
}

extension PodEvent {
    func sameObject(reason: String, message: String, fieldPath: String) -> Bool {
        self.reason == reason && self.message == message && self.fieldPath == fieldPath
    }
}
