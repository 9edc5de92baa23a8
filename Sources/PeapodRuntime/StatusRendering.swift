// The planned status as the v1 PodStatus JSON object that `kubectl get pod -o json` shows.
// Conditions keep their lastTransitionTime until their status flips, which needs the previous
// rendering: `ConditionClock` remembers it.

import PeapodSpec

public struct ConditionClock: Sendable, Equatable {
    var transitions: [String: (status: Bool, at: Timestamp)] = [:]

    public init() {}

    public static func == (a: ConditionClock, b: ConditionClock) -> Bool {
        a.transitions.count == b.transitions.count && a.transitions.allSatisfy { key, value in
            b.transitions[key].map { $0.status == value.status && $0.at == value.at } ?? false
        }
    }

    mutating func time(of condition: PlannedCondition, now: Timestamp) -> Timestamp {
        if let known = transitions[condition.type], known.status == condition.status { return known.at }
        transitions[condition.type] = (condition.status, now)
        return now
    }
}

public enum StatusRendering {
    public static func json(
        _ status: PlannedPodStatus, clock: inout ConditionClock, now: Timestamp, image: (String) -> String,
        imageID: (String) -> String, qosClass: String, hostIP: String?, podIPs: [String] = []
    ) -> JSONValue {
        var o = JSONObject()
        var conditions: [JSONValue] = []
        for condition in status.conditions {
            var c = JSONObject()
            c["type"] = .string(condition.type)
            c["status"] = .string(condition.status ? "True" : "False")
            c["lastProbeTime"] = .null
            c["lastTransitionTime"] = .string(clock.time(of: condition, now: now).rfc3339)
            if let reason = condition.reason { c["reason"] = .string(reason) }
            if let message = condition.message { c["message"] = .string(message) }
            conditions.append(.object(c))
        }
        o["conditions"] = .array(conditions)
        if let hostIP {
            o["hostIP"] = .string(hostIP)
            o["hostIPs"] = .array([.object(JSONObject([("ip", .string(hostIP))]))])
        }
        if !status.initContainerStatuses.isEmpty {
            o["initContainerStatuses"] = .array(status.initContainerStatuses.map { container($0, image, imageID) })
        }
        o["containerStatuses"] = .array(status.containerStatuses.map { container($0, image, imageID) })
        if let message = status.message { o["message"] = .string(message) }
        o["phase"] = .string(status.phase.rawValue)
        if let podIP = podIPs.first {
            o["podIP"] = .string(podIP)
            o["podIPs"] = .array(podIPs.map { .object(JSONObject([("ip", .string($0))])) })
        }
        o["qosClass"] = .string(qosClass)
        if let reason = status.reason { o["reason"] = .string(reason) }
        if let start = status.startTime { o["startTime"] = .string(start.rfc3339) }
        return .object(o)
    }

    static func container(
        _ s: PlannedContainerStatus, _ image: (String) -> String, _ imageID: (String) -> String
    ) -> JSONValue {
        var o = JSONObject()
        if let id = s.containerID { o["containerID"] = .string(id) }
        o["image"] = .string(image(s.name))
        o["imageID"] = .string(imageID(s.name))
        o["lastState"] = .object(s.lastState.map { JSONObject([("terminated", terminated($0))]) } ?? JSONObject())
        o["name"] = .string(s.name)
        o["ready"] = .bool(s.ready)
        o["restartCount"] = .int(Int64(s.restartCount))
        o["started"] = .bool(s.started)
        var state = JSONObject()
        switch s.state {
        case let .waiting(reason, message):
            var w = JSONObject([("reason", .string(reason))])
            if let message { w["message"] = .string(message) }
            state["waiting"] = .object(w)
        case let .running(startedAt):
            state["running"] = .object(JSONObject([("startedAt", .string(startedAt.rfc3339))]))
        case let .terminated(t):
            state["terminated"] = terminated(t)
        }
        o["state"] = .object(state)
        return .object(o)
    }

    static func terminated(_ t: Termination) -> JSONValue {
        var o = JSONObject()
        o["containerID"] = .string(t.containerID)
        o["exitCode"] = .int(Int64(t.exitCode))
        o["finishedAt"] = .string(t.finishedAt.rfc3339)
        if let message = t.message { o["message"] = .string(message) }
        o["reason"] = .string(t.reason)
        if let signal = t.signal { o["signal"] = .int(Int64(signal)) }
        o["startedAt"] = .string(t.startedAt.rfc3339)
        return .object(o)
    }
}
