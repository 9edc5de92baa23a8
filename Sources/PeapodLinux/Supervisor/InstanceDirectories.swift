// A container's overlay layers from one instance to the next: spares made ahead, finished ones
// removed when the supervisor is idle.

import Glibc

/// The overlay directories (upper, work) of a container's instances. A container that
/// restarted once gets a spare set, made while the supervisor is idle, so that its next restart
/// does not wait for mkdir; the layers of finished instances are removed while idle too, not on
/// the restart's path (docs/benchmarks.md).
final class InstanceDirectories {
    /// Container → a prepared, unused instance directory.
    private(set) var spares: [String: String] = [:]
    /// Container → the directory of its current (or last) instance.
    private var current: [String: String] = [:]
    /// Directories of finished instances, to be removed.
    private(set) var stale: [String] = []
    /// Containers that restarted, for which a spare is kept.
    private var restarting: Set<String> = []
    /// Mount namespaces of finished instances, still open (RunningContainer.mountNamespace),
    /// closed before their layers are removed.
    private(set) var heldNamespaces: [Int32] = []

    /// Whether `housekeeping` has something to do.
    var hasWork: Bool { !stale.isEmpty || !heldNamespaces.isEmpty || restarting.contains { spares[$0] == nil } }

    /// A finished instance's mount namespace, to be closed when the supervisor is idle.
    func retire(mountNamespace fd: Int32) {
        if fd >= 0 { heldNamespaces.append(fd) }
    }

    /// The held namespaces, for the caller to close (the teardown does it in a thread).
    func takeHeldNamespaces() -> [Int32] {
        defer { heldNamespaces.removeAll() }
        return heldNamespaces
    }

    /// The directory for a new instance of `container`: its spare, else `fresh`, created.
    func take(_ container: String, fresh: String, restarted: Bool) throws -> String {
        let dir: String
        if let spare = spares.removeValue(forKey: container) {
            dir = spare
        } else {
            try Self.make(fresh)
            dir = fresh
        }
        if let previous = current[container] { stale.append(previous) }
        current[container] = dir
        if restarted { restarting.insert(container) }
        // Never idle (a container that fails at once, again and again, without back-off): do
        // not let the old layers pile up.
        if stale.count > 8 { removeStale() }
        return dir
    }

    /// `dir` (made by the caller, with `layout(dir)`) is the container's next instance directory.
    func addSpare(_ container: String, _ dir: String) {
        spares[container] = dir
    }

    /// An instance directory and what it holds, parents first.
    static func layout(_ dir: String) -> [String] { [dir, dir + "/upper", dir + "/work"] }

    /// Removes finished instances' layers and makes the missing spares (`newDir` names a new
    /// instance directory of a container).
    func housekeeping(newDir: (String) -> String) {
        removeStale()
        for container in restarting where spares[container] == nil {
            let dir = newDir(container)
            if (try? Self.make(dir)) != nil { spares[container] = dir }
        }
    }

    private func removeStale() {
        for fd in takeHeldNamespaces() { close(fd) }
        for dir in stale { try? FileSystem.removeTree(dir) }
        stale.removeAll()
    }

    private static func make(_ dir: String) throws {
        for sub in layout(dir).dropFirst() { try FileSystem.makeDirectories(sub, mode: 0o755) }
    }
}
