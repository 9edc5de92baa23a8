// The pod's quality-of-service class, from its containers' requests and limits, as the kubelet
// classifies it (it sets the containers' oom_score_adj and the status's qosClass).

import PeapodSpec

/// The pod's QoS class (docs/kubelet-semantics.md §8.4).
public enum QoS {
    public static func classify(_ pod: Pod) -> String {
        let containers = pod.allContainers
        var any = false
        var guaranteed = true
        for c in containers {
            for resource in ["cpu", "memory"] {
                let request = c.resources.requests[resource]
                let limit = c.resources.limits[resource]
                if request != nil || limit != nil { any = true }
                guard let limit, !limit.isZero else {
                    guaranteed = false
                    continue
                }
                if let request, request.milliValue != limit.milliValue { guaranteed = false }
            }
            if !c.resources.requests.isEmpty || !c.resources.limits.isEmpty { any = true }
        }
        if !any { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }
}
