// The per-pod supervisor process that `peapod apply`/`run` start, one per pod, for the pod's
// whole life. A separate executable from `peapod` so that it links only what supervising a pod
// needs, not the CLI, its manifest reader or libyaml: every running pod pays for its pages
// (docs/benchmarks.md, PSS per pod).
// Its arguments are fixed (SupervisorCommand); fd 3 is the ready pipe back to the CLI.

import Glibc
import PeapodLinux

func fail(_ message: String) -> Never {
    let line = Array(("error: " + message + "\n").utf8)
    _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    exit(1)
}

guard let command = SupervisorCommand(parsing: CommandLine.arguments.dropFirst()) else {
    fail("usage: \(SupervisorCommand.executableName) --root DIR --run-root DIR --backoff-base SECONDS "
        + "--backoff-cap SECONDS --container-log-max-size BYTES --container-log-max-files N "
        + "--housekeeping-interval NANOSECONDS [--foreground] PODDIR (started by peapod apply; not for direct use)")
}
do {
    exit(try command.run(readyFD: 3))
} catch {
    fail("\(error)")
}
