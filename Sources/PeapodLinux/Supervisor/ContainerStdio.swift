// A container's standard streams, as containerd's shim makes them for the kubelet: without a
// terminal, a pipe for stdout and one for stderr (and one for stdin with `stdin: true`, whose
// write end the supervisor keeps for attach); with `tty: true`, one pseudo-terminal whose slave
// is stdin, stdout and stderr and the controlling terminal, and whose master the supervisor
// reads as the one `stdout` stream of the CRI log and writes attach input to.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod
import PeapodSpec

struct ContainerStdio {
    /// What the container gets on 0, 1 and 2 (-1: its /dev/null).
    var child: (Int32, Int32, Int32) = (-1, -1, -1)
    /// What the supervisor reads (stderr -1 with a terminal: one stream).
    var stdout: Int32 = -1
    var stderr: Int32 = -1
    /// The write end of stdin, or a dup of the terminal's master (-1: no stdin).
    var input: Int32 = -1
    /// The terminal's master, when there is one (the same descriptor as `stdout`).
    var terminal: Int32?

    init(_ container: Container) throws {
        func fail(_ what: String) -> LauncherError {
            LauncherError("container \(container.name): \(what): \(String(cString: strerror(errno)))")
        }
        if container.tty {
            var master: Int32 = -1, slave: Int32 = -1
            guard pp_open_pty(&master, &slave) == 0 else { throw fail("open a pseudo-terminal") }
            child = (slave, slave, slave)
            stdout = master
            terminal = master
            if container.stdin {
                input = fcntl(master, F_DUPFD_CLOEXEC, 3)
                if input < 0 {
                    let error = fail("dup the terminal")
                    closeAll()
                    throw error
                }
            }
            return
        }
        var out: [Int32] = [0, 0], err: [Int32] = [0, 0], inp: [Int32] = [-1, -1]
        guard pp_pipe_cloexec(&out) == 0 else { throw fail("pipe") }
        guard pp_pipe_cloexec(&err) == 0 else {
            let error = fail("pipe")
            close(out[0]); close(out[1])
            throw error
        }
        if container.stdin && pp_pipe_cloexec(&inp) != 0 {
            let error = fail("pipe")
            for fd in out + err { close(fd) }
            throw error
        }
        child = (inp[0], out[1], err[1])
        stdout = out[0]
        stderr = err[0]
        input = inp[1]
        if input >= 0 { _ = fcntl(input, F_SETFL, fcntl(input, F_GETFL) | O_NONBLOCK) }
        _ = fcntl(stdout, F_SETFL, fcntl(stdout, F_GETFL) | O_NONBLOCK)
        _ = fcntl(stderr, F_SETFL, fcntl(stderr, F_GETFL) | O_NONBLOCK)
    }

    /// The container's ends, once it has them (or failed to start).
    mutating func closeChildEnds() {
        var seen: [Int32] = []
        for fd in [child.0, child.1, child.2] where fd >= 0 && !seen.contains(fd) {
            close(fd)
            seen.append(fd)
        }
        child = (-1, -1, -1)
    }

    mutating func closeAll() {
        closeChildEnds()
        for fd in [stdout, stderr, input] where fd >= 0 { close(fd) }
        stdout = -1
        stderr = -1
        input = -1
        terminal = nil
    }
}
