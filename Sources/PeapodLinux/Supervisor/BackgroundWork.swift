// Slow, independent system calls handed to a short-lived C thread of this process
// (Sources/CPeapod/background.c), so that a pod's set-up and teardown overlap with them.

import CPeapod
import Glibc

/// A thread of this process making or removing directories (background.c), joined by `wait`.
public final class BackgroundWork {
    private var thread: OpaquePointer?

    private init(_ thread: OpaquePointer?) { self.thread = thread }

    /// A thread closes `descriptors`, detaches `unmount` (as often as it is mounted), then
    /// rmdirs each of `rmdirs`; when no thread can be started, here and now.
    public static func teardown(closing descriptors: [Int32], unmount: String?, rmdirs: [String]) -> BackgroundWork {
        let thread = withCStrings(rmdirs) { paths, count in
            descriptors.withUnsafeBufferPointer { fds in
                pp_background_teardown(fds.baseAddress, Int32(fds.count), unmount, paths, count)
            }
        }
        if thread == nil {
            for fd in descriptors { close(fd) }
            if let unmount { while umount2(unmount, Int32(MNT_DETACH) | Int32(UMOUNT_NOFOLLOW)) == 0 {} }
            for path in rmdirs { _ = Glibc.rmdir(path) }
        }
        return BackgroundWork(thread)
    }

    /// mkdir (0755, an existing one is fine) of each path, in order, by a thread; when no thread
    /// can be started, here and now.
    public static func mkdir(_ paths: [String]) -> BackgroundWork {
        let thread = withCStrings(paths) { pp_background_mkdir($0, $1) }
        if thread == nil { for path in paths { _ = Glibc.mkdir(path, 0o755) } }
        return BackgroundWork(thread)
    }

    static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?, Int32) -> R) -> R {
        let pointers = strings.map { strdup($0) }
        defer { for p in pointers { free(p) } }
        return pointers.map { UnsafePointer($0) }.withUnsafeBufferPointer { body($0.baseAddress, Int32($0.count)) }
    }

    /// Waits for the thread: how many directories it could not make or remove.
    @discardableResult
    public func wait() -> Int32 {
        guard let thread else { return 0 }
        self.thread = nil
        return pp_background_wait(thread)
    }
}
