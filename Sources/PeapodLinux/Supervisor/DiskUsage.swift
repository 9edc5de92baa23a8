// Disk usage of directory trees (Sources/CPeapod/disk_usage.c), measured by a thread of the
// supervisor so that a large tree never holds up its containers' output.

import CPeapod
import Glibc

public enum DiskUsage {
    /// Bytes the tree at `path` takes on disk, as the kubelet's DiskUsage counts them; 0 when it
    /// does not exist, nil when it cannot be read. In the calling thread.
    public static func bytes(_ path: String) -> Int64? {
        let n = pp_disk_usage(path)
        return n < 0 ? nil : n
    }
}

/// One measurement of several trees under way in a thread (or already done, where no thread
/// could be started); `finish` must be called once.
final class DiskUsageMeasurement {
    private var handle: OpaquePointer?
    private var results: [Int64]?
    private let count: Int

    /// Readable once the thread is done; -1 when the results are there already.
    var fd: Int32 { handle.map { pp_du_fd($0) } ?? -1 }

    init(paths: [String]) {
        count = paths.count
        handle = BackgroundWork.withCStrings(paths) { pp_du_start($0, $1) }
        if handle == nil { results = paths.map { pp_disk_usage($0) } }
    }

    /// Bytes per path, in order (-1 where a tree could not be read or the walk was cancelled).
    func finish() -> [Int64] {
        if let results { return results }
        var bytes = [Int64](repeating: -1, count: count)
        if let handle {
            bytes.withUnsafeMutableBufferPointer { pp_du_finish(handle, $0.baseAddress) }
            self.handle = nil
        }
        results = bytes
        return bytes
    }

    /// Stops the walk early and waits for the thread.
    func cancel() {
        if let handle { pp_du_cancel(handle) }
        _ = finish()
    }
}
