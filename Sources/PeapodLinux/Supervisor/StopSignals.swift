import CPeapod

/// SIGCHLD, SIGTERM, SIGINT and SIGHUP read from a descriptor (signalfd), as a supervisor and
/// `peapod run` wait for them; SIGUSR1 too, a supervisor's "the pod's metadata changed".
public enum StopSignals {
    /// Blocks the five signals and returns a non-blocking signalfd for them (-1 on failure).
    public static func blockIntoDescriptor() -> Int32 {
        pp_stop_and_child_signalfd()
    }

    /// The next pending signal's number; 0 when none is pending, -1 on error.
    public static func next(_ fd: Int32) -> Int32 {
        pp_signalfd_read(fd)
    }
}
