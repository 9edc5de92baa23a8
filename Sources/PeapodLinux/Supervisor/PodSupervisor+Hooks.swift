// Lifecycle hooks: a hook's exec handler runs inside its container in the background, as the
// runtime's exec; its end, reaped with the other children, is recorded as the hook's run, and a
// failure as the kubelet's FailedPostStartHook / FailedPreStopHook event.

import Glibc
import PeapodRuntime
import PeapodSpec

extension PodSupervisor {
    /// Starts a hook's exec handler inside the container, in the background; `reap` records
    /// its end. A hook that cannot even start is a failed hook.
    func runHook(_ name: String, _ kind: HookKind, now: Timestamp) {
        guard let container = running.values.first(where: { $0.name == name }) else { return }
        let spec = launcher.spec(name)
        let handler = kind == .postStart ? spec.lifecycle?.postStart : spec.lifecycle?.preStop
        let command = handler?.exec?.command ?? []
        let outputPath = podMounts!.terminationDir + "/.\(name)-\(kind.rawValue).out"
        var run = HookRun(startedAt: now)
        let output = open(outputPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { if output >= 0 { close(output) } }
        do {
            let pid = try execInContainer(container, argv: command, stdinFD: -1, outputFD: output)
            hooks[pid] = RunningHook(container: name, kind: kind, instanceID: container.instanceID, command: command,
                                     outputPath: outputPath)
        } catch {
            run.finishedAt = now
            run.exitCode = -1
            hookFailed(name, kind, command: command, error: "\(error)", output: "", now: now)
        }
        if kind == .postStart { observed[name].postStart = run } else { observed[name].preStop = run }
    }

    /// Starts `argv` in the container as its runtime's exec would (its ProcessSpec).
    func execInContainer(_ container: RunningContainer, argv: [String], stdinFD: Int32, outputFD: Int32) throws -> Int32 {
        var target = container.execTarget
        if target == nil {
            target = try ExecTarget(pid: container.pid, process: container.process, containerName: container.name)
            running[container.pid]?.execTarget = target
        }
        return try target!.exec(argv: argv, stdinFD: stdinFD, stdoutFD: outputFD, stderrFD: outputFD)
    }

    /// A hook's process was reaped: its run ends with its exit code.
    func finishHook(_ hook: RunningHook, status: Int32) {
        let now = Clock.now()
        let code = WaitStatus(raw: status).shellExitCode
        let output = (try? FileSystem.readText(hook.outputPath)) ?? ""
        unlink(hook.outputPath)
        var record = observed[hook.container]
        // A hook of an instance that has since been replaced changes nothing.
        guard record.current?.id == hook.instanceID else { return }
        var run = (hook.kind == .postStart ? record.postStart : record.preStop) ?? HookRun(startedAt: now)
        run.finishedAt = now
        run.exitCode = code
        if hook.kind == .postStart { record.postStart = run } else { record.preStop = run }
        observed[hook.container] = record
        if code != 0 {
            hookFailed(hook.container, hook.kind, command: hook.command,
                       error: EventWording.hookExitError(command: hook.command, code: code),
                       output: String(output.prefix(4096)), now: now)
        }
    }

    func hookFailed(_ name: String, _ kind: HookKind, command: [String], error: String, output: String, now: Timestamp) {
        record(wording.hookFailed(kind, container: name, command: command, error: error, output: output),
               container: name, at: now)
    }
}
