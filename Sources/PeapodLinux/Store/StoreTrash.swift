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

    /// Moves a pod's directory and its logs into the trash; what cannot be moved is removed
    /// here and now. A purger must be started (`startPurger`) for what was moved.
    public static func discard(_ location: PodLocation) {
        for path in [location.logDir, location.podDir] where !moveAside(path, trash: location.trashDir) {
            try? FileSystem.removeTree(path)
        }
    }

    /// A purger being started by a thread of this process (`startPurger`).
    public struct PurgerStart {
        let thread: BackgroundWork?
        let trash: String
        let argv: [String]

        /// Waits until the purger has started (posix_spawn returned); without a thread, starts
        /// it now; when it cannot be started at all (peapod-supervisor missing?), purges here.
        public func wait() {
            let started = thread.map { $0.wait() == 0 }
                ?? ((try? DetachedProcess.spawn(executable: argv[0], arguments: argv, logFile: "/dev/null", extraFD: nil)) != nil)
            if !started { StoreTrash.purge(trash) }
        }
    }

    /// Starts `peapod-supervisor --purge TRASH --after PID` (this process's pid), detached, from
    /// a thread, so the caller goes on meanwhile: the purger waits until this process has ended,
    /// then empties the trash (a purger already at work takes the new entries too).
    public static func startPurger(_ trash: String) -> PurgerStart {
        let argv = [SupervisorCommand.executablePath, "--purge", trash, "--after", String(getpid())]
        return PurgerStart(thread: BackgroundWork.spawn(argv), trash: trash, argv: argv)
    }

    /// `peapod-supervisor --purge TRASH --after PID`: background work at the lowest CPU and I/O
    /// priority, once the deleting process has ended.
    public static func runPurger(_ trash: String, after pid: Int32) {
        _ = nice(19)
        _ = pp_ioprio_idle()
        waitForParent(pid)
        purge(trash)
    }

    /// Waits until `pid`, the purger's parent, has ended (at once when it already has).
    static func waitForParent(_ pid: Int32) {
        guard getppid() == pid else { return }
        let fd = pp_pidfd_open(pid)
        guard fd >= 0 else {
            while getppid() == pid { usleep(1_000) }
            return
        }
        defer { close(fd) }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while poll(&pfd, 1, -1) < 0 && errno == EINTR {}
    }

    /// The purger's work: removes every entry of `trash` until it stays empty. One purger at a
    /// time (a lock file in the trash); one that finds the lock taken leaves, since the holder
    /// looks again after it lets go.
    public static func purge(_ trash: String) {
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
