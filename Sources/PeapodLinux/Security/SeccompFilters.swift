// The supervisor's seccomp filters: each profile is read once and compiled once per set of
// capabilities that changes its outcome, then reused for every container start and restart.
// Compiling RuntimeDefault takes milliseconds (docs/seccomp.md); a start must not pay them.

#if canImport(Glibc)
import Glibc
#endif
import PeapodRuntime
import PeapodSpec

/// Where a container's seccomp profile comes from. Unconfined has no case: it is no filter.
public enum SeccompSource: Hashable, Sendable {
    case runtimeDefault
    /// A profile file, by its path relative to the profiles directory (`localhostProfile`).
    case localhost(String)

    /// The filter of a container's profile as ContainerSecurity resolved it (the container's,
    /// else the pod's, else RuntimeDefault; none for Unconfined and privileged containers).
    public init?(_ choice: SeccompChoice) {
        switch choice {
        case .unconfined: return nil
        case .runtimeDefault: self = .runtimeDefault
        case .localhost(let path): self = .localhost(path)
        }
    }
}

public final class SeccompFilters: @unchecked Sendable {
    /// `<root>/seccomp`, where Localhost profiles are read from.
    public let profilesDirectory: String
    private let hostOverride: SeccompHost?
    private var host: SeccompHost?
    private var policies: [SeccompSource: SeccompPolicy] = [:]
    private var filters: [Key: SeccompFilter] = [:]
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    private struct Key: Hashable {
        var source: SeccompSource
        var capabilities: UInt64
    }

    /// `host` is this machine unless a test gives another.
    public init(profilesDirectory: String, host: SeccompHost? = nil) {
        self.profilesDirectory = profilesDirectory
        hostOverride = host
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// The profiles directory of a state root: `<root>/seccomp` (the kubelet's is
    /// `<kubelet-root>/seccomp`).
    public static func profilesDirectory(stateRoot: String) -> String {
        stateRoot.hasSuffix("/") ? stateRoot + "seccomp" : stateRoot + "/seccomp"
    }

    /// The filter for a container whose effective capabilities are `capabilities` (bit n for
    /// capability n): compiled on first use, the same object afterwards. Capabilities the
    /// profile never consults do not count, so most containers share one filter.
    public func filter(for source: SeccompSource, capabilities: UInt64) throws(SeccompError) -> SeccompFilter {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        let policy = try policy(for: source)
        let key = Key(source: source, capabilities: capabilities & policy.capabilitiesConsulted)
        if let filter = filters[key] { return filter }
        let filter = try SeccompFilter.compile(policy, capabilities: key.capabilities, host: try currentHost(),
                                               profile: describe(source))
        filters[key] = filter
        return filter
    }

    /// The path a Localhost profile is read from; refuses one that would leave the directory.
    public func profilePath(_ relative: String) throws(SeccompError) -> String {
        let problem: String?
        if relative.isEmpty {
            problem = "is empty"
        } else if relative.hasPrefix("/") {
            problem = "must be relative to \(profilesDirectory), not absolute"
        } else if relative.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
            problem = "must not contain \"..\""
        } else if relative.utf8.contains(0) {
            problem = "must not contain a NUL byte"
        } else {
            problem = nil
        }
        if let problem { throw SeccompError("seccomp localhostProfile \"\(relative)\": \(problem)") }
        return profilesDirectory.hasSuffix("/") ? profilesDirectory + relative : profilesDirectory + "/" + relative
    }

    private func describe(_ source: SeccompSource) -> String {
        switch source {
        case .runtimeDefault: return "RuntimeDefault"
        case .localhost(let relative): return (try? profilePath(relative)) ?? relative
        }
    }

    private func currentHost() throws(SeccompError) -> SeccompHost {
        if let host { return host }
        let h: SeccompHost
        if let hostOverride { h = hostOverride } else { h = try SeccompHost.current() }
        host = h
        return h
    }

    private func policy(for source: SeccompSource) throws(SeccompError) -> SeccompPolicy {
        if let p = policies[source] { return p }
        let p: SeccompPolicy
        switch source {
        case .runtimeDefault: p = .runtimeDefault
        case .localhost(let relative): p = try SeccompPolicy.load(path: try profilePath(relative))
        }
        policies[source] = p
        return p
    }
}
