// Host side of a pod's volumes and per-pod files, in three steps the supervisor calls:
//
//   check()            no side effects: everything `apply --dry-run=client` can know (sources
//                      Peapod supports, hostPath types, subPath escapes, downward API items)
//   setUp()            creates the volumes (emptyDir dirs and tmpfs mounts, hostPath ...OrCreate,
//                      downwardAPI files) and the pod's etc-hosts, hostname and resolv.conf
//   mounts(for:)       just before each container start: its MountSpecs, resolving and creating
//                      subPaths then (an init container may have created the directory or a
//                      symlink a later container's subPath goes through, as in the kubelet)
//   teardown(...)      unmounts and removes what setUp made; safe to call after a crash
//
// Host paths follow the kubelet's pod directory layout:
//   <podDir>/volumes/kubernetes.io~empty-dir/<name>
//   <podDir>/volumes/kubernetes.io~downward-api/<name>
//   <filesDir>/etc-hosts, <filesDir>/hostname, <filesDir>/resolv.conf (the supervisor puts them
//   in the pod's run directory; the pod directory when none is given)

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

import PeapodSpec

/// What `setUp` did that `teardown` must undo.
public struct VolumeSetup: Sendable, Equatable {
    /// Host mount points made (tmpfs of emptyDir medium Memory).
    public var hostMounts: [String]
}

public struct VolumePlanner: Sendable {
    public let pod: Pod
    /// `<root>/pods/<namespace>_<name>_<uid>`.
    public let podDirectory: String
    /// The pod's addresses for /etc/hosts (see PodFiles.swift for why 127.0.0.1).
    public let podIPs: [String]
    /// The host's resolv.conf, the base of the pod's for every dnsPolicy but None.
    public let hostResolvConfPath: String
    /// Where etc-hosts, hostname and resolv.conf go.
    public let filesDirectory: String
    /// hostUsers: false: the pod's ids. An emptyDir is then the pod's on the host (its root owned
    /// by the container's root, fsGroup the pod's host gid for it), and the files Peapod writes
    /// for the pod are bound id-mapped (MountSpec.idMapped); a hostPath shows the host's ids.
    public var idMapping: IDMapping?

    public init(
        pod: Pod, podDirectory: String, filesDirectory: String? = nil, podIPs: [String] = ["127.0.0.1"],
        hostResolvConfPath: String = "/etc/resolv.conf"
    ) {
        self.pod = pod
        self.podDirectory = podDirectory
        self.filesDirectory = filesDirectory ?? podDirectory
        self.podIPs = podIPs
        self.hostResolvConfPath = hostResolvConfPath
    }

    public var hostsFilePath: String { filesDirectory + "/etc-hosts" }
    public var hostnameFilePath: String { filesDirectory + "/hostname" }
    public var resolvConfPath: String { filesDirectory + "/resolv.conf" }
    public var volumesDirectory: String { podDirectory + "/volumes" }

    /// The host directory (or file) that backs `volume`.
    public func hostPath(of volume: Volume) -> String {
        if let hostPath = volume.hostPath { return hostPath.path }
        if volume.downwardAPI != nil { return volumesDirectory + "/kubernetes.io~downward-api/" + volume.name }
        return volumesDirectory + "/kubernetes.io~empty-dir/" + volume.name
    }

    private var podName: String { "\(pod.metadata.namespace)/\(pod.metadata.name)" }

    // MARK: - check

    /// Every problem setup or a container start would hit that can be known now, without
    /// creating anything. Empty when the pod's volumes are fine.
    public func check() -> [VolumeError] {
        var errors: [VolumeError] = []
        for volume in pod.spec.volumes {
            func fail(_ message: String) { errors.append(VolumeError(pod: podName, volume: volume.name, message: message)) }
            switch volume.source {
            case .emptyDir(let source):
                if source.medium != "" && source.medium != "Memory" {
                    fail("emptyDir medium \"\(source.medium)\" is not supported (use \"\" or \"Memory\")")
                }
            case .hostPath(let source):
                if !source.path.hasPrefix("/") { fail("hostPath path \"\(source.path)\" must be absolute") }
                else if let message = HostPathCheck.check(path: source.path, type: source.type ?? "") { fail(message) }
            case .downwardAPI(let source):
                if let message = downwardAPIProblem(source) { fail(message) }
            case .other(let name, _):
                fail("\(name) volumes are not supported by peapod (supported: emptyDir, hostPath, downwardAPI)")
            case nil:
                fail("a volume needs exactly one source, it has \(volume.sourceNames.isEmpty ? "none" : volume.sourceNames.joined(separator: ", "))")
            }
        }
        for container in pod.allContainers {
            for mount in container.volumeMounts {
                if let error = mountProblem(mount, container: container) { errors.append(error) }
            }
        }
        return errors
    }

    private func mountProblem(_ mount: VolumeMount, container: Container) -> VolumeError? {
        func fail(_ message: String) -> VolumeError { VolumeError(pod: podName, container: container.name, message: message) }
        guard let volume = pod.spec.volumes.first(where: { $0.name == mount.name }) else {
            return fail("volumeMount \"\(mount.name)\" names no volume of the pod")
        }
        if !mount.subPathExpr.isEmpty {
            return fail("volume \"\(mount.name)\": subPathExpr is not supported by peapod yet")
        }
        guard !mount.subPath.isEmpty else { return nil }
        if mount.subPath.hasPrefix("/") || mount.subPath.split(separator: "/").contains("..") {
            return fail(escapeMessage(mount))
        }
        // A hostPath exists now, so symlinks on the way can be checked already.
        if let source = volume.hostPath, HostFS.kind(source.path) == .directory {
            do {
                _ = try SubPath.resolve(root: source.path, subPath: mount.subPath, create: false, mode: 0o755)
            } catch {
                return fail(subPathMessage(error, mount))
            }
        }
        return nil
    }

    private func escapeMessage(_ mount: VolumeMount) -> String {
        "subPath \"\(mount.subPath)\" escapes volume \"\(mount.name)\""
    }

    private func subPathMessage(_ error: SubPath.Failure, _ mount: VolumeMount) -> String {
        switch error {
        case .escapes: return escapeMessage(mount)
        case .tooManyLinks: return "subPath \"\(mount.subPath)\" of volume \"\(mount.name)\": too many levels of symbolic links"
        case .notADirectory(let path): return "subPath \"\(mount.subPath)\" of volume \"\(mount.name)\": \(path) is not a directory"
        case .system(let operation, let path, let code):
            return "subPath \"\(mount.subPath)\" of volume \"\(mount.name)\": \(HostFSError(operation, path, code))"
        }
    }

    private func downwardAPIProblem(_ source: DownwardAPIVolumeSource) -> String? {
        for item in source.items {
            if item.path.isEmpty || item.path.hasPrefix("/") || item.path.split(separator: "/").contains("..") {
                return "downwardAPI item path \"\(item.path)\" must be relative and must not contain \"..\""
            }
            if item.resourceFieldRef != nil {
                return "downwardAPI item \"\(item.path)\": resourceFieldRef is not supported by peapod yet"
            }
            guard let field = item.fieldRef else { return "downwardAPI item \"\(item.path)\" has no fieldRef" }
            do {
                _ = try DownwardAPIFiles.content(fieldPath: field.fieldPath, metadata: pod.metadata)
            } catch {
                return "downwardAPI item \"\(item.path)\": \(error.message)"
            }
        }
        return nil
    }

    // MARK: - setUp

    /// Creates the pod's volumes and files. On failure, whatever was made stays for `teardown`.
    public func setUp() throws(VolumeError) -> VolumeSetup {
        var setup = VolumeSetup(hostMounts: [])
        func system(_ volume: String?, _ body: () throws(HostFSError) -> Void) throws(VolumeError) {
            do { try body() } catch { throw VolumeError(pod: podName, volume: volume, message: error.description) }
        }
        try system(nil) { () throws(HostFSError) in
            try HostFS.makeDirectories(podDirectory, mode: 0o750)
            try HostFS.makeDirectories(filesDirectory, mode: 0o750)
        }

        for volume in pod.spec.volumes {
            let path = hostPath(of: volume)
            switch volume.source {
            case .emptyDir(let source):
                try system(volume.name) { () throws(HostFSError) in
                    try HostFS.makeDirectories(HostPathCheck.parentPath(path), mode: 0o750)
                    try HostFS.makeDirectories(path, mode: 0o777)
                }
                if source.medium == "Memory" {
                    let size = source.sizeLimit.map(\.value).flatMap { $0 > 0 ? $0 : nil }
                    try system(volume.name) { () throws(HostFSError) in try EmptyDirSetup.mountTmpfs(at: path, sizeBytes: size) }
                    setup.hostMounts.append(path)
                } else if source.medium != "" {
                    throw VolumeError(pod: podName, volume: volume.name, message: "emptyDir medium \"\(source.medium)\" is not supported")
                }
                // With a user namespace the volume is the pod's: what its containers make there is
                // owned by the pod's ids on the host too, never by the host's root.
                if let idMapping, lchown(path, idMapping.hostID, idMapping.hostID) != 0 {
                    throw VolumeError(pod: podName, volume: volume.name, message: HostFSError("chown", path).description)
                }
                try applyFSGroup(volume.name, path, readOnly: false, hostIDs: idMapping)
            case .hostPath(let source):
                var problem: String?
                try system(volume.name) { () throws(HostFSError) in problem = try HostPathCheck.setUp(path: source.path, type: source.type ?? "") }
                if let problem { throw VolumeError(pod: podName, volume: volume.name, message: problem) }
            case .downwardAPI(let source):
                if let problem = downwardAPIProblem(source) { throw VolumeError(pod: podName, volume: volume.name, message: problem) }
                let files = downwardAPIFiles(source, metadata: pod.metadata)
                try system(volume.name) { () throws(HostFSError) in
                    try HostFS.makeDirectories(HostPathCheck.parentPath(path), mode: 0o750)
                    try DownwardAPIFiles.write(files, into: path)
                }
                try applyFSGroup(volume.name, path, readOnly: true)
            case .other(let name, _):
                throw VolumeError(pod: podName, volume: volume.name, message: "\(name) volumes are not supported by peapod")
            case nil:
                throw VolumeError(pod: podName, volume: volume.name, message: "a volume needs exactly one source")
            }
        }

        let hostname = PodFiles.hostname(of: pod)
        try system(nil) { () throws(HostFSError) in
            if !pod.spec.hostNetwork {
                let hosts = PodFiles.hostsFile(hostname: hostname, podIPs: podIPs, hostAliases: pod.spec.hostAliases,
                                               domain: PodFiles.domain(of: pod))
                try HostFS.writeFile(hostsFilePath, Array(hosts.utf8), mode: 0o644)
            }
            try HostFS.writeFile(hostnameFilePath, Array((hostname + "\n").utf8), mode: 0o644)
            let hostResolv = String(decoding: HostFS.readFile(hostResolvConfPath) ?? [], as: UTF8.self)
            let resolv = PodFiles.resolvConf(dnsPolicy: pod.spec.dnsPolicy, dnsConfig: pod.spec.dnsConfig, hostResolvConf: hostResolv)
            try HostFS.writeFile(resolvConfPath, Array(resolv.utf8), mode: 0o644)
        }
        return setup
    }

    /// The files of a downwardAPI volume for `metadata`.
    private func downwardAPIFiles(_ source: DownwardAPIVolumeSource, metadata: ObjectMeta) -> [(path: String, content: String, mode: mode_t)] {
        var files: [(path: String, content: String, mode: mode_t)] = []
        for item in source.items {
            guard let field = item.fieldRef else { continue }
            let content = (try? DownwardAPIFiles.content(fieldPath: field.fieldPath, metadata: metadata)) ?? ""
            let mode = mode_t(item.mode ?? source.defaultMode ?? 0o644) & 0o777
            files.append((item.path, content, mode))
        }
        return files
    }

    /// The pod's labels or annotations changed (`peapod label`, `annotate`): every downwardAPI
    /// volume is brought up to date with `metadata`, atomically, as the kubelet's periodic sync
    /// rewrites them; unchanged volumes are left alone.
    public func refreshDownwardAPI(metadata: ObjectMeta) throws(VolumeError) {
        for volume in pod.spec.volumes {
            guard case .downwardAPI(let source) = volume.source else { continue }
            let path = hostPath(of: volume)
            do {
                try DownwardAPIFiles.update(downwardAPIFiles(source, metadata: metadata), into: path)
            } catch {
                throw VolumeError(pod: podName, volume: volume.name, message: error.description)
            }
            try applyFSGroup(volume.name, path, readOnly: true)
        }
    }

    /// The pod's fsGroup on a volume the kubelet manages (VolumeOwnership); `hostIDs`: the
    /// volume is bound without an id-mapping into a user namespace with these ids, so its group
    /// is fsGroup's host gid.
    private func applyFSGroup(_ volume: String, _ path: String, readOnly: Bool, hostIDs: IDMapping? = nil) throws(VolumeError) {
        guard let group = pod.spec.securityContext?.fsGroup, var fsGroup = UInt32(exactly: group) else { return }
        if let hostIDs {
            guard let host = hostIDs.host(fsGroup) else {
                throw VolumeError(pod: podName, volume: volume,
                                  message: "fsGroup \(fsGroup) is outside the pod's user namespace (ids 0-\(hostIDs.size - 1))")
            }
            fsGroup = host
        }
        let onRootMismatch = pod.spec.securityContext?.fsGroupChangePolicy == "OnRootMismatch"
        do {
            try VolumeOwnership.apply(path, fsGroup: fsGroup, readOnly: readOnly, onRootMismatch: onRootMismatch)
        } catch {
            throw VolumeError(pod: podName, volume: volume, message: "fsGroup: " + error.description)
        }
    }

    // MARK: - mounts

    /// The mounts of `container`, in mount order (parents before children): its volumeMounts,
    /// then /etc/hosts (not with hostNetwork), /etc/hostname, /etc/resolv.conf and /dev/shm
    /// (bound from `shmDirectory`, the pod sandbox's), each skipped when the container mounts a
    /// volume at that path itself, as the kubelet and containerd do. subPaths are resolved now,
    /// and created as directories when missing.
    public func mounts(for container: Container, shmDirectory: String?) throws(VolumeError) -> [MountSpec] {
        var specs: [MountSpec] = []
        for mount in container.volumeMounts {
            func fail(_ message: String) -> VolumeError { VolumeError(pod: podName, container: container.name, message: message) }
            guard let volume = pod.spec.volumes.first(where: { $0.name == mount.name }) else {
                throw fail("volumeMount \"\(mount.name)\" names no volume of the pod")
            }
            if !mount.subPathExpr.isEmpty { throw fail("volume \"\(mount.name)\": subPathExpr is not supported by peapod yet") }
            var source = hostPath(of: volume)
            // An emptyDir is the pod's in a user namespace (setUp): so are the directories of
            // its subPaths, with the group of its root (the pod's root group, or fsGroup's).
            var owner: (uid: UInt32, gid: UInt32)?
            var root = stat()
            if let idMapping, volume.emptyDir != nil, stat(source, &root) == 0 { owner = (idMapping.hostID, root.st_gid) }
            if !mount.subPath.isEmpty {
                do {
                    source = try SubPath.resolve(
                        root: source, subPath: mount.subPath, create: true, mode: HostFS.mode(source) ?? 0o755, owner: owner)
                } catch {
                    throw fail(subPathMessage(error, mount))
                }
            }
            let isDirectory = HostFS.kind(source) == .directory
            var spec = MountSpec(
                kind: .bind(source: source, recursive: true), target: mount.mountPath,
                targetType: isDirectory ? .directory : .file,
                readOnly: mount.readOnly || volume.downwardAPI != nil,
                label: "volume \"\(mount.name)\"")
            // Files Peapod wrote show as the container root's, as the kubelet's id-mapped volumes.
            spec.idMapped = volume.downwardAPI != nil
            specs.append(spec)
        }

        let taken = Set(container.volumeMounts.map { normalizedTarget($0.mountPath) })
        let readOnlyRoot = container.securityContext?.readOnlyRootFilesystem ?? false
        var files: [MountSpec] = []
        if !pod.spec.hostNetwork, !taken.contains("/etc/hosts") {
            files.append(MountSpec(kind: .bind(source: hostsFilePath, recursive: false), target: "/etc/hosts", targetType: .file, label: "/etc/hosts"))
        }
        if !taken.contains("/etc/hostname") {
            files.append(
                MountSpec(
                    kind: .bind(source: hostnameFilePath, recursive: false), target: "/etc/hostname", targetType: .file,
                    readOnly: readOnlyRoot, label: "/etc/hostname"))
        }
        if !taken.contains("/etc/resolv.conf") {
            files.append(
                MountSpec(
                    kind: .bind(source: resolvConfPath, recursive: false), target: "/etc/resolv.conf", targetType: .file,
                    readOnly: readOnlyRoot, label: "/etc/resolv.conf"))
        }
        for var file in files {
            file.idMapped = true
            specs.append(file)
        }
        if let shmDirectory, !taken.contains("/dev/shm") {
            specs.append(MountSpec(kind: .bind(source: shmDirectory, recursive: false), target: "/dev/shm", label: "/dev/shm"))
        }
        // containerd sorts mounts by the depth of their target so that a parent is mounted before
        // what goes inside it, whatever order the manifest lists them in.
        return specs.enumerated().sorted { a, b in
            let (da, db) = (depth(a.element.target), depth(b.element.target))
            return da != db ? da < db : a.offset < b.offset
        }.map(\.element)
    }

    private func normalizedTarget(_ path: String) -> String {
        "/" + path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    private func depth(_ path: String) -> Int {
        path.split(separator: "/").filter { $0 != "." }.count
    }

    // MARK: - teardown

    /// Unmounts every tmpfs (or any other mount) under `<podDirectory>/volumes`, found in
    /// /proc/self/mountinfo, detached; then removes the volumes directory (never crossing into a
    /// mount that could not be removed). Idempotent; works after a crash.
    public static func teardown(podDirectory: String) throws(VolumeError) {
        do {
            try EmptyDirSetup.teardown(volumesDirectory: podDirectory + "/volumes")
        } catch {
            throw VolumeError(pod: podDirectory, message: "tearing down volumes: \(error)")
        }
    }
}
