// The pod network flags of `apply` and `run` (docs/networking.md).

import PeapodLinux
import PeapodRuntime
import PeapodSpec

/// `--network` and `--pod-cidr`, which `apply` and `run` take (both forms of `run`).
struct NetworkOptions {
    static let parameters: [Parameter] = [
        .option(
            "network", default: "none",
            help: "The network pods that are not hostNetwork join: none (loopback only) or default (Peapod's bridge).",
            discussion: "default: each pod gets eth0 on the bridge peapod0 with an address of the pod CIDR; hostPorts need it."),
        .option(
            "pod-cidr", default: SubnetChoice.defaultPodCIDR.description,
            help: "The pod CIDR of --network default: its first /24 that no route of the host uses (or all of a /24 or longer)."),
    ]

    static let networks = ["none", "default"]

    var settings: NetworkSettings
    /// --pod-cidr was given: a network already up on another subnet is an error, not reused.
    var explicitCIDR: Bool

    init(_ arguments: ParsedArguments) throws {
        let name = arguments.text("network")
        guard Self.networks.contains(name) else {
            throw ValidationError("--network must be none or default, not \"\(name)\"")
        }
        let text = arguments.text("pod-cidr")
        guard let cidr = IPv4Subnet(text) else {
            throw ValidationError("--pod-cidr must be an IPv4 CIDR such as 10.244.0.0/16, not \"\(text)\"")
        }
        guard cidr.prefix <= 30 else {
            throw ValidationError("--pod-cidr \(cidr) is too small for pods (at most /30)")
        }
        explicitCIDR = arguments.given("pod-cidr") != nil
        if explicitCIDR && name == "none" {
            throw ValidationError("--pod-cidr is for --network default: with --network none pods have loopback only")
        }
        settings = NetworkSettings(name: name, podCIDR: cidr)
    }
}

enum NetworkCheck {
    /// A hostPort needs an address of the pod's own to forward to: the pod network, or the
    /// host's with hostNetwork.
    static func problem(_ pod: Pod, attached: Bool) -> String? {
        guard !attached, !pod.spec.hostNetwork, let port = HostPortMapping.of(pod).first else { return nil }
        return "pod \(pod.name): \(port.field): Invalid value: \(port.hostPort): a hostPort needs the pod network (--network default) or hostNetwork"
    }

    /// After deletions: the bridge and Peapod's nftables table go with the last pod on them.
    static func removeUnusedNetwork(_ store: PodStore) {
        let network = DefaultNetwork(root: store.root)
        guard network.currentSubnet() != nil else { return }
        try? store.withLock { network.removeIfUnused() }
    }
}
