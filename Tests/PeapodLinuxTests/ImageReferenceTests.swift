import Testing

@testable import PeapodLinux

@Suite struct ImageReferenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let input: String
        let normalized: String
        let familiar: String
        var testDescription: String { "\(input) → \(normalized)" }
    }

    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    @Test(arguments: [
        Case(input: "busybox", normalized: "docker.io/library/busybox:latest", familiar: "busybox:latest"),
        Case(input: "busybox:1.36", normalized: "docker.io/library/busybox:1.36", familiar: "busybox:1.36"),
        Case(input: "library/busybox", normalized: "docker.io/library/busybox:latest", familiar: "busybox:latest"),
        Case(input: "docker.io/busybox", normalized: "docker.io/library/busybox:latest", familiar: "busybox:latest"),
        Case(input: "index.docker.io/foo/bar", normalized: "docker.io/foo/bar:latest", familiar: "foo/bar:latest"),
        Case(input: "foo/bar", normalized: "docker.io/foo/bar:latest", familiar: "foo/bar:latest"),
        Case(input: "foo/bar/baz:v1", normalized: "docker.io/foo/bar/baz:v1", familiar: "foo/bar/baz:v1"),
        Case(input: "localhost/x", normalized: "localhost/x:latest", familiar: "localhost/x:latest"),
        Case(input: "localhost:5000/x:1", normalized: "localhost:5000/x:1", familiar: "localhost:5000/x:1"),
        Case(input: "registry.k8s.io/pause:3.9", normalized: "registry.k8s.io/pause:3.9", familiar: "registry.k8s.io/pause:3.9"),
        Case(input: "my-registry:5000/a__b/c-d.e", normalized: "my-registry:5000/a__b/c-d.e:latest", familiar: "my-registry:5000/a__b/c-d.e:latest"),
        Case(input: "[::1]:5000/img", normalized: "[::1]:5000/img:latest", familiar: "[::1]:5000/img:latest"),
        Case(input: "busybox@" + digest, normalized: "docker.io/library/busybox@" + digest, familiar: "busybox@" + digest),
        Case(input: "busybox:1.36@" + digest, normalized: "docker.io/library/busybox:1.36@" + digest, familiar: "busybox:1.36@" + digest),
    ])
    func normalisesAsDocker(_ c: Case) throws {
        let ref = try ImageReference(parsing: c.input)
        #expect(ref.normalized == c.normalized)
        #expect(ref.familiar == c.familiar)
        #expect(try ImageReference(parsing: ref.normalized) == ref)
    }

    @Test func separatesParts() throws {
        let ref = try ImageReference(parsing: "localhost:5000/team/app:v2")
        #expect(ref.domain == "localhost:5000")
        #expect(ref.path == "team/app")
        #expect(ref.tag == "v2")
        #expect(ref.digest == nil)
        #expect(ref.familiarName == "localhost:5000/team/app")
        #expect(try ImageReference(parsing: "busybox@" + Self.digest).tag == nil)
    }

    @Test(arguments: [
        "", "Busybox", "foo/Bar", "busybox:", ":tag", "busybox::1", "a//b", "-a", "a-", "a..b", "a___b",
        "busybox:" + String(repeating: "t", count: 129), "busybox@sha256:abc", "busybox@sha256:" + String(repeating: "A", count: 64),
        String(repeating: "a", count: 64).replacingOccurrences(of: "a", with: "0"), "with space", "UPPER.io:x/y:-bad",
    ])
    func rejectsInvalidReferences(_ input: String) {
        #expect(throws: ImageReferenceError.self) { try ImageReference(parsing: input) }
    }

    @Test func explainsUppercase() {
        #expect {
            try ImageReference(parsing: "Busybox")
        } throws: { error in
            (error as? ImageReferenceError)?.description == "invalid reference format: repository name (library/Busybox) must be lowercase: \"Busybox\""
                || (error as? ImageReferenceError)?.message.contains("must be lowercase") == true
        }
    }

    @Test func sha256MatchesStandardVectors() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(String(repeating: "a", count: 1000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }
}
