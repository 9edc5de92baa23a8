// Removing a deleted pod's files from the store without making the deletion wait for it.
//
// Freeing a file's or a directory's blocks can be slow: on ext4 mounted with `discard` and no
// journal, every freed block is discarded synchronously, a round trip to the disk per inode,
// which made a deleted pod's overlay layers, logs and state files cost several milliseconds
// (docs/benchmarks.md). So `delete` and `run` rename the pod's directory and its logs into
// `<root>/trash/` (a rename frees nothing), and a purger process (a fork running C only) removes
// what is there once the deleting process has ended, at idle CPU and I/O priority. Mounts, cgroups, namespaces and processes are still
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

    /// Moves a pod's directory and its logs into the trash; what cannot be moved is removed
    /// here and now. A purger must be started (`startPurger`) for what was moved.
    public static func discard(_ location: PodLocation) {
        for path in [location.logDir, location.podDir] where !moveAside(path, trash: location.trashDir) {
            try? FileSystem.removeTree(path)
        }
    }

    /// Forks the trash's purger (CPeapod/trash.c): it leaves this process's session and files,
    /// waits until this process has ended, then empties the trash at the lowest CPU and I/O
    /// priority (a purger already at work takes the new entries too). A fork and no program: it
    /// costs this process a copy of its page tables, not the start of another binary. When it
    /// cannot be forked, the trash is emptied here and now.
    public static func startPurger(_ trash: String) {
        if pp_purger_start(trash) != 0 { purge(trash) }
    }

    /// Removes every entry of `trash` until it stays empty. One purger at a time (a lock file in
    /// the trash); one that finds the lock taken leaves, since the holder looks again after it
    /// lets go. Entries that cannot be removed (a mount point) are left after a few rounds.
    public static func purge(_ trash: String) {
        _ = pp_purge(trash)
    }
}
