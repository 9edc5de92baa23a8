// The files of one log as the reader holds them: each open by descriptor, known by inode, so a
// rotation that renames or removes one while it is read changes nothing; and several read as one
// stream of bytes.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One open file of a log: the descriptor keeps it readable while a rotation renames or removes it.
struct CRIOpenLogFile {
    var path: String
    var fd: Int32
    var id: CRILogFileID

    static func open(_ path: String) -> CRIOpenLogFile? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            Glibc.close(fd)
            return nil
        }
        return CRIOpenLogFile(path: path, fd: fd, id: CRILogFileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }

    static func id(of path: String) -> CRILogFileID? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return CRILogFileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    func close() { Glibc.close(fd) }

    /// Everything from `offset` to the end.
    func readAll(from offset: Int64, blockSize: Int = CRILogReader.defaultBlockSize) throws(CRILogError) -> [UInt8] {
        var result: [UInt8] = []
        var position = offset
        var block = [UInt8](repeating: 0, count: blockSize)
        while true {
            let n = block.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(position)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CRILogError(operation: "read", path: path, errno: errno)
            }
            if n == 0 { break }
            result.append(contentsOf: block[0..<n])
            position += Int64(n)
        }
        return result
    }
}

/// Bytes of one or more files of a log read as one stream, and where each file's part begins, so
/// that a position in the stream can be given back as a file and an offset in it.
struct CRILogStretch {
    var bytes: [UInt8] = []
    var parts: [(start: Int, file: CRILogFileID, base: Int64)] = []

    /// `files` in order, the first from `offset`.
    init(_ files: ArraySlice<CRIOpenLogFile>, from offset: Int64, blockSize: Int) throws(CRILogError) {
        for file in files {
            let base = parts.isEmpty ? offset : 0
            parts.append((bytes.count, file.id, base))
            bytes += try file.readAll(from: base, blockSize: blockSize)
        }
    }

    /// The file and offset of `index` in `bytes`; at the edge of two files, the start of the later.
    func position(of index: Int) -> (file: CRILogFileID?, offset: Int64) {
        guard let part = parts.last(where: { $0.start <= index }) else { return (nil, Int64(index)) }
        return (part.file, part.base + Int64(index - part.start))
    }
}
