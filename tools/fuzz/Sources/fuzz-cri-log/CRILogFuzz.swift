// CRI log files as `peapod logs` reads them (CRILogReader). The container controls the content
// of its lines and how its stdout and stderr interleave; the supervisor's writer controls the
// framing. The first byte picks the kind of input:
// - even: raw bytes as the file. No crash or hang; never more line bytes out than the file
//   holds; the resume offset lies within what was read; lines for following are all complete;
//   reading up to the resume offset, then from it, shows each line exactly once; tail(n) gives at
//   most n lines.
// - odd: writes to stdout and stderr (content, sizes, interleaving, end of a stream, a small
//   line limit so that lines are cut into P records) through the real CRILogWriter, after a few
//   filler records, read back in blocks of 64 to 612 bytes (64 KiB in use) so that records lie
//   across block edges. Reading the
//   file back gives exactly the lines written, per stream; tail(n) gives the n lines of a full
//   read that end last; tail and following from its offset show each later complete line
//   exactly once, and no unfinished line cut.

#if canImport(Glibc)
import Glibc
#endif
import CPeapod
@testable import PeapodLinux
import FuzzSupport

/// The file both sides use: an in-memory file, reopened through /proc by path.
let file: (fd: Int32, path: String) = {
    let fd = pp_memfd_cloexec("peapod-fuzz-log")
    precondition(fd >= 0)
    return (fd, "/proc/self/fd/\(fd)")
}()

/// The file as it is now.
func readFile() throws(CRILogError) -> [UInt8] {
    guard let open = CRIOpenLogFile.open(file.path) else { throw CRILogError(operation: "open", path: file.path, errno: errno) }
    defer { open.close() }
    return try open.readAll(from: 0)
}

/// The lines from `offset` on, as following from there shows them.
func linesOfFile(from offset: Int64) throws(CRILogError) -> CRILogChunk {
    let bytes = try readFile()
    return CRILogReader.assemble(Array(bytes[min(Int(offset), bytes.count)...]), base: offset, includeUnfinished: true)
}

func replaceFile(with bytes: [UInt8]) {
    _ = ftruncate(file.fd, 0)
    let n = bytes.withUnsafeBytes { pwrite(file.fd, $0.baseAddress, $0.count, 0) }
    precondition(n == bytes.count)
}

/// Filler records of exactly 300 bytes each, all complete stdout lines.
let fillerRecords: [[UInt8]] = (0..<8).map { i in
    var record = Array("2026-01-02T03:04:05.000000000Z stdout F filler \(i) ".utf8)
    record += [UInt8](repeating: UInt8(ascii: "."), count: 299 - record.count)
    return record + [10]
}

/// Lines compared as `peapod logs` shows them; the unfinished ones, which come last, in a fixed
/// order (the reader orders them by time stamp, and ties are possible).
func normalised(_ lines: [CRILogLine]) -> [CRILogLine] {
    let complete = lines.prefix { $0.complete }
    let rest = lines[complete.count...]
    return Array(complete) + rest.sorted { ($0.timestamp, $0.stream.rawValue) < ($1.timestamp, $1.stream.rawValue) }
}

func describe(_ lines: [CRILogLine]) -> String {
    lines.map { "\($0.stream.rawValue)\($0.complete ? "" : "(unfinished)") \(show($0.content))" }.joined(separator: "\n  ")
}

func checkSame(_ a: [CRILogLine], _ b: [CRILogLine], _ what: String) {
    check(normalised(a) == normalised(b), "\(what):\n  \(describe(a))\nversus\n  \(describe(b))")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCRILog(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    var input = FuzzInput(data, size)
    let mode = input.byte()
    if mode & 1 == 0 {
        raw(Array(input.rest()), tailCount: Int(mode >> 1) % 8)
    } else {
        written(&input, mode: mode)
    }
    return 0
}

func raw(_ bytes: [UInt8], tailCount: Int) {
    var contentBytes = 0
    let consumed = CRILogReader.forEachRecord(in: bytes) { record, end in
        contentBytes += record.content.count
        check(end <= bytes.count, "a record ends past the input")
    }
    check(consumed <= bytes.count && (consumed == 0 || bytes[consumed - 1] == 10), "consumed \(consumed)")
    check(contentBytes <= bytes.count, "\(contentBytes) content bytes from \(bytes.count)")

    let all = CRILogReader.assemble(bytes, base: 0, includeUnfinished: true)
    check(all.lines.reduce(0) { $0 + $1.content.count } <= bytes.count, "more line bytes than the file holds")
    let shown = CRILogReader.assemble(bytes, base: 0, includeUnfinished: false)
    check(shown.endOffset >= 0 && shown.endOffset <= Int64(consumed), "resume offset \(shown.endOffset) of \(consumed)")
    check(shown.lines.allSatisfy(\.complete), "an unfinished line shown before following")
    let later = CRILogReader.assemble(Array(bytes[Int(shown.endOffset)...]), base: shown.endOffset, includeUnfinished: true)
    checkSame(shown.lines + later.lines, all.lines, "reading up to the resume offset, then on from it")

    replaceFile(with: bytes)
    let reader = CRILogReader(path: file.path, blockSize: 64 + Int(tailCount) * 37)
    guard let tail = try? reader.tail(tailCount) else { fail("tail of an in-memory file failed") }
    check(tail.lines.count <= tailCount, "tail(\(tailCount)) gave \(tail.lines.count) lines")
}

func written(_ input: inout FuzzInput, mode: UInt8) {
    let settings = input.byte()
    let maxLine = settings & 0x80 != 0 ? CRILogWriter.defaultMaxLineSize : Int(settings % 16) + 1
    let fillerCount = Int(input.byte() % 8)
    replaceFile(with: Array(fillerRecords.prefix(fillerCount).joined()))

    let writer: CRILogWriter
    do {
        writer = try CRILogWriter(path: file.path, maxLineSize: maxLine)
    } catch {
        fail("cannot open the in-memory file: \(error)")
    }
    var sent: [CRILogStream: [UInt8]] = [:]
    var ended: Set<CRILogStream> = []
    while !input.isEmpty {
        let op = input.byte()
        let stream: CRILogStream = op & 1 == 0 ? .stdout : .stderr
        if op & 0x06 == 0x06 && op & 0x08 != 0 {
            writer.finish(stream)
            ended.insert(stream)
            continue
        }
        let chunk = Array(input.take(Int(op >> 3) + 1))
        if ended.contains(stream) { continue }  // nothing comes after the end of a pipe
        writer.write(chunk, stream: stream)
        sent[stream, default: []] += chunk
    }
    writer.close()
    check(writer.lastError == nil, "writing failed: \(String(describing: writer.lastError))")

    // What the lines must be: containerd's rules on what each stream sent.
    var expected: [CRILogStream: [(content: [UInt8], complete: Bool)]] = [:]
    expected[.stdout] = fillerRecords.prefix(fillerCount).map { (Array($0[40..<299]), true) }
    for stream in CRILogStream.allCases {
        var lines = (sent[stream] ?? []).split(separator: 10, omittingEmptySubsequences: false).map { Array($0) }
        let last = lines.removeLast()
        for var line in lines {
            if line.last == 13 { line.removeLast() }
            expected[stream, default: []].append((line, true))
        }
        if !last.isEmpty { expected[stream, default: []].append((last, false)) }
    }

    // Blocks of 64 to 612 bytes instead of 64 KiB: the same block edges, within small inputs.
    let reader = CRILogReader(path: file.path, blockSize: (64 << Int((mode >> 1) & 3)) + Int((mode >> 3) & 1) * 100)
    guard let full = try? reader.read() else { fail("reading the in-memory file failed") }
    for stream in CRILogStream.allCases {
        let got = full.lines.filter { $0.stream == stream }.map { ($0.content, $0.complete) }
        let want = expected[stream] ?? []
        check(got.count == want.count && zip(got, want).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 },
              "\(stream.rawValue) read back as\n  \(describe(full.lines.filter { $0.stream == stream }))\n"
                  + "instead of \(want.map { show($0.content) })")
    }

    // The file read whole, each line with where its last record ends: tail(n) takes the n lines
    // that end last, and shows the unfinished ones last.
    let bytes = (try? readFile()) ?? []
    let placed = CRILogReader.assembleLines(bytes)
    let byEnd = (placed.complete + placed.unfinished).sorted { $0.end < $1.end }
    let total = full.lines.count
    // A few counts only: each tail reads the file back, the target's main cost.
    for n in Set([1, 2, total / 2]) where n > 0 {
        guard let tail = try? reader.tail(n) else { fail("tail(\(n)) failed") }
        let last = byEnd.suffix(n)
        let expected = last.filter(\.line.complete) + last.filter { !$0.line.complete }
        checkSame(tail.lines, expected.map(\.line), "tail(\(n)) of \(total) lines")
        if n == 2 { continue }
        // Complete lines: each shown once, and none cut. An unfinished line older than every
        // line taken is not looked for (documented): the unfinished ones shown must be whole.
        guard let forFollow = try? reader.tail(n, includeUnfinished: false),
              let followed = try? linesOfFile(from: forFollow.endOffset) else { fail("tail(\(n)) then follow failed") }
        let seen = (forFollow.lines + followed.lines).filter(\.complete)
        let fullComplete = full.lines.filter(\.complete)
        checkSame(seen, Array(fullComplete.suffix(seen.count)), "tail(\(n)) then following from its offset")
        check(seen.count >= min(n, fullComplete.count), "tail(\(n)) then following shows \(seen.count) lines")
        for line in followed.lines where !line.complete {
            check(full.lines.contains(line), "following after tail(\(n)) shows part of an unfinished line: \(show(line.content))")
        }
    }
    guard let shown = try? reader.read(includeUnfinished: false),
          let later = try? linesOfFile(from: shown.endOffset) else { fail("read then follow failed") }
    checkSame(shown.lines + later.lines, full.lines, "reading up to the resume offset, then on from it")
}
