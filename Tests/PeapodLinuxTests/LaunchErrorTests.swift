// No root: the words of launch errors, overlay mount data and launch validation.

import Glibc
import Testing
@testable import PeapodLinux
import CPeapod

private func record(step: LaunchStep, errno: Int32, index: Int32 = -1, path: String) -> pp_error {
    var r = pp_error()
    r.step = step.rawValue
    r.err = errno
    r.index = index
    withUnsafeMutableBytes(of: &r.path) { raw in
        for (i, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[i] = byte }
    }
    return r
}

@Suite("LaunchError text")
struct LaunchErrorTests {
    let data = MountSpec(kind: .bind(source: "/var/lib/peapod/pods/x/volumes/data", recursive: true),
                         target: "/data", label: "volume \"data\"")

    @Test func stepsMirrorTheShimsNumbers() {
        #expect(LaunchStep.exec.rawValue == Int32(PP_STEP_EXEC.rawValue))
        #expect(LaunchStep.mountSource.rawValue == Int32(PP_STEP_MOUNT_SOURCE.rawValue))
        #expect(LaunchStep.pivotRoot.rawValue == Int32(PP_STEP_PIVOT_ROOT.rawValue))
        #expect(LaunchStep.helperDied.rawValue == Int32(PP_STEP_HELPER_DIED.rawValue))
        #expect(LaunchStep.joinUserNamespace.rawValue == Int32(PP_STEP_JOIN_USER.rawValue))
        #expect(LaunchStep.becomeNamespaceRoot.rawValue == Int32(PP_STEP_NAMESPACE_ROOT.rawValue))
        #expect(LaunchStep.idMappedMount.rawValue == Int32(PP_STEP_ID_MAPPED_MOUNT.rawValue))
        #expect(LaunchStep.mountLayer.rawValue == Int32(PP_STEP_MOUNT_LAYER.rawValue))
        #expect(LaunchStep.writeIDMap.rawValue == Int32(PP_STEP_ID_MAP.rawValue))
        #expect(LaunchStep(rawValue: 999) == nil)
    }

    @Test func aMountFailureNamesTheLabelAndTheTarget() {
        let error = LaunchError(container: "app", record: record(step: .mount, errno: ENOENT, index: 0, path: "/data"), mounts: [data])
        #expect(error.description == "container app: mount volume \"data\" at /data: no such file or directory")
        #expect(error.mount == data)
    }

    @Test func aMissingSourceAlsoNamesTheHostPath() {
        let error = LaunchError(container: "app", record: record(step: .mountSource, errno: ENOENT, index: 0, path: "x"), mounts: [data])
        #expect(error.description == "container app: mount volume \"data\" at /data: bind source /var/lib/peapod/pods/x/volumes/data: no such file or directory")
    }

    @Test func aVolumeTheKernelCannotIDMapSaysSo() {
        let error = LaunchError(container: "app", record: record(step: .idMappedMount, errno: EINVAL, index: 0, path: "x"), mounts: [data])
        #expect(error.description == "container app: mount volume \"data\" at /data: id-map bind source /var/lib/peapod/pods/x/volumes/data: "
                + "invalid argument (the filesystem may not support id-mapped mounts on this kernel)")
        let layer = LaunchError(container: "app", record: record(step: .idMappedMount, errno: EINVAL, path: "/var/lib/peapod/images/b/rootfs"), mounts: [data])
        #expect(layer.description == "container app: make an id-mapped mount of /var/lib/peapod/images/b/rootfs: "
                + "invalid argument (the filesystem may not support id-mapped mounts on this kernel)")
        #expect(LaunchError(container: "app", step: .becomeNamespaceRoot, errno: EPERM, path: "").description
                == "container app: become root of the pod's user namespace: operation not permitted")
    }

    @Test func execFailuresQuoteTheCommand() {
        #expect(LaunchError(container: "app", step: .exec, errno: ENOENT, path: "/bin/nope").description
                == "container app: exec \"/bin/nope\": no such file or directory")
        #expect(LaunchError(container: "app", step: .exec, errno: ENOENT, path: "nope").description
                == "container app: exec \"nope\": executable file not found in $PATH")
        #expect(LaunchError(container: "app", step: .exec, errno: EACCES, path: "/etc/passwd").description
                == "container app: exec \"/etc/passwd\": permission denied")
    }

    @Test func otherStepsReadAsASentence() {
        #expect(LaunchError(container: "web", step: .pivotRoot, errno: EINVAL, path: "/var/lib/peapod/m").description
                == "container web: pivot_root into /var/lib/peapod/m: invalid argument")
        #expect(LaunchError(container: "web", step: .joinNetworkNamespace, errno: EINVAL, path: "/run/peapod/pods/u/ns/net").description
                == "container web: join the pod's network namespace /run/peapod/pods/u/ns/net: invalid argument")
        #expect(LaunchError(container: "", step: .chdir, errno: ENOTDIR, path: "/etc/passwd").description
                == "chdir into working directory /etc/passwd: not a directory")
    }

    @Test func anOutOfRangeMountIndexIsIgnored() {
        let error = LaunchError(container: "app", record: record(step: .mount, errno: EPERM, index: 5, path: "/x"), mounts: [data])
        #expect(error.mount == nil)
        #expect(error.description == "container app: mount /x: operation not permitted")
    }
}

@Suite("Launch plan marshalling")
struct LaunchPlanMarshallingTests {
    func launch(argv: [String] = ["/bin/sh"], workingDir: String = "/", mounts: [MountSpec] = [],
                lower: [String] = ["/img/a", "/img/b"]) -> ContainerLaunch {
        ContainerLaunch(containerName: "app",
                        rootfs: RootfsLayout(lowerDirs: lower, upperDir: "/c/upper", workDir: "/c/work", mergedDir: "/c/merged"),
                        namespaces: SandboxNamespaces(net: "/n", ipc: "/i", uts: "/u"), mounts: mounts, argv: argv,
                        environment: [], workingDir: workingDir, stdinFD: -1, stdoutFD: -1, stderrFD: -1)
    }

    @Test func overlayDataListsLayersTopmostFirstAndEscapesSeparators() {
        #expect(overlayMountData(launch().rootfs) == "lowerdir=/img/a:/img/b,upperdir=/c/upper,workdir=/c/work")
        let odd = RootfsLayout(lowerDirs: ["/a:b", "/c,d"], upperDir: "/u\\x", workDir: "/w", mergedDir: "/m")
        #expect(overlayMountData(odd) == "lowerdir=/a\\:b:/c\\,d,upperdir=/u\\\\x,workdir=/w")
        var throwaway = launch().rootfs
        throwaway.volatile = true
        #expect(overlayMountData(throwaway) == "lowerdir=/img/a:/img/b,upperdir=/c/upper,workdir=/c/work,volatile")
    }

    @Test func overlayDataEscapesNonASCIIPathsPerCharacter() {
        // Multi-byte UTF-8 around separators; a separator with a combining mark is another
        // character and stays as it is.
        let paths = RootfsLayout(lowerDirs: ["/é:ü", "/☃,\\"], upperDir: "/x:\u{301}y", workDir: "/日本", mergedDir: "/m")
        #expect(overlayMountData(paths) == "lowerdir=/é\\:ü:/☃\\,\\\\,upperdir=/x:\u{301}y,workdir=/日本")
    }

    @Test func invalidPlansAreRefusedBeforeAnyProcessExists() {
        let cases: [(ContainerLaunch, String)] = [
            (launch(argv: []), "empty command"),
            (launch(workingDir: "relative"), "working dir relative is not absolute"),
            (launch(mounts: [MountSpec(kind: .tmpfs(options: ""), target: "data", label: "volume \"d\"")]),
             "mount target data of volume \"d\" is not absolute"),
            (launch(lower: []), "no image layers (lowerDirs)"),
            (launch(argv: ["a\u{0}b"]), "NUL byte in \"a␀b\""),
            (launch(lower: [String(repeating: "x", count: 5000)]), "overlay mount data longer than 4095 bytes"),
        ]
        for (plan, message) in cases {
            let error = #expect(throws: LaunchError.self) { try spawnContainer(plan) }
            #expect(error?.step == .invalidLaunch)
            #expect(error?.description == "container app: invalid launch plan: \(message): invalid argument")
        }
    }
}
