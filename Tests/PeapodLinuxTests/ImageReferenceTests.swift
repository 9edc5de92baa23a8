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

    /// Lengths around the padding boundaries (55 fits one block, 56 needs a second), whole
    /// blocks, and multi-byte UTF-8; checked against coreutils' sha256sum.
    @Test func sha256PaddingBoundariesAndUTF8() {
        let vectors: [(Int, String)] = [
            (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
            (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
            (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
            (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
            (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
        ]
        for (count, digest) in vectors {
            let text = String(repeating: "a", count: count)
            #expect(SHA256.hex(text) == digest, "\(count) bytes")
            // The same bytes fed in pieces, through each update path, give the same digest.
            var pieces = SHA256()
            pieces.update(Array(text.utf8.prefix(7)))
            pieces.update(String(repeating: "a", count: max(0, count - 7 - 3)))
            pieces.update(text.utf8.suffix(min(3, count - 7)).lazy.map { $0 })
            #expect(pieces.finalizeHex() == digest, "\(count) bytes in pieces")
        }
        #expect(SHA256.hex("docker.io/library/busybox:latest") == "de68ccc327e508f44a3a150fc877a442581bb03dd53e24b418fbc425ece79d52")
        #expect(SHA256.hex("héllo wörld ☃ 𝄞") == "d59665fa4d6e12d5a68ae60879ef934f468581051f8fb3ed6edf1908d26709ad")
    }

    @Test func imageFolderNames() throws {
        let store = ImageStore(root: "/state")
        let busybox = try ImageReference(parsing: "busybox")
        #expect(store.folder(for: busybox) == "/state/images/docker.io_library_busybox_latest-de68ccc327e5")
        let digest = try ImageReference(parsing: "localhost:5000/a/b@sha256:" + String(repeating: "0", count: 64))
        #expect(store.folder(for: digest).hasPrefix("/state/images/localhost_5000_a_b_sha256_0000"))
        // Longer than 180 characters: the readable part is cut at 180.
        let long = try ImageReference(parsing: "example.com/" + String(repeating: "x", count: 200) + ":t")
        let name = String(store.folder(for: long).dropFirst("/state/images/".count))
        #expect(name == "example.com_" + String(repeating: "x", count: 168) + "-" + SHA256.hex(long.normalized).prefix(12))
        // Non-ASCII (fullwidth hex digits in a non-sha256 digest) takes the Character-wise path.
        let wide = try ImageReference(parsing: "a@sha512:" + String(repeating: "\u{FF10}", count: 32))
        let wideName = String(store.folder(for: wide).dropFirst("/state/images/".count))
        #expect(wideName == "docker.io_library_a_sha512_" + String(repeating: "\u{FF10}", count: 32) + "-" + SHA256.hex(wide.normalized).prefix(12))
    }
}
