// Runs coreutils/tar/findutils for the image store. Copying a root filesystem with every mode,
// owner, hard link, device node and xattr right is what `cp -a` and `tar -xp` already do well;
// reimplementing them in Swift would only add bugs. The image store runs in the CLI process,
// never in a pod supervisor, so spawning a tool here costs nothing that matters.
// posix_spawn and poll(2), not Foundation's Process: PeapodLinux is linked into the per-pod
// supervisor, which must stay free of Foundation (docs/benchmarks.md).

import Glibc

enum ExternalTool {
    /// Runs `name` (looked up in /usr/bin, then /bin) with `arguments` and `LC_ALL=C`; returns
    /// its stdout. Throws `ImageStoreError.toolFailed` with its stderr when it exits non-zero.
    @discardableResult
    static func run(_ name: String, _ arguments: [String]) throws -> [UInt8] {
        let candidates = ["/usr/bin/" + name, "/bin/" + name]
        guard let executable = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw ImageStoreError.toolFailed(command: name, status: 127, stderr: "\(name) not found in /usr/bin or /bin")
        }
        let out = try FileSystem.pipe()
        let err: (read: Int32, write: Int32)
        do { err = try FileSystem.pipe() } catch { close(out.read); close(out.write); throw error }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, out.write, 1)
        posix_spawn_file_actions_adddup2(&actions, err.write, 2)

        var environment: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if !text.hasPrefix("LC_ALL=") { environment.append(text) }
            pointer += 1
        }
        environment.append("LC_ALL=C")
        var argv: [UnsafeMutablePointer<CChar>?] = ([name] + arguments).map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, nil, &argv, &envp)
        close(out.write)
        close(err.write)
        guard rc == 0 else {
            close(out.read)
            close(err.read)
            throw ImageStoreError.toolFailed(command: name, status: 127, stderr: String(cString: strerror(rc)))
        }

        // Both pipes at once, so that a chatty tool cannot fill one while we block on the other.
        var output: [UInt8] = []
        var errors: [UInt8] = []
        var fds = [pollfd(fd: out.read, events: Int16(POLLIN), revents: 0), pollfd(fd: err.read, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while fds.contains(where: { $0.fd >= 0 }) {
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for i in fds.indices where fds[i].fd >= 0 && fds[i].revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(fds[i].fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    close(fds[i].fd)
                    fds[i].fd = -1
                } else if i == 0 {
                    output.append(contentsOf: buffer[0..<n])
                } else {
                    errors.append(contentsOf: buffer[0..<n])
                }
            }
        }
        for f in fds where f.fd >= 0 { close(f.fd) }

        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let ended = WaitStatus(raw: status)
        guard ended.exitCode == 0 else {
            let command = ([name] + arguments).joined(separator: " ")
            throw ImageStoreError.toolFailed(
                command: command, status: ended.signal ?? ended.exitCode ?? 0, stderr: String(decoding: errors, as: UTF8.self))
        }
        return output
    }
}
