// A pod's addresses as its status, its env (fieldRef) and its /etc/hosts show them: on the pod
// network its leased address; with hostNetwork the host's (as the kubelet reports it); loopback
// only, none (status.podIP stays empty). hostIP is HostAddress's pick.

import PeapodSpec

public struct PodAddresses: Sendable, Equatable {
    public var podIPs: [String]
    public var hostIPs: [String]

    public init(podIPs: [String], hostIPs: [String]) {
        self.podIPs = podIPs
        self.hostIPs = hostIPs
    }

    public static func of(_ pod: Pod, record: PodNetworkRecord?) -> PodAddresses {
        let host = HostAddress.current(bridgeAddress: record?.gateway).description
        if pod.spec.hostNetwork { return PodAddresses(podIPs: [host], hostIPs: [host]) }
        return PodAddresses(podIPs: record.map { [$0.address.description] } ?? [], hostIPs: [host])
    }

    /// The addresses of the hosts file's pod line: loopback when the pod has none of its own.
    public var hostsFileIPs: [String] { podIPs.isEmpty ? ["127.0.0.1"] : podIPs }
}
