import Foundation
import Testing

@testable import PeapodLinux
import PeapodTestSupport

@Suite struct ImageStoreTests {
    /// A temp folder removed when the test ends.
    final class TempDir {
        let path: String
        init() {
            path = NSTemporaryDirectory() + "peapod-image-test-\(UUID().uuidString)"
            try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// A tiny root filesystem: a file, an executable, a symlink, a nested dir and a 1777 dir.
    static func makeRootfs(at path: String) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: path + "/bin", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: path + "/tmp", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: path + "/etc/deep", withIntermediateDirectories: true)
        _ = fm.createFile(atPath: path + "/bin/tool", contents: Data("#!/bin/sh\necho hi\n".utf8), attributes: [.posixPermissions: 0o755])
        _ = fm.createFile(atPath: path + "/etc/deep/file", contents: Data("hello".utf8))
        _ = fm.createFile(atPath: path + "/.hidden", contents: Data("h".utf8))
        try fm.createSymbolicLink(atPath: path + "/bin/sh", withDestinationPath: "tool")
        chmod(path + "/tmp", 0o1777)
    }

    @Test func importsADirectoryAndListsAndRemovesIt() throws {
        let tmp = TempDir()
        let source = tmp.path + "/src"
        try Self.makeRootfs(at: source)
        let store = ImageStore(root: tmp.path + "/state")
        #expect(try store.list().isEmpty)

        let record = try store.importImage(reference: "busybox", from: source, changes: ["CMD [\"sh\"]", "ENV PATH=/bin"])
        #expect(record.reference.normalized == "docker.io/library/busybox:latest")
        #expect(record.id.hasPrefix("sha256:") && record.id.count == 71)
        #expect(record.shortID.count == 12)
        #expect(record.size == 18 + 5 + 1 + 4)  // tool, file, .hidden, and the "tool" link target
        #expect(record.config == ImageConfig(cmd: ["sh"], env: ["PATH=/bin"]))
        #expect(record.rootfsPath.hasPrefix(tmp.path + "/state/images/"))
        #expect(!record.directory.contains(":"))

        let fm = FileManager.default
        #expect(try fm.destinationOfSymbolicLink(atPath: record.rootfsPath + "/bin/sh") == "tool")
        #expect(fm.contents(atPath: record.rootfsPath + "/etc/deep/file") == Data("hello".utf8))
        #expect(fm.fileExists(atPath: record.rootfsPath + "/.hidden"))
        var info = stat()
        #expect(stat(record.rootfsPath + "/tmp", &info) == 0 && info.st_mode & 0o7777 == 0o1777)
        #expect(stat(record.rootfsPath + "/bin/tool", &info) == 0 && info.st_mode & 0o777 == 0o755)

        let listed = try store.list()
        #expect(listed == [record])
        let found = try store.lookup(reference: "docker.io/library/busybox")
        #expect(found == record)
        #expect(try store.lookup(reference: "busybox:other") == nil)

        // config.json has the OCI shape.
        let document = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: record.configPath))) as! [String: Any]
        let inner = document["config"] as! [String: Any]
        #expect(inner["Cmd"] as? [String] == ["sh"])
        #expect(inner["Env"] as? [String] == ["PATH=/bin"])
        #expect(inner["Entrypoint"] is NSNull)
        #expect(document["os"] as? String == "linux")
        #expect((document["rootfs"] as? [String: Any])?["type"] as? String == "layers")

        try store.remove(reference: "busybox:latest")
        #expect(try store.list().isEmpty)
        #expect(try store.lookup(reference: "busybox") == nil)
        #expect(try fm.contentsOfDirectory(atPath: store.directory).isEmpty)
    }

    @Test func reimportReplacesTheImageAtomically() throws {
        let tmp = TempDir()
        let source = tmp.path + "/src"
        try Self.makeRootfs(at: source)
        let store = ImageStore(root: tmp.path)
        let first = try store.importImage(reference: "app:1", from: source, changes: ["CMD [\"one\"]"])
        _ = FileManager.default.createFile(atPath: source + "/added", contents: Data("x".utf8))
        let second = try store.importImage(reference: "app:1", from: source, changes: ["CMD [\"two\"]"])
        #expect(first.id != second.id)
        #expect(first.directory == second.directory)
        let listed = try store.list()
        #expect(listed.count == 1)
        #expect(listed.first?.config.cmd == ["two"])
        #expect(FileManager.default.fileExists(atPath: second.rootfsPath + "/added"))
        // Nothing left over from the swap.
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory).count == 1)
    }

    @Test func importsTarballsPlainAndGzipped() throws {
        let tmp = TempDir()
        let source = tmp.path + "/src"
        try Self.makeRootfs(at: source)
        try ExternalTool.run("tar", ["-cf", tmp.path + "/img.tar", "-C", source, "."])
        try ExternalTool.run("tar", ["-czf", tmp.path + "/img.tar.gz", "-C", source, "."])
        let store = ImageStore(root: tmp.path + "/state")
        let plain = try store.importImage(reference: "localhost:5000/plain:1", from: tmp.path + "/img.tar", changes: [])
        let gz = try store.importImage(reference: "gz", from: tmp.path + "/img.tar.gz", changes: [])
        for record in [plain, gz] {
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: record.rootfsPath + "/bin/sh") == "tool")
            #expect(FileManager.default.contents(atPath: record.rootfsPath + "/etc/deep/file") == Data("hello".utf8))
            #expect(record.config == ImageConfig())
        }
        #expect(try store.list().map(\.reference.familiar) == ["gz:latest", "localhost:5000/plain:1"])
    }

    @Test func removeAcceptsAnIdPrefix() throws {
        let tmp = TempDir()
        try Self.makeRootfs(at: tmp.path + "/src")
        let store = ImageStore(root: tmp.path)
        let record = try store.importImage(reference: "x", from: tmp.path + "/src")
        try store.remove(reference: record.shortID)
        #expect(try store.list().isEmpty)
    }

    @Test func errorsNameWhatIsWrong() throws {
        let tmp = TempDir()
        let store = ImageStore(root: tmp.path)
        #expect(throws: ImageStoreError.sourceNotFound(path: tmp.path + "/missing")) {
            try store.importImage(reference: "x", from: tmp.path + "/missing")
        }
        #expect(throws: ImageStoreError.notFound(reference: "docker.io/library/nope:latest")) {
            try store.remove(reference: "nope")
        }
        #expect("\(ImageStoreError.notFound(reference: "docker.io/library/nope:latest"))" == "image \"docker.io/library/nope:latest\" not found")
        #expect {
            try store.importImage(reference: "Bad:Ref!", from: tmp.path)
        } throws: { error in
            if case .invalidReference = error as? ImageStoreError { return true }
            return false
        }
        #expect {
            try store.importImage(reference: "x", from: tmp.path, changes: ["RUN true"])
        } throws: { error in
            if case .invalidChange = error as? ImageStoreError { return true }
            return false
        }
        // Failed imports leave nothing behind.
        #expect(try store.list().isEmpty)
        let garbage = tmp.path + "/garbage.tar"
        _ = FileManager.default.createFile(atPath: garbage, contents: Data("not a tarball".utf8))
        #expect {
            try store.importImage(reference: "x", from: garbage)
        } throws: { error in
            if case .toolFailed = error as? ImageStoreError { return true }
            return false
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory).isEmpty)
    }

    @Test func missingImageMessageNamesTheImportCommand() {
        #expect(
            ImageStore.missingImageMessage(reference: "busybox:1.36")
                == "image \"busybox:1.36\" not found: import it with: peapod image import busybox:1.36 DIR|TAR")
    }
}

@Suite(.requires("needs root to make device nodes and chown") { Root.isRoot })
struct ImageStoreRootTests {
    /// makedev(1, 3) (glibc's encoding for small numbers: major << 8 | minor).
    let nullDevice: dev_t = (1 << 8) | 3

    @Test func importKeepsOwnersDeviceNodesAndHardLinks() throws {
        let tmp = ImageStoreTests.TempDir()
        let source = tmp.path + "/src"
        try ImageStoreTests.makeRootfs(at: source)
        #expect(mknod(source + "/null", S_IFCHR | 0o666, nullDevice) == 0)
        #expect(chown(source + "/etc/deep/file", 1000, 1000) == 0)
        #expect(link(source + "/bin/tool", source + "/bin/tool-hardlink") == 0)
        try ExternalTool.run("tar", ["-cf", tmp.path + "/img.tar", "-C", source, "."])
        let store = ImageStore(root: tmp.path + "/state")
        for record in [
            try store.importImage(reference: "dir", from: source),
            try store.importImage(reference: "tar", from: tmp.path + "/img.tar"),
        ] {
            var info = stat()
            #expect(stat(record.rootfsPath + "/null", &info) == 0)
            #expect(info.st_mode & S_IFMT == S_IFCHR && info.st_rdev == nullDevice)
            #expect(stat(record.rootfsPath + "/etc/deep/file", &info) == 0)
            #expect(info.st_uid == 1000 && info.st_gid == 1000)
            var a = stat(), b = stat()
            #expect(stat(record.rootfsPath + "/bin/tool", &a) == 0 && stat(record.rootfsPath + "/bin/tool-hardlink", &b) == 0)
            #expect(a.st_ino == b.st_ino)
        }
    }

    /// The busybox image the integration tests use: PEAPOD_TEST_ROOTFS, else rootfs/build/busybox.
    static let builtRootfs = ProcessInfo.processInfo.environment["PEAPOD_TEST_ROOTFS"]
        ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("rootfs/build/busybox").path

    @Test(.requires("needs the busybox image (tools/build-rootfs.sh, or PEAPOD_TEST_ROOTFS)") {
        FileManager.default.fileExists(atPath: ImageStoreRootTests.builtRootfs + "/bin/busybox")
    })
    func importsTheBusyboxRootfs() throws {
        let built = Self.builtRootfs
        let tmp = ImageStoreTests.TempDir()
        let store = ImageStore(root: tmp.path)
        let record = try store.importImage(
            reference: "busybox", from: built,
            changes: ["ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "CMD [\"sh\"]"])
        #expect(record.config.cmd == ["sh"])
        #expect(record.size > 1_000_000)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: record.rootfsPath + "/bin/sh") == "busybox")
        #expect(FileManager.default.isExecutableFile(atPath: record.rootfsPath + "/bin/ipcmk"))
        #expect(HostFS.mode(record.rootfsPath + "/tmp") == 0o1777)
    }
}
