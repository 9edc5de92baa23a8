// Deletion: a stop signal (from `delete`, or Ctrl-C in the foreground) or the planner's `delete`
// of a finished pod starts it; the planner then stops the containers and tears the pod down.

import PeapodRuntime
import PeapodSpec

extension PodSupervisor {
    /// SIGTERM, SIGINT or SIGHUP: delete the pod, with the grace period the CLI left in the
    /// delete request (the pod's terminationGracePeriodSeconds when there is none).
    func requestDeletion() {
        guard observed.deletion == nil else {
            // A second request may shorten the grace period (delete --force after a delete).
            if let grace = Self.requestedGrace(location), var deletion = observed.deletion,
               grace < deletion.graceNanos {
                deletion.graceNanos = grace
                observed.deletion = deletion
            }
            return
        }
        let grace = Self.requestedGrace(location) ?? shape.terminationGraceNanos
        observed.deletion = PodDeletion(requestedAt: Clock.now(), graceNanos: grace)
    }

    static func requestedGrace(_ location: PodLocation) -> Int64? {
        guard let text = try? FileSystem.readText(location.deleteRequestFile),
              let seconds = Int64(text.split(separator: "\n").first ?? "") else { return nil }
        return max(0, seconds) * 1_000_000_000
    }

    /// The planner's `delete`: the pod finished and is removed (`PlannerConfig.removeOnFinish`).
    func delete(graceNanos: Int64, now: Timestamp) {
        guard observed.deletion == nil else { return }
        observed.deletion = PodDeletion(requestedAt: now, graceNanos: graceNanos)
    }
}
