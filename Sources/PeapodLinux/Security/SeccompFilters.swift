// The supervisor's seccomp filters: each profile is read once and compiled once per set of
// capabilities that changes its outcome, then reused for every container start and restart.
// Compiling RuntimeDefault takes milliseconds (docs/seccomp.md); a start must not pay them.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod
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
    /// Where compiled programs are kept for every later supervisor (nil: nowhere).
    public let cacheDirectory: String?
    private var policies: [SeccompSource: SeccompPolicy] = [:]
    /// What a compiled program depends on, per source: the running binary (whose table
    /// RuntimeDefault is) or the bytes of the profile file.
    private var identities: [SeccompSource: String] = [:]
    private var filters: [Key: SeccompFilter] = [:]
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    private struct Key: Hashable {
        var source: SeccompSource
        var capabilities: UInt64
    }

    /// `host` is this machine unless a test gives another. With `cacheDirectory`, a program
    /// compiled once is kept there for every later process: compiling RuntimeDefault takes
    /// milliseconds of libseccomp's work, and a single-pod `peapod run` is a supervisor of its own
    /// (docs/seccomp.md).
    public init(profilesDirectory: String, cacheDirectory: String? = nil, host: SeccompHost? = nil) {
        self.profilesDirectory = profilesDirectory
        self.cacheDirectory = cacheDirectory
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
        let exact = Key(source: source, capabilities: capabilities)
        if let filter = filters[exact] { return filter }
        let host = try currentHost()
        // Cache files are named by the whole capability set, so that RuntimeDefault's program is
        // found without building its table first: a single-pod `peapod run` is a process of its
        // own and would build it for every start.
        if case .runtimeDefault = source, let identity = Self.executableIdentity,
           let path = cacheFile(identity: identity, capabilities: capabilities, host: host),
           let filter = try? SeccompFilter.read(from: path) {
            filters[exact] = filter
            return filter
        }
        let policy = try policy(for: source)
        let shared = Key(source: source, capabilities: capabilities & policy.capabilitiesConsulted)
        if let filter = filters[shared] {
            filters[exact] = filter
            return filter
        }
        let cached = identities[source].flatMap { cacheFile(identity: $0, capabilities: capabilities, host: host) }
        // A cache file that cannot be read (missing, from another format) only means compiling.
        if let cached, let filter = try? SeccompFilter.read(from: cached) {
            filters[shared] = filter
            filters[exact] = filter
            return filter
        }
        let filter = try SeccompFilter.compile(policy, capabilities: shared.capabilities, host: host, profile: describe(source))
        filters[shared] = filter
        filters[exact] = filter
        if let cached, let dir = cacheDirectory {
            // Best effort: without the file the next process compiles again.
            if (try? FileSystem.makeDirectories(dir, mode: 0o700)) != nil { try? filter.write(to: cached) }
        }
        return filter
    }

    /// The cache file of a program: named by a digest of everything it is compiled from.
    private func cacheFile(identity: String, capabilities: UInt64, host: SeccompHost) -> String? {
        guard let dir = cacheDirectory else { return nil }
        var digest = SHA256()
        // Spelled out field by field: interpolating the struct itself goes through reflection.
        digest.update("peapod-seccomp-2\n\(identity)\n\(String(capabilities, radix: 16))\n\(host.architecture.rawValue) \(host.kernel.major).\(host.kernel.minor)\n")
        digest.update("libseccomp " + String(cString: pp_seccomp_library_version()) + "\n")
        return dir + "/" + digest.finalizeHex() + ".bpf"
    }

    /// The running binary, as its file is now: RuntimeDefault's table is part of it.
    private static let executableIdentity: String? = {
        var st = stat()
        guard stat("/proc/self/exe", &st) == 0 else { return nil }
        return "exe \(st.st_dev) \(st.st_ino) \(st.st_size) \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
    }()

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
        case .runtimeDefault:
            p = .runtimeDefault
            identities[source] = Self.executableIdentity
        case .localhost(let relative):
            let path = try profilePath(relative)
            p = try SeccompPolicy.load(path: path)
            if let bytes = try? FileSystem.readBytes(path, limit: 4 << 20) {
                var digest = SHA256()
                digest.update(bytes)
                identities[source] = "file " + digest.finalizeHex()
            }
        }
        policies[source] = p
        return p
    }
}
