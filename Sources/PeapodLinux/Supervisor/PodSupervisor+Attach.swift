// The supervisor's attach socket (AttachHub): opened once the run directory exists.

#if canImport(Glibc)
import Glibc
#endif

extension PodSupervisor {
    func openAttachSocket() {
        if let failure = attach.listen() {
            // The pod runs without it: only attach is refused.
            events.record("Warning", "FailedAttachSocket", "attach socket: \(failure)", at: Clock.now())
        }
    }
}
