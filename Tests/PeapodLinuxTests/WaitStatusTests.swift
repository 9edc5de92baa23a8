// No root: wait statuses taken apart, from status words and from real children.

import Glibc
import PeapodLinux
import Testing

@Suite("Wait statuses")
struct WaitStatusTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var raw: Int32
        var exitCode: Int32?
        var signal: Int32?
        var coreDumped: Bool
        var shell: Int32
        var testDescription: String { "raw 0x\(String(raw, radix: 16))" }
    }

    static let cases: [Case] = [
        Case(raw: 0, exitCode: 0, signal: nil, coreDumped: false, shell: 0),
        Case(raw: 7 << 8, exitCode: 7, signal: nil, coreDumped: false, shell: 7),
        Case(raw: 255 << 8, exitCode: 255, signal: nil, coreDumped: false, shell: 255),
        Case(raw: SIGKILL, exitCode: nil, signal: SIGKILL, coreDumped: false, shell: 137),
        Case(raw: SIGTERM, exitCode: nil, signal: SIGTERM, coreDumped: false, shell: 143),
        Case(raw: SIGSEGV | 0x80, exitCode: nil, signal: SIGSEGV, coreDumped: true, shell: 139),
        // Stopped (WUNTRACED only): neither an exit nor a signal's end.
        Case(raw: SIGSTOP << 8 | 0x7f, exitCode: nil, signal: nil, coreDumped: false, shell: 0),
    ]

    @Test(arguments: cases)
    func decoded(_ c: Case) {
        let status = WaitStatus(raw: c.raw)
        #expect(status.exitCode == c.exitCode)
        #expect(status.signal == c.signal)
        #expect(status.coreDumped == c.coreDumped)
        #expect(status.shellExitCode == c.shell)
    }

    /// What the kernel reports for `sh -c script` (and `signal`, sent once it runs).
    func run(_ script: String, signal: Int32? = nil) throws -> WaitStatus {
        var pid: pid_t = 0
        let words: [String] = ["/bin/sh", "-c", script]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        // Signals as a fresh process has them, whatever the test runner blocks or ignores.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        try #require(posix_spawn(&pid, "/bin/sh", nil, &attributes, argv, environ) == 0)
        if let signal {
            usleep(50_000)
            kill(pid, signal)
        }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        return WaitStatus(raw: raw)
    }

    @Test func realChildren() throws {
        #expect(try run("exit 0") == WaitStatus(raw: 0))
        let failed = try run("exit 42")
        #expect(failed.exitCode == 42 && failed.signal == nil && failed.shellExitCode == 42)
        let killed = try run("exec sleep 10", signal: SIGKILL)
        #expect(killed.exitCode == nil && killed.signal == SIGKILL && killed.shellExitCode == 137)
        let terminated = try run("kill -TERM $$")
        #expect(terminated.signal == SIGTERM && terminated.shellExitCode == 143)
    }
}
