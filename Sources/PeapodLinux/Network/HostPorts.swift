// hostPorts on the pod network: the pod's mappings from its spec, and their leases, which find a
// clash with another live pod at apply. A lease is a file `<PROTO>_<hostIP>_<port>` under
// <root>/network/hostports/, holding the pod's uid and field path, taken with O_EXCL under the
// store lock. As the scheduler's NodePorts filter: the same protocol and port clash when the
// host addresses are equal or either is 0.0.0.0 (every address).

#if canImport(Glibc)
import Glibc
#endif
import PeapodSpec

public struct HostPortMapping: Sendable, Equatable, CustomStringConvertible {
    public static let anyAddress = "0.0.0.0"
    public var `protocol`: String
    public var hostIP: String
    public var hostPort: Int32
    public var containerPort: Int32
    /// Where it comes from: spec.containers[0].ports[1].hostPort.
    public var field: String

    public init(protocol: String, hostIP: String, hostPort: Int32, containerPort: Int32, field: String) {
        self.protocol = `protocol`
        self.hostIP = hostIP.isEmpty ? HostPortMapping.anyAddress : hostIP
        self.hostPort = hostPort
        self.containerPort = containerPort
        self.field = field
    }

    /// The pod's hostPorts (init containers' included, as the kubelet counts them).
    public static func of(_ pod: Pod) -> [HostPortMapping] {
        var result: [HostPortMapping] = []
        for (base, list) in [("spec.initContainers", pod.spec.initContainers), ("spec.containers", pod.spec.containers)] {
            for (ci, c) in list.enumerated() {
                for (pi, p) in c.ports.enumerated() where p.hostPort != 0 {
                    result.append(HostPortMapping(protocol: p.protocol.isEmpty ? "TCP" : p.protocol, hostIP: p.hostIP,
                                                  hostPort: p.hostPort, containerPort: p.containerPort,
                                                  field: "\(base)[\(ci)].ports[\(pi)].hostPort"))
                }
            }
        }
        return result
    }

    var leaseName: String { "\(`protocol`)_\(hostIP)_\(hostPort)" }

    init?(leaseName: String) {
        let f = leaseName.split(separator: "_")
        guard f.count == 3, let port = Int32(f[2]) else { return nil }
        self.init(protocol: String(f[0]), hostIP: String(f[1]), hostPort: port, containerPort: 0, field: "")
    }

    func clashes(with other: HostPortMapping) -> Bool {
        `protocol` == other.protocol && hostPort == other.hostPort
            && (hostIP == other.hostIP || hostIP == HostPortMapping.anyAddress || other.hostIP == HostPortMapping.anyAddress)
    }

    /// "8080/TCP" or "192.0.2.1:8080/TCP".
    public var description: String {
        (hostIP == HostPortMapping.anyAddress ? "" : hostIP + ":") + "\(hostPort)/\(`protocol`)"
    }
}

public struct HostPortClash: Error, CustomStringConvertible, Equatable {
    public var description: String
}

public struct HostPortLeases: Sendable {
    public var directory: String

    public init(directory: String) { self.directory = directory }

    /// Takes every mapping of the pod, or none: a mapping that clashes with one held by a pod in
    /// `livePods` is refused, naming the field and the holder; a lease of a pod no longer there
    /// (a crash) is taken over.
    public func acquire(_ ports: [HostPortMapping], podUID: String, podName: String, livePods: Set<String>) throws -> [HostPortMapping] {
        guard !ports.isEmpty else { return [] }
        try FileSystem.makeDirectories(directory, mode: 0o700)
        var taken: [HostPortMapping] = []
        do {
            for port in ports {
                for name in FileSystem.listDirectory(directory) {
                    guard let held = HostPortMapping(leaseName: name), held.clashes(with: port) else { continue }
                    let content = (try? FileSystem.readText(directory + "/" + name, limit: 4096)) ?? ""
                    let fields = content.split(separator: " ", maxSplits: 2).map(String.init)
                    let holder = fields.first ?? ""
                    if holder == podUID { continue }
                    if !holder.isEmpty && !livePods.contains(holder) {
                        _ = unlink(directory + "/" + name)
                        continue
                    }
                    let who = fields.count > 2 ? fields[2].trimmingWhitespace() : "another pod"
                    throw HostPortClash(description: "pod \(podName): \(port.field): Invalid value: \(port.hostPort): host port \(port) is already used by \(who)")
                }
                let path = directory + "/" + port.leaseName
                let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
                if fd < 0 {
                    throw HostPortClash(description: "pod \(podName): \(port.field): Invalid value: \(port.hostPort): host port \(port) is already taken")
                }
                _ = FileSystem.writeAll(fd, Array("\(podUID) \(port.field) \(podName)\n".utf8))
                close(fd)
                taken.append(port)
            }
        } catch {
            release(taken, podUID: podUID)
            throw error
        }
        return taken
    }

    /// Removes the pod's leases of these mappings (never another pod's).
    public func release(_ ports: [HostPortMapping], podUID: String) {
        for port in ports {
            let path = directory + "/" + port.leaseName
            let content = (try? FileSystem.readText(path, limit: 4096)) ?? ""
            if content.split(separator: " ").first.map(String.init) == podUID { _ = unlink(path) }
        }
    }

    public func held() -> [String] { FileSystem.listDirectory(directory) }
}
