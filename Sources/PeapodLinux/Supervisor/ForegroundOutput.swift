// `peapod run`'s standard output, as a foreground supervisor writes to it: the pod's phase
// changes and its containers' output lines.
//
// A reader that does not keep up (`peapod run ... | less`, paused) must not stop the
// supervision: a pipe or terminal is written through a non-blocking open file of its own, and
// what does not fit waits in memory (up to a bound) until poll(2) says the reader took some;
// the supervisor's loop polls for that. A regular file never blocks and is written directly.
// Every line is one write(2) where it fits, so the lines of several pods' supervisors sharing
// the output do not mix. Once the reader is gone (EPIPE) nothing more is written; the pod
// itself carries on.

import Glibc

final class ForegroundOutput {
    /// The descriptor the supervisor was given.
    let original: Int32
    /// What it writes to: `original`, or a non-blocking open file of the same pipe or terminal.
    private(set) var fd: Int32
    let podName: String
    private var queue: [UInt8] = []
    private var dropped = 0
    /// Output held for a slow reader, at most (then lines are dropped, and counted).
    static let queueLimit = 4 << 20

    init(fd: Int32, podName: String) {
        original = fd
        self.podName = podName
        var info = stat()
        if fstat(fd, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            let own = open("/proc/self/fd/\(fd)", O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
            self.fd = own >= 0 ? own : fd
        } else {
            self.fd = fd
        }
    }

    deinit { close() }

    /// Lets go of the output (its own open file; `original` stays the caller's).
    func close() {
        if fd >= 0 && fd != original { Glibc.close(fd) }
        fd = -1
        queue.removeAll()
    }

    /// The descriptors a supervisor keeps open for this output.
    var descriptors: [Int32] { fd == original ? [original] : [original, fd] }

    /// Whether lines wait for the reader (poll the descriptor for POLLOUT, then `flush`).
    var pending: Bool { fd >= 0 && !queue.isEmpty }

    func write(_ line: String) {
        var line = line
        line.withUTF8 { write($0) }
    }

    func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard fd >= 0 else { return }
        if queue.isEmpty {
            let written = put(bytes)
            guard written < bytes.count, fd >= 0 else { return }
            enqueue(UnsafeBufferPointer(rebasing: bytes[written...]))
        } else {
            enqueue(bytes)
        }
    }

    /// Writes what waits, as far as the reader takes it now.
    func flush() {
        guard fd >= 0, !queue.isEmpty else { return }
        let written = queue.withUnsafeBufferPointer { put($0) }
        queue.removeFirst(written)
        if queue.isEmpty && dropped > 0 {
            let note = "[pod/\(podName)] \(dropped) output lines were not shown: the reader did not keep up\n"
            dropped = 0
            write(note)
        }
    }

    /// At the end: waits until the reader has taken everything (or is gone).
    func finish() {
        while pending {
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            if poll(&p, 1, -1) < 0 && errno != EINTR { return }
            flush()
        }
    }

    /// The echo of one container's log records: `[pod/NAME/CONTAINER] content`, with a newline
    /// unless the line goes on in the next record (a line longer than a record).
    func echo(container: String) -> (ArraySlice<UInt8>, Bool) -> Void {
        let prefix = Array("[pod/\(podName)/\(container)] ".utf8)
        return { [weak self] content, continued in
            guard let self, self.fd >= 0 else { return }
            var line = prefix
            line.reserveCapacity(prefix.count + content.count + 1)
            line.append(contentsOf: content)
            if !continued { line.append(10) }
            line.withUnsafeBufferPointer { self.write($0) }
        }
    }

    private func enqueue(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard queue.count + bytes.count <= Self.queueLimit else {
            dropped += 1
            return
        }
        queue.append(contentsOf: bytes)
    }

    /// write(2) until done or the reader is full; how many bytes went. A reader that is gone
    /// (or any other error) ends the output.
    private func put(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n > 0 {
                offset += n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN { break }
            close()
            break
        }
        return offset
    }
}
