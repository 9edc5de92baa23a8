// Removing a deleted pod's files from the store without making the deletion wait for it.
//
// Freeing a file's or a directory's blocks can be slow: on ext4 mounted with `discard` and no
// journal, every freed block is discarded synchronously, a round trip to the disk per inode,
// which made a deleted pod's overlay layers, logs and state files cost several milliseconds
// (docs/benchmarks.md). So `delete` and `run` rename the pod's directory and its logs into
// `<root>/trash/` (a rename frees nothing), and a detached purger process removes what is
// there, at idle CPU and I/O priority. Mounts, cgroups, namespaces and processes are still
// gone before the deletion returns: only plain files wait, out of every listing.

import CPeapod
import Glibc

public enum StoreTrash {
    /// Moves `path` into `trash` under a new name. false when it cannot be moved (it is then
    /// left where it is); true also when there was nothing to move.
    public static func moveAside(_ path: String, trash: String) -> Bool {
        guard access(path, F_OK) == 0 else { return true }
        if mkdir(trash, 0o700) != 0 && errno != EEXIST { return false }
        let name = path.split(separator: "/").last.map(String.init) ?? "entry"
        return rename(path, trash + "/" + name + "." + Clock.randomHex(8)) == 0
    }

    /// Moves a pod's directory and its logs into the trash and starts a purger; what cannot be
    /// moved is removed here and now.
    public static func discard(_ location: PodLocation) {
        var moved = false
        for path in [location.logDir, location.podDir] {
            if moveAside(path, trash: location.trashDir) {
                moved = true
            } else {
                try? FileSystem.removeTree(path)
            }
        }
        if moved { startPurger(location.trashDir) }
    }

    /// Starts `peapod-supervisor --purge TRASH`, detached; a purger already at work takes the
    /// new entries too.
    public static func startPurger(_ trash: String) {
        _ = try? DetachedProcess.spawn(
            executable: SupervisorCommand.executablePath,
            arguments: [SupervisorCommand.executableName, "--purge", trash], logFile: "/dev/null", extraFD: nil)
    }

    /// The purger's work: removes every entry of `trash` until it stays empty. One purger at a
    /// time (a lock file in the trash); one that finds the lock taken leaves, since the holder
    /// looks again after it lets go.
    public static func purge(_ trash: String) {
        // Background work: the lowest CPU and I/O priority.
        _ = nice(19)
        _ = pp_ioprio_idle()
        let lockPath = trash + "/.lock"
        while true {
            let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard lock >= 0 else { return }
            guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
                close(lock)
                return
            }
            while true {
                let entries = FileSystem.listDirectory(trash).filter { $0 != ".lock" }
                if entries.isEmpty { break }
                for entry in entries { try? FileSystem.removeTree(trash + "/" + entry) }
            }
            close(lock)
            // An entry moved in after the last look, while the lock was still held, found no
            // purger to start: look once more now that the lock is free.
            if FileSystem.listDirectory(trash).allSatisfy({ $0 == ".lock" }) { return }
        }
    }
}
