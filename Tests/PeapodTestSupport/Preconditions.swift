// What a root suite needs of the host, and what happens when the host lacks it. On a developer's
// machine the suite is skipped and says why. Under CI=true (the CI job, .ci/run) a skip would
// hide a suite that never ran behind a green run, so the suite fails instead. Conditions that
// depend on the host's kind rather than its set-up (a cgroup v2 hierarchy, an architecture) stay
// plain `.enabled(if:)` traits that report NOT RUN.

import Glibc
#if canImport(Testing)
    import Testing
#endif

public enum Preconditions {
    /// CI=true: every suite must run.
    public static var requiredByCI: Bool {
        getenv("CI").map { String(cString: $0) } == "true"
    }

    public static var isRoot: Bool { getuid() == 0 }

    public struct Unmet: Error, CustomStringConvertible {
        public var description: String
    }

    /// True when `met`; otherwise false (skip), or under CI=true an error (fail).
    public static func check(_ met: Bool, _ what: String) throws -> Bool {
        if met { return true }
        if requiredByCI { throw Unmet(description: "CI=true, and this suite cannot run here: it \(what)") }
        return false
    }
}

#if canImport(Testing)
    extension Trait where Self == ConditionTrait {
        /// A suite or test that `what` (e.g. "needs root"), which `met` tells: skipped where it
        /// is not met, failed instead under CI=true.
        public static func requires(_ what: String, _ met: @escaping @Sendable () -> Bool) -> Self {
            .enabled(Comment(rawValue: what)) { try Preconditions.check(met(), what) }
        }
    }
#endif
