// No root: the words of the supervisor's events, as the kubelet's.

import PeapodRuntime
import Testing

@testable import PeapodLinux

@Suite("Event wording")
struct EventWordingTests {
    let wording = EventWording(podName: "web", namespace: "team", uid: "u-1")

    @Test("A failed hook's event quotes its output as Go's %q: \\r and control characters escaped")
    func hookFailure() {
        let event = wording.hookFailed(
            .postStart, container: "app", command: ["sh", "-c", "exit 3"],
            error: EventWording.hookExitError(command: ["sh", "-c", "exit 3"], code: 3),
            output: "line one\r\nbell\u{7} \u{1b}[0m \"q\" tab\t")
        #expect(event == EventText(
            "Warning", "FailedPostStartHook",
            #"Exec lifecycle hook ([sh -c exit 3]) for Container "app" in Pod "web_team(u-1)" failed - error: "#
                + #"command 'sh -c exit 3' exited with 3: , message: "line one\r\nbell\a \x1b[0m \"q\" tab\t""#))
        let preStop = wording.hookFailed(.preStop, container: "app", command: ["x"], error: "no such file", output: "")
        #expect(preStop.reason == "FailedPreStopHook")
        #expect(preStop.message.hasSuffix(#"failed - error: no such file, message: """#))
    }

    @Test func podEvents() {
        #expect(wording.scheduled(node: "host").message == "Successfully assigned team/web to host")
        #expect(wording.backOff("app").message == "Back-off restarting failed container app in pod web_team(u-1)")
        #expect(EventWording.killing("Stopping container app") == EventText("Normal", "Killing", "Stopping container app"))
        #expect(EventWording.probeFailed(.liveness, "HTTP probe failed with statuscode: 500").message
                == "Liveness probe failed: HTTP probe failed with statuscode: 500")
    }
}
