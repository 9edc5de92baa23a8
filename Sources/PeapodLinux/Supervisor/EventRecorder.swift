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

public final class EventRecorder {
    public private(set) var events: [PodEvent] = []
    let path: String
    var unwritten = false

    public init(path: String) {
        self.path = path
    }

    public func record(_ type: String, _ reason: String, _ message: String, container: String? = nil,
                       isInit: Bool = false, at now: Timestamp) {
        let fieldPath = container.map { "spec.\(isInit ? "initContainers" : "containers"){\($0)}" } ?? ""
        if let index = events.lastIndex(where: { $0.reason == reason && $0.message == message && $0.fieldPath == fieldPath }) {
            events[index].count += 1
            events[index].lastTimestamp = now
        } else {
            events.append(PodEvent(type: type, reason: reason, message: message, fieldPath: fieldPath, count: 1,
                                   firstTimestamp: now, lastTimestamp: now))
        }
        unwritten = true
    }

    /// Writes the events file if something was recorded since the last write. The supervisor
    /// calls it with each status publication (once per pass of its loop, before it sleeps, and
    /// before the status), so a container start's Pulled, Created and Started cost one write.
    public func flush() {
        guard unwritten else { return }
        unwritten = false
        var bytes: [UInt8] = []
        for event in events {
            bytes.append(contentsOf: event.json().serializedBytes(pretty: false))
            bytes.append(0x0A)
        }
        try? FileSystem.writeAtomically(path, String(decoding: bytes, as: UTF8.self))
    }

    public static func load(path: String) -> [PodEvent] {
        guard let text = try? FileSystem.readText(path) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            (try? JSONValue.parse(String(line))).flatMap(PodEvent.init(json:))
        }
    }
}
