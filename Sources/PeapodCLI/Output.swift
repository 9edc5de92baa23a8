// Writing to the standard streams without touching the C library's global FILE pointers (which
// Swift 6 treats as shared mutable state).

import Glibc

enum Output {
    static func out(_ text: String) {
        writeAll(1, Array(text.utf8))
    }

    static func err(_ text: String) {
        writeAll(2, Array(text.utf8))
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
