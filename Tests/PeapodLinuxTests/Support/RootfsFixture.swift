// A minimal busybox root filesystem in a temporary directory, for the shim's own root tests.
// (The project's image builder lives elsewhere; this only needs /bin/busybox from Debian's
// busybox-static.) Each fixture also hands out per-container overlay directories and a run dir,
// all under one temp dir that `remove()` deletes.

import Foundation
import PeapodLinux

final class RootfsFixture {
    /// Everything of the fixture lives here.
    let base: String
    /// The image: the overlay's lower dir. Never written by a container.
    let image: String

    static let applets = [
        "sh", "cat", "echo", "ls", "hostname", "ps", "mount", "sleep", "id", "ip", "touch", "mkdir",
        "wc", "grep", "true", "false", "env", "pwd", "ifconfig", "readlink", "stat", "head",
    ]

    static var busyboxAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/bin/busybox") }

    init() throws {
        let fm = FileManager.default
        base = fm.temporaryDirectory.path + "/peapod-shim-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        image = base + "/image"
        for dir in ["bin", "etc", "proc", "sys", "dev", "tmp", "root", "home"] {
            try fm.createDirectory(atPath: image + "/" + dir, withIntermediateDirectories: true)
        }
        // A hard link is instant when /tmp shares the filesystem; copy otherwise.
        if link("/bin/busybox", image + "/bin/busybox") != 0 {
            try fm.copyItem(atPath: "/bin/busybox", toPath: image + "/bin/busybox")
        }
        let available = Set(Self.listApplets())
        for applet in Self.applets where available.isEmpty || available.contains(applet) {
            try fm.createSymbolicLink(atPath: image + "/bin/" + applet, withDestinationPath: "busybox")
        }
        try "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\napp:x:1000:1000:app:/home:/bin/sh\n"
            .write(toFile: image + "/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\ntty:x:5:\napp:x:1000:\nnogroup:x:65534:\n"
            .write(toFile: image + "/etc/group", atomically: true, encoding: .utf8)
        chmod(image + "/tmp", 0o1777)
    }

    private static func listApplets() -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/busybox")
        process.arguments = ["--list"]
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return [] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Fresh upper/work/merged directories for one container instance.
    func layout(_ name: String, readOnly: Bool = false) throws -> RootfsLayout {
        let dir = base + "/containers/" + name
        for sub in ["upper", "work", "merged"] {
            try FileManager.default.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true)
        }
        return RootfsLayout(lowerDirs: [image], upperDir: dir + "/upper", workDir: dir + "/work",
                            mergedDir: dir + "/merged", readOnly: readOnly)
    }

    /// A directory on the host under the fixture (volumes, run dirs).
    func hostDir(_ name: String) throws -> String {
        let path = base + "/" + name
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func remove() {
        // Nothing is mounted under base on the host (overlays live in the containers' mount
        // namespaces), so a plain recursive removal is enough.
        do {
            try FileManager.default.removeItem(atPath: base)
        } catch {
            print("RootfsFixture: could not remove \(base): \(error)")
        }
    }
}
