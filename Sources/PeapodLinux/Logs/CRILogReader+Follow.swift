// `peapod logs -f`: following an instance's log as it grows, across rotations and restarts
// (the behaviour is described in CRILogReader.swift).

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

extension CRILogReader {
    /// Follows an instance's log: emits every line completed from `offset` on (in the file
    /// `file`, or the current file when nil), polling every 100 ms for growth, until `until()`
    /// returns true (checked after every poll; the log is drained once more before returning,
    /// so nothing written before the stop is lost).
    ///
    /// A rotation is followed: the renamed file is drained through the descriptor held on it,
    /// then any rotated file made since, then the new current file. When `path` is
    /// `<dir>/<n>.log` and `<dir>/<n+1>.log` appears (the container restarted), the current file
    /// is drained and, with `followRestarts`, following continues at the start of the new file;
    /// without it, follow returns. Unfinished lines of a finished instance are emitted with
    /// `complete == false`. A file that does not exist yet is waited for.
    ///
    /// Returns the file and offset where it stopped.
    @discardableResult
    public static func follow(
        path: String, from offset: Int64 = 0, file startFile: CRILogFileID? = nil, followRestarts: Bool = true,
        pollInterval: Int = 100_000_000, until: () -> Bool, emit: (CRILogLine) -> Void
    ) -> (path: String, offset: Int64) {
        var currentPath = path
        var current: CRIOpenLogFile?
        var position = offset
        var resumeFrom = startFile
        var assembler = CRILineAssembler()
        var stopping = false
        func feed(_ bytes: [UInt8]) -> Int {
            forEachRecord(in: bytes) { record, _ in
                if let line = assembler.add(record) { emit(line) }
            }
        }
        func drain() {
            guard let current, let bytes = try? current.readAll(from: position) else { return }
            position += Int64(feed(bytes))
        }
        /// Reads the rotated files of `currentPath` that come after `previous` (from `offset` in
        /// `previous` itself when `includingPrevious`) and before the file `next`.
        func catchUp(after previous: CRILogFileID?, includingPrevious: Bool, from offset: Int64, before next: CRILogFileID) {
            let rotated = CRILogFiles.rotated(of: currentPath).compactMap(CRIOpenLogFile.open)
            defer { for file in rotated { file.close() } }
            // The previous file was removed as the oldest when it is not there any more: every
            // rotated file left is newer.
            let found = previous.flatMap { id in rotated.firstIndex { $0.id == id } }
            if let found, includingPrevious, let bytes = try? rotated[found].readAll(from: offset) { _ = feed(bytes) }
            for file in rotated[(found.map { $0 + 1 } ?? 0)...] {
                if file.id == next { break }
                if let bytes = try? file.readAll(from: 0) { _ = feed(bytes) }
            }
        }
        while true {
            if current == nil, let opened = CRIOpenLogFile.open(currentPath) {
                current = opened
                if let resume = resumeFrom, resume != opened.id {
                    // The position is in a file rotated since: go on from there.
                    catchUp(after: resume, includingPrevious: true, from: position, before: opened.id)
                    position = 0
                }
                resumeFrom = nil
            }
            drain()
            if stopping {
                current?.close()
                return (currentPath, position)
            }
            if let open = current, let id = CRIOpenLogFile.id(of: currentPath), id != open.id,
               let next = CRIOpenLogFile.open(currentPath) {
                // Rotated: what was written before the rotation is in the file held open.
                drain()
                catchUp(after: open.id, includingPrevious: false, from: 0, before: next.id)
                open.close()
                current = next
                position = 0
                continue
            }
            if let next = nextInstance(of: currentPath), access(next, F_OK) == 0 {
                // The writer of the current file has gone; one more drain catches its last records.
                drain()
                for line in assembler.unfinished() { emit(line) }
                assembler = CRILineAssembler()
                guard followRestarts else {
                    current?.close()
                    return (currentPath, position)
                }
                current?.close()
                current = nil
                currentPath = next
                position = 0
                continue
            }
            if until() {
                stopping = true
                continue
            }
            var pause = timespec(tv_sec: pollInterval / 1_000_000_000, tv_nsec: pollInterval % 1_000_000_000)
            var remaining = timespec()
            while nanosleep(&pause, &remaining) != 0 && errno == EINTR { pause = remaining }
        }
    }

    /// `<dir>/<n+1>.log` for `<dir>/<n>.log`.
    static func nextInstance(of path: String) -> String? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        let name = path[path.index(after: slash)...]
        guard name.hasSuffix(".log"), let count = Int(name.dropLast(4)), count >= 0 else { return nil }
        return String(path[...slash]) + "\(count + 1).log"
    }
}
