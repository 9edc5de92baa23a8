import Foundation
import PeapodSpec
import Testing

@testable import PeapodLinux
import PeapodTestSupport

/// A temp folder removed when the test ends (with any tmpfs below it unmounted first).
final class VolumeTempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "peapod-volume-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit {
        try? VolumePlanner.teardown(podDirectory: path + "/pod")
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ relative: String, _ content: String = "") -> String {
        let full = path + "/" + relative
        try! FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: full, contents: Data(content.utf8))
        return full
    }

    func dir(_ relative: String) -> String {
        let full = path + "/" + relative
        try! FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        return full
    }

    func link(_ relative: String, to target: String) {
        try! FileManager.default.createSymbolicLink(atPath: path + "/" + relative, withDestinationPath: target)
    }
}

func makePod(volumes: [Volume] = [], mounts: [VolumeMount] = [], configure: (inout Pod) -> Void = { _ in }) -> Pod {
    var container = Container()
    container.name = "app"
    container.image = "busybox"
    container.volumeMounts = mounts
    var pod = Pod(name: "web", namespace: "default", containers: [container])
    pod.metadata.uid = "0f1e2d3c-aaaa-bbbb-cccc-111122223333"
    pod.spec.volumes = volumes
    configure(&pod)
    return pod
}

@Suite("Volumes of a pod with a user namespace (root)", .requires("needs root to chown") { Root.isRoot })
struct UserNamespaceVolumeTests {
    @Test func anEmptyDirAndItsSubPathsAreThePodsAndFSGroupIsItsHostGID() throws {
        let tmp = VolumeTempDir()
        let pod = makePod(
            volumes: [Volume(name: "scratch", emptyDir: EmptyDirVolumeSource())],
            mounts: [VolumeMount(name: "scratch", mountPath: "/sub", subPath: "a/b")]) { pod in
                pod.spec.securityContext = PodSecurityContext()
                pod.spec.securityContext?.fsGroup = 2000
            }
        var planner = VolumePlanner(pod: pod, podDirectory: tmp.path + "/pod")
        planner.idMapping = IDMapping(hostID: 1 << 20)
        _ = try planner.setUp()
        let scratch = tmp.path + "/pod/volumes/kubernetes.io~empty-dir/scratch"
        var st = stat()
        #expect(stat(scratch, &st) == 0 && st.st_uid == 1 << 20 && st.st_gid == (1 << 20) + 2000)
        _ = try planner.mounts(for: pod.spec.containers[0], shmDirectory: nil)
        for dir in [scratch + "/a", scratch + "/a/b"] {
            #expect(stat(dir, &st) == 0 && st.st_uid == 1 << 20 && st.st_gid == (1 << 20) + 2000, "\(dir)")
        }
        try VolumePlanner.teardown(podDirectory: tmp.path + "/pod")
    }

    @Test func anFSGroupOutsideThePodsIDsIsAnError() throws {
        let tmp = VolumeTempDir()
        let pod = makePod(volumes: [Volume(name: "scratch", emptyDir: EmptyDirVolumeSource())]) { pod in
            pod.spec.securityContext = PodSecurityContext()
            pod.spec.securityContext?.fsGroup = 70000
        }
        var planner = VolumePlanner(pod: pod, podDirectory: tmp.path + "/pod")
        planner.idMapping = IDMapping(hostID: 1 << 20)
        #expect(throws: VolumeError.self) { try planner.setUp() }
        do {
            _ = try planner.setUp()
        } catch {
            #expect(error.description.hasSuffix("fsGroup 70000 is outside the pod's user namespace (ids 0-65535)"), "\(error)")
        }
        try VolumePlanner.teardown(podDirectory: tmp.path + "/pod")
    }
}

@Suite struct HostPathTypeCheckTests {
    @Test func typesAreCheckedAsTheKubeletDoes() throws {
        let tmp = VolumeTempDir()
        let dir = tmp.dir("d")
        let file = tmp.file("f", "x")
        let missing = tmp.path + "/missing"
        let socketPath = tmp.path + "/s.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, byte) in socketPath.utf8.enumerated() where i < raw.count - 1 { raw[i] = byte }
        }
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) } }
        #expect(bound == 0)
        defer { close(fd) }

        let cases: [(String, String, String?)] = [
            (missing, "", nil),
            (dir, "Directory", nil),
            (file, "Directory", "hostPath type check failed: \(file) is not a directory"),
            (missing, "Directory", "hostPath type check failed: \(missing) is not a directory"),
            (missing, "DirectoryOrCreate", nil),
            (file, "DirectoryOrCreate", "hostPath type check failed: \(file) is not a directory"),
            (file, "File", nil),
            (dir, "File", "hostPath type check failed: \(dir) is not a file"),
            (missing, "FileOrCreate", nil),
            (missing + "/sub/f", "FileOrCreate", "hostPath type check failed: cannot create \(missing)/sub/f: parent directory \(missing)/sub does not exist"),
            (dir, "FileOrCreate", "hostPath type check failed: \(dir) is not a file"),
            (socketPath, "Socket", nil),
            (file, "Socket", "hostPath type check failed: \(file) is not a socket file"),
            ("/dev/null", "CharDevice", nil),
            (file, "CharDevice", "hostPath type check failed: \(file) is not a character device"),
            ("/dev/null", "BlockDevice", "hostPath type check failed: /dev/null is not a block device"),
            (dir, "Bogus", "Bogus is an invalid volume type"),
        ]
        for (path, type, expected) in cases {
            #expect(HostPathCheck.check(path: path, type: type) == expected, "\(type) on \(path)")
        }
        // check() created nothing.
        #expect(HostFS.kind(missing) == .missing)
    }

    @Test func orCreateTypesCreateAtSetupOnly() throws {
        let tmp = VolumeTempDir()
        let newDir = tmp.path + "/new/deep/dir"
        let newFile = tmp.path + "/newfile"
        let pod = makePod(volumes: [
            Volume(name: "d", hostPath: HostPathVolumeSource(path: newDir, type: "DirectoryOrCreate")),
            Volume(name: "f", hostPath: HostPathVolumeSource(path: newFile, type: "FileOrCreate")),
        ])
        let planner = VolumePlanner(pod: pod, podDirectory: tmp.path + "/pod")
        #expect(planner.check().isEmpty)
        #expect(HostFS.kind(newDir) == .missing && HostFS.kind(newFile) == .missing)
        _ = try planner.setUp()
        #expect(HostFS.kind(newDir) == .directory && HostFS.mode(newDir) == 0o755)
        #expect(HostFS.kind(newFile) == .regular && HostFS.mode(newFile) == 0o644)
    }

    @Test func failuresNameThePodAndTheVolume() throws {
        let tmp = VolumeTempDir()
        let pod = makePod(volumes: [Volume(name: "data", hostPath: HostPathVolumeSource(path: tmp.path + "/nope", type: "Directory"))])
        let planner = VolumePlanner(pod: pod, podDirectory: tmp.path + "/pod")
        let errors = planner.check()
        #expect(errors.map(\.description) == ["pod default/web: volume \"data\": hostPath type check failed: \(tmp.path)/nope is not a directory"])
        #expect(throws: VolumeError.self) { try planner.setUp() }
    }
}

@Suite struct SubPathTests {
    /// volume/ with: dir/, file, inside -> dir, chain -> inside, root -> /, up -> .., hop -> dir/../../x
    static func volume(_ tmp: VolumeTempDir) -> String {
        let root = tmp.dir("vol")
        _ = tmp.dir("vol/dir/nested")
        _ = tmp.file("vol/file", "f")
        _ = tmp.dir("outside")
        tmp.link("vol/inside", to: "dir")
        tmp.link("vol/chain", to: "inside/nested")
        tmp.link("vol/root", to: "/")
        tmp.link("vol/up", to: "..")
        tmp.link("vol/hop", to: "dir/../../outside")
        tmp.link("vol/abs-inside", to: root + "/dir")
        tmp.link("vol/dir/back", to: "../../vol/dir")
        tmp.link("vol/loop", to: "loop")
        return root
    }

    @Test(arguments: ["../x", "/etc", "dir/../../x", "root", "root/etc", "up", "up/outside", "hop", "chain/../../../outside"])
    func escapesAreRefused(_ subPath: String) throws {
        let tmp = VolumeTempDir()
        let root = Self.volume(tmp)
        #expect(throws: SubPath.Failure.escapes) { try SubPath.resolve(root: root, subPath: subPath, create: true, mode: 0o755) }
        // Nothing was created outside.
        #expect(HostFS.kind(tmp.path + "/x") == .missing)
    }

    @Test(arguments: [
        ("dir", "dir"), ("inside", "dir"), ("chain", "dir/nested"), ("abs-inside", "dir"), ("dir/back/nested", "dir/nested"),
        ("file", "file"), ("./dir//nested/", "dir/nested"), ("dir/nested/..", "dir"), ("inside/new", "dir/new"),
    ])
    func symlinksStayingInsideAreFine(_ subPath: String, _ expected: String) throws {
        let tmp = VolumeTempDir()
        let root = Self.volume(tmp)
        let resolved = try SubPath.resolve(root: root, subPath: subPath, create: true, mode: 0o755)
        #expect(resolved == HostFS.realPath(root)! + "/" + expected)
    }

    @Test func missingSubPathsAreCreatedWithTheVolumeMode() throws {
        let tmp = VolumeTempDir()
        let root = Self.volume(tmp)
        let dryRun = try SubPath.resolve(root: root, subPath: "a/b", create: false, mode: 0o777)
        #expect(HostFS.kind(dryRun) == .missing)
        let made = try SubPath.resolve(root: root, subPath: "a/b", create: true, mode: 0o777)
        #expect(made == dryRun)
        #expect(HostFS.kind(made) == .directory && HostFS.mode(made) == 0o777 && HostFS.mode(root + "/a") == 0o777)
    }

    @Test func loopsAndFilesInTheMiddleFail() {
        let tmp = VolumeTempDir()
        let root = Self.volume(tmp)
        #expect(throws: SubPath.Failure.tooManyLinks) { try SubPath.resolve(root: root, subPath: "loop", create: false, mode: 0o755) }
        #expect(throws: SubPath.Failure.self) { try SubPath.resolve(root: root, subPath: "file/x", create: false, mode: 0o755) }
    }

    @Test func plannerRefusesEscapingSubPathsWithTheVolumeName() throws {
        let tmp = VolumeTempDir()
        let root = Self.volume(tmp)
        let pod = makePod(
            volumes: [Volume(name: "data", hostPath: HostPathVolumeSource(path: root, type: "Directory")), Volume(name: "scratch", emptyDir: EmptyDirVolumeSource())],
            mounts: [VolumeMount(name: "data", mountPath: "/a", subPath: "root/etc"), VolumeMount(name: "scratch", mountPath: "/b", subPath: "../x")])
        let planner = VolumePlanner(pod: pod, podDirectory: tmp.path + "/pod")
        #expect(planner.check().map(\.description) == [
            "pod default/web: container app: subPath \"root/etc\" escapes volume \"data\"",
            "pod default/web: container app: subPath \"../x\" escapes volume \"scratch\"",
        ])
        _ = try planner.setUp()
        #expect(throws: VolumeError(pod: "default/web", container: "app", message: "subPath \"root/etc\" escapes volume \"data\"")) {
            try planner.mounts(for: pod.spec.containers[0], shmDirectory: nil)
        }
    }
}

@Suite struct VolumeMountTests {
    @Test func mountSpecsForEveryVolumeKindAndThePodFiles() throws {
        let tmp = VolumeTempDir()
        let hostFile = tmp.file("host/config.txt", "c")
        var downward = DownwardAPIVolumeSource(items: [DownwardAPIVolumeFile(path: "labels", fieldRef: ObjectFieldSelector(fieldPath: "metadata.labels"))])
        downward.defaultMode = 0o600
        let pod = makePod(
            volumes: [
                Volume(name: "scratch", emptyDir: EmptyDirVolumeSource()),
                Volume(name: "cfg", hostPath: HostPathVolumeSource(path: hostFile, type: "File")),
                Volume(name: "info", downwardAPI: downward),
            ],
            mounts: [
                VolumeMount(name: "scratch", mountPath: "/data/sub", subPath: "work"),
                VolumeMount(name: "scratch", mountPath: "/data", readOnly: true),
                VolumeMount(name: "cfg", mountPath: "/etc/app.conf"),
                VolumeMount(name: "info", mountPath: "/etc/podinfo"),
            ])
        let podDir = tmp.path + "/pod"
        let planner = VolumePlanner(pod: pod, podDirectory: podDir)
        #expect(planner.check().isEmpty)
        let setup = try planner.setUp()
        #expect(setup.hostMounts.isEmpty)
        let scratch = podDir + "/volumes/kubernetes.io~empty-dir/scratch"
        #expect(HostFS.mode(scratch) == 0o777)
        let specs = try planner.mounts(for: pod.spec.containers[0], shmDirectory: "/run/peapod/pods/u/shm")
        let scratchReal = HostFS.realPath(scratch)!
        // What Peapod writes for the pod is bound id-mapped into a user namespace; the pod's own
        // storage and the host's paths are not.
        func idMapped(_ spec: MountSpec) -> MountSpec {
            var spec = spec
            spec.idMapped = true
            return spec
        }
        #expect(specs == [
            MountSpec(kind: .bind(source: scratch, recursive: true), target: "/data", readOnly: true, label: "volume \"scratch\""),
            MountSpec(kind: .bind(source: scratchReal + "/work", recursive: true), target: "/data/sub", label: "volume \"scratch\""),
            MountSpec(kind: .bind(source: hostFile, recursive: true), target: "/etc/app.conf", targetType: .file, label: "volume \"cfg\""),
            idMapped(MountSpec(
                kind: .bind(source: podDir + "/volumes/kubernetes.io~downward-api/info", recursive: true), target: "/etc/podinfo",
                readOnly: true, label: "volume \"info\"")),
            idMapped(MountSpec(kind: .bind(source: podDir + "/etc-hosts", recursive: false), target: "/etc/hosts", targetType: .file, label: "/etc/hosts")),
            idMapped(MountSpec(kind: .bind(source: podDir + "/hostname", recursive: false), target: "/etc/hostname", targetType: .file, label: "/etc/hostname")),
            idMapped(MountSpec(kind: .bind(source: podDir + "/resolv.conf", recursive: false), target: "/etc/resolv.conf", targetType: .file, label: "/etc/resolv.conf")),
            MountSpec(kind: .bind(source: "/run/peapod/pods/u/shm", recursive: false), target: "/dev/shm", label: "/dev/shm"),
        ])
        #expect(HostFS.mode(scratch + "/work") == 0o777)

        try VolumePlanner.teardown(podDirectory: podDir)
        #expect(HostFS.kind(podDir + "/volumes") == .missing)
        try VolumePlanner.teardown(podDirectory: podDir)  // idempotent
    }

    @Test func containerMountsOverridePodFilesAndHostNetworkSkipsHosts() throws {
        let tmp = VolumeTempDir()
        let pod = makePod(
            volumes: [Volume(name: "etc", emptyDir: EmptyDirVolumeSource())],
            mounts: [VolumeMount(name: "etc", mountPath: "/etc/resolv.conf", subPath: "r")]
        ) { pod in
            pod.spec.hostNetwork = true
            pod.spec.containers[0].securityContext = SecurityContext()
            pod.spec.containers[0].securityContext?.readOnlyRootFilesystem = true
        }
        let planner = VolumePlanner(pod: pod, podDirectory: tmp.path + "/pod")
        _ = try planner.setUp()
        let specs = try planner.mounts(for: pod.spec.containers[0], shmDirectory: nil)
        #expect(specs.map(\.target) == ["/etc/resolv.conf", "/etc/hostname"])
        #expect(specs[0].label == "volume \"etc\"")
        #expect(specs[1].readOnly)
        #expect(HostFS.kind(tmp.path + "/pod/etc-hosts") == .missing)
    }

    @Test func unsupportedSourcesAndUnknownVolumesAreReported() {
        var other = Volume(name: "cm")
        other.otherSources["configMap"] = .object(JSONObject())
        let pod = makePod(
            volumes: [other, Volume(name: "huge", emptyDir: EmptyDirVolumeSource(medium: "HugePages"))],
            mounts: [VolumeMount(name: "ghost", mountPath: "/g")])
        let errors = VolumePlanner(pod: pod, podDirectory: "/nonexistent").check().map(\.description)
        #expect(errors == [
            "pod default/web: volume \"cm\": configMap volumes are not supported by peapod (supported: emptyDir, hostPath, downwardAPI)",
            "pod default/web: volume \"huge\": emptyDir medium \"HugePages\" is not supported (use \"\" or \"Memory\")",
            "pod default/web: container app: volumeMount \"ghost\" names no volume of the pod",
        ])
    }
}

@Suite struct DownwardAPITests {
    @Test func filesHaveTheKubeletFormat() throws {
        let tmp = VolumeTempDir()
        let items = [
            DownwardAPIVolumeFile(path: "labels", fieldRef: ObjectFieldSelector(fieldPath: "metadata.labels")),
            DownwardAPIVolumeFile(path: "annotations", fieldRef: ObjectFieldSelector(fieldPath: "metadata.annotations")),
            DownwardAPIVolumeFile(path: "meta/name", fieldRef: ObjectFieldSelector(fieldPath: "metadata.name")),
            DownwardAPIVolumeFile(path: "meta/namespace", fieldRef: ObjectFieldSelector(fieldPath: "metadata.namespace")),
            DownwardAPIVolumeFile(path: "uid", fieldRef: ObjectFieldSelector(fieldPath: "metadata.uid")),
            DownwardAPIVolumeFile(path: "tier", fieldRef: ObjectFieldSelector(fieldPath: "metadata.labels['tier']")),
        ]
        var source = DownwardAPIVolumeSource(items: items)
        source.items[4].mode = 0o400
        let pod = makePod(volumes: [Volume(name: "info", downwardAPI: source)]) { pod in
            pod.metadata.labels = ["tier": "front", "app": "web", "zone": "a\"b"]
            pod.metadata.annotations = ["note": "line1\nline2\ttab \\ é \u{7f} \u{200B}", "build": "42"]
        }
        let planner = VolumePlanner(pod: pod, podDirectory: tmp.path + "/pod")
        #expect(planner.check().isEmpty)
        _ = try planner.setUp()
        let dir = tmp.path + "/pod/volumes/kubernetes.io~downward-api/info"
        func read(_ name: String) -> String { String(decoding: HostFS.readFile(dir + "/" + name) ?? [], as: UTF8.self) }
        #expect(read("labels") == "app=\"web\"\ntier=\"front\"\nzone=\"a\\\"b\"")
        #expect(read("annotations") == "build=\"42\"\nnote=\"line1\\nline2\\ttab \\\\ é \\x7f \\u200b\"")
        #expect(read("meta/name") == "web")
        #expect(read("meta/namespace") == "default")
        #expect(read("uid") == "0f1e2d3c-aaaa-bbbb-cccc-111122223333")
        #expect(read("tier") == "front")
        // The AtomicWriter layout: ..data -> ..<timestamp>, top-level names -> ..data/<name>.
        #expect(HostFS.readLink(dir + "/labels") == "..data/labels")
        #expect(HostFS.readLink(dir + "/meta") == "..data/meta")
        #expect(HostFS.readLink(dir + "/..data")?.hasPrefix("..") == true)
        #expect(HostFS.mode(dir + "/..data/labels") == 0o644)
        #expect(HostFS.mode(dir + "/..data/uid") == 0o400)
        // Setting up again (a retry) replaces the files.
        _ = try planner.setUp()
        #expect(read("labels").hasPrefix("app="))
    }

    @Test func aMetadataChangeSwapsDataAsTheAtomicWriterDoes() throws {
        let tmp = VolumeTempDir()
        let source = DownwardAPIVolumeSource(items: [
            DownwardAPIVolumeFile(path: "labels", fieldRef: ObjectFieldSelector(fieldPath: "metadata.labels")),
            DownwardAPIVolumeFile(path: "sub/tier", fieldRef: ObjectFieldSelector(fieldPath: "metadata.labels['tier']")),
            DownwardAPIVolumeFile(path: "name", fieldRef: ObjectFieldSelector(fieldPath: "metadata.name")),
        ])
        let pod = makePod(volumes: [Volume(name: "info", downwardAPI: source)]) { $0.metadata.labels = ["app": "web"] }
        let planner = VolumePlanner(pod: pod, podDirectory: tmp.path + "/pod")
        _ = try planner.setUp()
        let dir = tmp.path + "/pod/volumes/kubernetes.io~downward-api/info"
        func read(_ name: String) -> String { String(decoding: HostFS.readFile(dir + "/" + name) ?? [], as: UTF8.self) }
        func dataDirectories() -> [String] { ((try? HostFS.entries(dir)) ?? []).filter { $0.hasPrefix("..") && $0 != "..data" } }
        let first = HostFS.readLink(dir + "/..data")

        // Unchanged metadata: nothing is written.
        try planner.refreshDownwardAPI(metadata: pod.metadata)
        #expect(HostFS.readLink(dir + "/..data") == first)

        var changed = pod.metadata
        changed.labels = ["app": "db", "tier": "back"]
        try planner.refreshDownwardAPI(metadata: changed)
        let second = HostFS.readLink(dir + "/..data")
        #expect(second != first && second?.hasPrefix("..") == true)
        #expect(read("labels") == "app=\"db\"\ntier=\"back\"")
        #expect(read("sub/tier") == "back")
        #expect(read("name") == "web")
        // The old data directory is gone; the user-visible names still go through ..data.
        #expect(dataDirectories() == [second!])
        #expect(HostFS.readLink(dir + "/labels") == "..data/labels" && HostFS.readLink(dir + "/sub") == "..data/sub")
        #expect(!FileManager.default.fileExists(atPath: dir + "/..data_tmp"))
    }

    @Test func unsupportedItemsAreReported() {
        var item = DownwardAPIVolumeFile(path: "cpu")
        item.resourceFieldRef = ResourceFieldSelector(resource: "limits.cpu")
        let pod = makePod(volumes: [
            Volume(name: "a", downwardAPI: DownwardAPIVolumeSource(items: [item])),
            Volume(name: "b", downwardAPI: DownwardAPIVolumeSource(items: [DownwardAPIVolumeFile(path: "../x", fieldRef: ObjectFieldSelector(fieldPath: "metadata.name"))])),
            Volume(name: "c", downwardAPI: DownwardAPIVolumeFile(path: "ip", fieldRef: ObjectFieldSelector(fieldPath: "status.podIP")).asSource),
        ])
        #expect(VolumePlanner(pod: pod, podDirectory: "/x").check().map(\.description) == [
            "pod default/web: volume \"a\": downwardAPI item \"cpu\": resourceFieldRef is not supported by peapod yet",
            "pod default/web: volume \"b\": downwardAPI item path \"../x\" must be relative and must not contain \"..\"",
            "pod default/web: volume \"c\": downwardAPI item \"ip\": unsupported fieldRef fieldPath \"status.podIP\"",
        ])
    }
}

extension DownwardAPIVolumeFile {
    fileprivate var asSource: DownwardAPIVolumeSource { DownwardAPIVolumeSource(items: [self]) }
}

@Suite struct PodFilesTests {
    @Test func hostsFileAsTheKubeletWritesIt() {
        let text = PodFiles.hostsFile(
            hostname: "web", podIPs: ["127.0.0.1"],
            hostAliases: [HostAlias(ip: "10.1.2.3", hostnames: ["foo.remote", "bar.remote"]), HostAlias(ip: "127.0.0.1", hostnames: ["foo.local"])])
        #expect(text == """
            # Kubernetes-managed hosts file.
            127.0.0.1\tlocalhost
            ::1\tlocalhost ip6-localhost ip6-loopback
            fe00::0\tip6-localnet
            fe00::0\tip6-mcastprefix
            fe00::1\tip6-allnodes
            fe00::2\tip6-allrouters
            127.0.0.1\tweb

            # Entries added by HostAliases.
            10.1.2.3\tfoo.remote\tbar.remote
            127.0.0.1\tfoo.local

            """)
        #expect(!PodFiles.hostsFile(hostname: "h", podIPs: [], hostAliases: []).contains("HostAliases"))
    }

    @Test func hostnameIsSpecHostnameOrTheCutPodName() {
        #expect(PodFiles.hostname(of: makePod()) == "web")
        #expect(PodFiles.hostname(of: makePod { $0.spec.hostname = "custom" }) == "custom")
        let long = String(repeating: "a", count: 62) + "-b"
        #expect(PodFiles.hostname(of: makePod { $0.metadata.name = long }) == String(repeating: "a", count: 62))
    }

    static let host = """
        # generated
        nameserver 10.0.0.2
        nameserver 10.0.0.3 ; comment
        nameserver 10.0.0.4
        nameserver 10.0.0.5
        search old.example
        search corp.example example.com
        options ndots:2 timeout:1
        options rotate
        domain ignored.example
        """

    @Test func resolvConfFollowsDnsPolicy() {
        #expect(PodFiles.resolvConf(dnsPolicy: "ClusterFirst", dnsConfig: nil, hostResolvConf: Self.host) == """
            search corp.example example.com
            nameserver 10.0.0.2
            nameserver 10.0.0.3
            nameserver 10.0.0.4
            options ndots:2 timeout:1 rotate

            """)
        #expect(PodFiles.resolvConf(dnsPolicy: "Default", dnsConfig: nil, hostResolvConf: "") == "")

        var config = PodDNSConfig()
        config.nameservers = ["1.1.1.1", "10.0.0.2"]
        config.searches = ["ns1.svc.example"]
        config.options = [PodDNSConfigOption(name: "ndots", value: "5"), PodDNSConfigOption(name: "edns0")]
        #expect(PodFiles.resolvConf(dnsPolicy: "None", dnsConfig: config, hostResolvConf: Self.host) == """
            search ns1.svc.example
            nameserver 1.1.1.1
            nameserver 10.0.0.2
            options ndots:5 edns0

            """)
        #expect(PodFiles.resolvConf(dnsPolicy: "ClusterFirst", dnsConfig: config, hostResolvConf: Self.host) == """
            search corp.example example.com ns1.svc.example
            nameserver 10.0.0.2
            nameserver 10.0.0.3
            nameserver 10.0.0.4
            nameserver 1.1.1.1
            options ndots:5 timeout:1 rotate edns0

            """)
    }

    @Test func setUpWritesThePodFiles() throws {
        let tmp = VolumeTempDir()
        let hostResolv = tmp.file("resolv.conf", "nameserver 192.0.2.1\n")
        let pod = makePod { $0.spec.hostAliases = [HostAlias(ip: "10.0.0.9", hostnames: ["db"])] }
        let planner = VolumePlanner(pod: pod, podDirectory: tmp.path + "/pod", hostResolvConfPath: hostResolv)
        _ = try planner.setUp()
        func read(_ path: String) -> String { String(decoding: HostFS.readFile(path) ?? [], as: UTF8.self) }
        #expect(read(planner.hostnameFilePath) == "web\n")
        #expect(read(planner.resolvConfPath) == "nameserver 192.0.2.1\n")
        #expect(read(planner.hostsFilePath).hasSuffix("127.0.0.1\tweb\n\n# Entries added by HostAliases.\n10.0.0.9\tdb\n"))
        #expect(HostFS.mode(planner.hostsFilePath) == 0o644)
    }

    @Test func thePodFilesCanLiveOutsideThePodDirectory() throws {
        let tmp = VolumeTempDir()
        let pod = makePod { _ in }
        let planner = VolumePlanner(pod: pod, podDirectory: tmp.path + "/pod", filesDirectory: tmp.path + "/run",
                                    hostResolvConfPath: tmp.file("resolv.conf", "nameserver 192.0.2.1\n"))
        _ = try planner.setUp()
        #expect(planner.hostsFilePath == tmp.path + "/run/etc-hosts")
        #expect(HostFS.kind(tmp.path + "/run/hostname") != .missing)
        #expect(HostFS.kind(tmp.path + "/pod/etc-hosts") == .missing)
        let specs = try planner.mounts(for: pod.spec.containers[0], shmDirectory: nil)
        #expect(specs.contains { $0.target == "/etc/hosts" && $0.kind == .bind(source: tmp.path + "/run/etc-hosts", recursive: false) })
    }

    @Test func mountinfoEscapesAreDecoded() {
        let info = """
            22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
            90 22 0:50 / /var/lib/peapod/pods/a\\040b/volumes/kubernetes.io~empty-dir/x rw - tmpfs tmpfs rw,size=1024k
            """
        #expect(MountTable.mountPoints(mountinfo: info) == ["/", "/var/lib/peapod/pods/a b/volumes/kubernetes.io~empty-dir/x"])
    }
}

@Suite(.requires("needs root to mount tmpfs") { Root.isRoot })
struct EmptyDirMemoryRootTests {
    @Test func memoryEmptyDirIsATmpfsWithTheSizeLimitAndTeardownLeavesNoMount() throws {
        let tmp = VolumeTempDir()
        let podDir = tmp.path + "/pod"
        let pod = makePod(volumes: [
            Volume(name: "cache", emptyDir: EmptyDirVolumeSource(medium: "Memory", sizeLimit: try Quantity("8Mi"))),
            Volume(name: "nolimit", emptyDir: EmptyDirVolumeSource(medium: "Memory")),
        ])
        let planner = VolumePlanner(pod: pod, podDirectory: podDir)
        let setup = try planner.setUp()
        let cache = podDir + "/volumes/kubernetes.io~empty-dir/cache"
        let nolimit = podDir + "/volumes/kubernetes.io~empty-dir/nolimit"
        #expect(setup.hostMounts == [cache, nolimit])
        let real = HostFS.realPath(cache)!
        #expect(MountTable.mountPoints().contains(real))
        let mountinfo = String(decoding: HostFS.readFile("/proc/self/mountinfo")!, as: UTF8.self)
        let line = mountinfo.split(separator: "\n").first { $0.contains(" \(real) ") }
        #expect(line?.contains(" - tmpfs ") == true)
        var fs = statvfs()
        #expect(statvfs(cache, &fs) == 0)
        let blocks = Int64(fs.f_blocks)
        let blockSize = Int64(fs.f_frsize)
        #expect(blocks * blockSize == 8 * 1024 * 1024)
        #expect(HostFS.mode(cache) == 0o1777)
        // Idempotent: a second setUp does not stack another tmpfs.
        _ = try planner.setUp()
        #expect(MountTable.mountPoints().filter { $0 == real }.count == 1)
        // A file kept open does not block the detached unmount.
        let fd = open(cache + "/held", O_CREAT | O_WRONLY, 0o644)
        defer { close(fd) }

        try VolumePlanner.teardown(podDirectory: podDir)
        let base = HostFS.realPath(podDir) ?? podDir
        #expect(!MountTable.mountPoints().contains { $0.hasPrefix(base + "/") })
        #expect(HostFS.kind(podDir + "/volumes") == .missing)
        try VolumePlanner.teardown(podDirectory: podDir)
    }
}
