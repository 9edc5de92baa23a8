// The loop's wait: poll(2) on the signalfd, the containers' output pipes, the attach socket and
// its sessions, a slow foreground reader and a storage measurement's thread, until the planner's
// next wake-up; the chores of
// quiet moments; what each descriptor that woke it up brought.

import CPeapod
import Glibc
import PeapodRuntime
import PeapodSpec

extension PodSupervisor {
    func wait(until wakeup: Timestamp?) {
        var fds = [pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0)]
        for container in running.values {
            for fd in [container.stdout, container.stderr] where fd >= 0 {
                fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
            }
        }
        // The foreground's output, while lines wait for a slow reader.
        var outputIndex: Int?
        if let foreground, foreground.pending {
            outputIndex = fds.count
            fds.append(pollfd(fd: foreground.fd, events: Int16(POLLOUT), revents: 0))
        }
        // The attach socket and its sessions.
        let attachRange = fds.count..<(fds.count + attach.descriptors.count)
        fds += attach.descriptors
        // A local-storage measurement's thread, once it is done.
        var storageIndex: Int?
        if storageMeasurementFD >= 0 {
            storageIndex = fds.count
            fds.append(pollfd(fd: storageMeasurementFD, events: Int16(POLLIN), revents: 0))
        }
        // Milliseconds until the planner's next wake-up; -1: none.
        func timeout() -> Int32 {
            guard let wakeup else { return -1 }
            let millis = (wakeup.nanos - Clock.now().nanos + 999_999) / 1_000_000
            return Int32(max(0, min(millis, 3_600_000)))
        }
        func longer(than millis: Int32) -> Bool { let t = timeout(); return t < 0 || t > millis }
        var n: Int32 = 0
        // Quiet moments do the chores, never the path of a start or restart: after 5 ms without
        // news, the overlay layers of finished instances go and spares are made; after 200 ms
        // (the pod is steady), the heap's free pages and the unused stack are handed back, so that
        // an idle supervisor keeps only what it needs (docs/benchmarks.md).
        if launcher.instances.hasWork && longer(than: 5) {
            n = poll(&fds, nfds_t(fds.count), 5)
            if n == 0 { launcher.instances.housekeeping { self.location.instanceDir($0, id: Clock.randomHex(12)) } }
        }
        if n == 0 {
            // 200 ms of quiet, and at least 5 s after the previous trim.
            let sinceTrim = lastTrim.map { (Clock.monotonic() - $0) / 1_000_000 } ?? Int64.max
            let quiet = Int32(max(200, min(5_000, 5_000 - sinceTrim)))
            if longer(than: quiet) {
                n = poll(&fds, nfds_t(fds.count), quiet)
                if n == 0 {
                    pp_trim_idle()
                    lastTrim = Clock.monotonic()
                }
            }
        }
        if n == 0 { n = poll(&fds, nfds_t(fds.count), timeout()) }
        guard n > 0 else { return }
        for (i, p) in fds.enumerated().dropFirst() where p.revents != 0 {
            if attachRange.contains(i) {
                attach.handle(p)
            } else if i == storageIndex {
                finishStorageMeasurement()
            } else if i == outputIndex {
                foreground?.flush()
            } else {
                drain(fd: p.fd)
            }
        }
        if fds[0].revents != 0 { handleSignals() }
    }

    /// What a container wrote, into its log (and the foreground's output).
    func drain(fd: Int32) {
        guard let pid = running.first(where: { $0.value.stdout == fd || $0.value.stderr == fd })?.key else { return }
        var container = running[pid]!
        let isStdout = container.stdout == fd
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                container.log.write(Array(buffer[0..<n]), stream: isStdout ? CRILogStream.stdout : CRILogStream.stderr)
                attach.output(container.name, buffer[0..<n], stderr: !isStdout)
                continue
            }
            if n < 0 && (errno == EINTR) { continue }
            // A terminal's master reads EIO once the container's side is closed: its end.
            if n == 0 || (n < 0 && errno == EIO && container.terminal == fd) {
                container.log.finish(isStdout ? CRILogStream.stdout : CRILogStream.stderr)
                close(fd)
                if isStdout { container.stdout = -1 } else { container.stderr = -1 }
            }
            break
        }
        running[pid] = container
    }

    func handleSignals() {
        while true {
            let signal = StopSignals.next(signalFD)
            guard signal > 0 else { break }
            if signal == SIGCHLD {
                reap()
            } else if signal == SIGUSR1 {
                refreshMetadata()
            } else {
                if observed.deletion == nil { onStopSignal?(signal) }
                requestDeletion()
            }
        }
        reap()
    }
}
