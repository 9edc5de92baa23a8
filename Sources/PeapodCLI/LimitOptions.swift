import PeapodLinux
import PeapodRuntime
import PeapodSpec

/// The kubelet settings that bound what a pod may take of the host's disk, shared by `apply` and
/// `run` (the pids limit is with the cgroup options): container log rotation and the eviction
/// manager's measuring interval. Names and defaults are the kubelet's (docs/limits.md).
struct LimitOptions {
    static let parameters: [Parameter] = [
        .option(
            "container-log-max-size", default: "10Mi",
            help: "Size at which a container's log file is rotated (the kubelet's containerLogMaxSize); a negative size (=-1) turns rotation off."),
        .option(
            "container-log-max-files", default: "5",
            help: "Log files kept per container instance, the current one included (the kubelet's containerLogMaxFiles); at least 2."),
        .option(
            "housekeeping-interval", default: "10s",
            help: "How often each pod's local storage is measured against its ephemeral-storage limits and emptyDir sizeLimits (the kubelet's eviction monitoring period), e.g. 10s, 500ms."),
    ]

    var logRotation: CRILogRotation?
    var housekeepingNanos: Int64

    init(_ arguments: ParsedArguments) throws {
        let sizeText = arguments.text("container-log-max-size")
        let maxFiles: Int = try arguments.number("container-log-max-files")
        let intervalText = arguments.text("housekeeping-interval")
        guard let size = try? Quantity(sizeText), !size.isZero else {
            throw ValidationError("--container-log-max-size must be a quantity such as 10Mi (negative: no rotation), not \"\(sizeText)\"")
        }
        guard maxFiles >= 2 else {
            throw ValidationError("--container-log-max-files must be greater than 1 (the kubelet's rule), not \(maxFiles)")
        }
        guard let seconds = GoDuration.seconds(intervalText), seconds > 0, seconds < 1e9 else {
            throw ValidationError("--housekeeping-interval must be a positive duration such as 10s or 500ms, not \"\(intervalText)\"")
        }
        logRotation = size.isNegative ? nil : CRILogRotation(maxSize: size.value, maxFiles: maxFiles)
        housekeepingNanos = Int64(seconds * 1e9)
    }
}
