// Writing to the standard streams without touching the C library's global FILE pointers (which
// Swift 6 treats as shared mutable state). A test reads what a command printed by running it
// with `Output.$capture` bound (PeapodCommand.execute).

import Glibc

enum Output {
    /// Where the text goes instead of the standard streams, for the task that binds it.
    @TaskLocal static var capture: OutputCapture?

    static func out(_ text: String) {
        if let capture { capture.append(text, error: false) } else { writeAll(1, Array(text.utf8)) }
    }

    static func err(_ text: String) {
        if let capture { capture.append(text, error: true) } else { writeAll(2, Array(text.utf8)) }
    }

    /// One write of `bytes` to standard output (a line of `logs`, whose threads must not mix lines).
    static func out(bytes: [UInt8]) {
        if let capture { capture.append(String(decoding: bytes, as: UTF8.self), error: false) } else { writeAll(1, bytes) }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += n
        }
    }
}

/// What a command printed, kept for a test.
final class OutputCapture: @unchecked Sendable {
    private var lock = pthread_mutex_t()
    private(set) var stdout = ""
    private(set) var stderr = ""

    init() {
        pthread_mutex_init(&lock, nil)
    }

    deinit {
        pthread_mutex_destroy(&lock)
    }

    func append(_ text: String, error: Bool) {
        pthread_mutex_lock(&lock)
        if error { stderr += text } else { stdout += text }
        pthread_mutex_unlock(&lock)
    }
}
