// The supervisor's attach socket (AttachHub): opened once the run directory exists.

extension PodSupervisor {
    func openAttachSocket() {
        if let failure = attach.listen() {
            // The pod runs without it: only attach is refused.
            record(EventWording.failedAttachSocket(failure), at: Clock.now())
        }
    }
}
