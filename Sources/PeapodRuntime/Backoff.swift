// CrashLoopBackOff arithmetic, as the kubelet's flowcontrol.Backoff keyed per container.
//
// The first restart after a failure is immediate; each later restart waits the current delay,
// which starts at `base` (10 s) and doubles up to `cap` (300 s). A container whose last restart
// is more than twice the cap in the past (10 minutes with the defaults) starts again from `base`.
// (docs/kubelet-semantics.md §4; kubelet pkg/kubelet/kuberuntime doBackOff.)

import PeapodSpec

public struct BackoffPolicy: Sendable, Equatable {
    public var baseNanos: Int64
    public var capNanos: Int64

    public init(baseSeconds: Double = 10, capSeconds: Double = 300) {
        baseNanos = Int64(baseSeconds * 1e9)
        capNanos = Int64(capSeconds * 1e9)
    }

    public static let kubelet = BackoffPolicy()
}

/// The back-off state of one container: the current delay and when it was last advanced.
public struct BackoffEntry: Sendable, Equatable {
    public var delayNanos: Int64
    public var lastUpdate: Timestamp

    public init(delayNanos: Int64, lastUpdate: Timestamp) {
        self.delayNanos = delayNanos
        self.lastUpdate = lastUpdate
    }
}

public enum RestartBackoff {
    static func expired(_ entry: BackoffEntry, finishedAt: Timestamp, policy: BackoffPolicy) -> Bool {
        finishedAt.nanos - entry.lastUpdate.nanos > 2 * policy.capNanos
    }

    /// When a container that finished at `finishedAt` may start again; nil means now.
    public static func restartAllowedAt(
        entry: BackoffEntry?, finishedAt: Timestamp, policy: BackoffPolicy
    ) -> Timestamp? {
        guard let entry, !expired(entry, finishedAt: finishedAt, policy: policy) else { return nil }
        return Timestamp(nanos: finishedAt.nanos + entry.delayNanos)
    }

    /// The entry after a restart is granted at `now` for a container that finished at `finishedAt`.
    public static func advance(
        entry: BackoffEntry?, finishedAt: Timestamp, now: Timestamp, policy: BackoffPolicy
    ) -> BackoffEntry {
        guard let entry, !expired(entry, finishedAt: finishedAt, policy: policy) else {
            return BackoffEntry(delayNanos: policy.baseNanos, lastUpdate: now)
        }
        return BackoffEntry(delayNanos: min(entry.delayNanos * 2, policy.capNanos), lastUpdate: now)
    }

    /// "10s", "1m20s", "5m0s": Go's time.Duration formatting for whole seconds, as the kubelet's
    /// CrashLoopBackOff message prints it.
    public static func goDuration(nanos: Int64) -> String {
        let totalMillis = nanos / 1_000_000
        if totalMillis % 1000 != 0 && totalMillis < 60_000 {
            let s = Double(totalMillis) / 1000
            var text = String(s)
            if text.hasSuffix(".0") { text.removeLast(2) }
            return text + "s"
        }
        let seconds = totalMillis / 1000
        if seconds < 60 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 60 { return "\(minutes)m\(seconds % 60)s" }
        return "\(minutes / 60)h\(minutes % 60)m\(seconds % 60)s"
    }
}
