// Runs coreutils/tar/findutils for the image store. Copying a root filesystem with every mode,
// owner, hard link, device node and xattr right is what `cp -a` and `tar -xp` already do well;
// reimplementing them in Swift would only add bugs. The image store runs in the CLI process,
// never in a pod supervisor, so spawning a tool here costs nothing that matters.

import Foundation

enum ExternalTool {
    /// Runs `name` (looked up in /usr/bin, then /bin) with `arguments`; returns its stdout.
    /// Throws `ImageStoreError.toolFailed` with its stderr when it exits non-zero.
    @discardableResult
    static func run(_ name: String, _ arguments: [String]) throws -> [UInt8] {
        let candidates = ["/usr/bin/" + name, "/bin/" + name]
        guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw ImageStoreError.toolFailed(command: name, status: 127, stderr: "\(name) not found in /usr/bin or /bin")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        process.environment = environment
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ImageStoreError.toolFailed(command: name, status: 127, stderr: "\(error)")
        }
        // Drain stderr on another thread so that a chatty tool cannot fill one pipe while we
        // block reading the other.
        let errorBox = ErrorOutput()
        let reader = Thread { errorBox.data = stderr.fileHandleForReading.readDataToEndOfFile() }
        reader.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorBox.isDone { usleep(1000) }
        guard process.terminationStatus == 0, process.terminationReason == .exit else {
            let command = ([name] + arguments).joined(separator: " ")
            throw ImageStoreError.toolFailed(
                command: command, status: process.terminationStatus, stderr: String(decoding: errorBox.data ?? Data(), as: UTF8.self))
        }
        return [UInt8](output)
    }
}

/// Hands the stderr bytes from the reader thread back; guarded by a lock.
private final class ErrorOutput: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Data?
    private var done = false

    var data: Data? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue; done = true } }
    }

    var isDone: Bool { lock.withLock { done } }
}
