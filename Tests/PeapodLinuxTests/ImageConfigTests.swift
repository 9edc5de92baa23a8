import Testing

@testable import PeapodLinux

@Suite struct ImageChangeTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let changes: [String]
        let expected: ImageConfig
        var testDescription: String { changes.joined(separator: " | ") }
    }

    @Test(arguments: [
        Case(changes: ["ENV K=V"], expected: ImageConfig(env: ["K=V"])),
        Case(changes: ["env K=V"], expected: ImageConfig(env: ["K=V"])),
        Case(changes: ["ENV K V with spaces"], expected: ImageConfig(env: ["K=V with spaces"])),
        Case(changes: ["ENV A=1 B=\"two words\" C='$A'"], expected: ImageConfig(env: ["A=1", "B=two words", "C=$A"])),
        Case(changes: ["ENV A=1", "ENV A=2"], expected: ImageConfig(env: ["A=2"])),
        Case(changes: ["ENV PATH=/bin", "ENV PATH=/x:$PATH", "ENV Q=${PATH}:${NOPE:-d}"],
             expected: ImageConfig(env: ["PATH=/x:/bin", "Q=/x:/bin:d"])),
        Case(changes: ["ENV E=a\\ b"], expected: ImageConfig(env: ["E=a b"])),
        Case(changes: ["CMD [\"sh\"]"], expected: ImageConfig(cmd: ["sh"])),
        Case(changes: ["CMD [\"echo\", \"a b\"]"], expected: ImageConfig(cmd: ["echo", "a b"])),
        Case(changes: ["CMD echo $HOME && ls"], expected: ImageConfig(cmd: ["/bin/sh", "-c", "echo $HOME && ls"])),
        Case(changes: ["CMD [not json"], expected: ImageConfig(cmd: ["/bin/sh", "-c", "[not json"])),
        Case(changes: ["CMD []"], expected: ImageConfig(cmd: [])),
        Case(changes: ["ENTRYPOINT [\"/bin/app\", \"-v\"]"], expected: ImageConfig(entrypoint: ["/bin/app", "-v"])),
        Case(changes: ["ENTRYPOINT exec app"], expected: ImageConfig(entrypoint: ["/bin/sh", "-c", "exec app"])),
        Case(changes: ["WORKDIR /srv"], expected: ImageConfig(workingDir: "/srv")),
        Case(changes: ["WORKDIR /srv", "WORKDIR app/../data"], expected: ImageConfig(workingDir: "/srv/data")),
        Case(changes: ["WORKDIR rel"], expected: ImageConfig(workingDir: "/rel")),
        Case(changes: ["USER 1000"], expected: ImageConfig(user: "1000")),
        Case(changes: ["USER 1000:1000"], expected: ImageConfig(user: "1000:1000")),
        Case(changes: ["USER nobody"], expected: ImageConfig(user: "nobody")),
        Case(changes: ["  ENV   K=V  "], expected: ImageConfig(env: ["K=V"])),
    ])
    func appliesDockerfileInstructions(_ c: Case) throws {
        #expect(try ImageConfig().applying(changes: c.changes) == c.expected)
    }

    @Test(arguments: [
        ("RUN echo hi", "unknown instruction \"RUN\""),
        ("FROM x", "unknown instruction \"FROM\""),
        ("EXPOSE 80", "EXPOSE is not supported by peapod image import"),
        ("", "empty instruction"),
        ("ENV", "ENV requires at least one argument"),
        ("ENV K", "ENV must have two arguments"),
        ("ENV A=1 B", "can't find = in \"B\""),
        ("ENV =x", "ENV names can not be blank"),
        ("ENV A=\"open", "unexpected end of statement"),
        ("CMD", "CMD requires at least one argument"),
        ("USER", "USER requires exactly one argument"),
        ("WORKDIR", "WORKDIR requires exactly one argument"),
    ])
    func rejectsBadInstructionsNamingThem(_ change: String, _ fragment: String) {
        #expect {
            try ImageConfig().applying(changes: [change])
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("invalid --change \"\(change)\": ") && text.contains(fragment)
        }
    }

    @Test func nothingIsAddedWithoutChanges() throws {
        #expect(try ImageConfig().applying(changes: []) == ImageConfig())
    }
}
