import Foundation
import PeapodManifest
import PeapodSpec
import Synchronization
import Testing

@testable import PeapodLinux

/// The default pod network's pure parts and its files, without root: addresses, subnet choice,
/// leases on a temp dir, hostPort clashes, the pod's record, the nftables scripts.
struct PodNetworkTests {
    @Test func parsesProcNetRoute() {
        let text = """
        Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
        eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
        eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
        """
        let routes = HostRoute.parse(procNetRoute: text)
        #expect(routes.count == 2)
        #expect(routes[0].destination.prefix == 0)
        #expect(routes[0].gateway.description == "192.0.2.1")
        #expect(routes[0].metric == 100)
        #expect(routes[1].destination.description == "192.0.2.0/24")
    }

    @Test func subnetChoiceSkipsHostRoutesAndOtherRuntimes() throws {
        let cidr = IPv4Subnet("10.244.0.0/16")!
        #expect(try SubnetChoice.choose(podCIDR: cidr, routes: [], bridge: "peapod0").description == "10.244.0.0/24")
        let routes = [
            HostRoute(interface: "eth0", destination: IPv4Subnet("0.0.0.0/0")!),
            HostRoute(interface: "eth0", destination: IPv4Subnet("10.244.0.0/23")!),
            HostRoute(interface: "peapod0", destination: IPv4Subnet("10.244.2.0/24")!),
        ]
        // Our own bridge's route does not count against it.
        #expect(try SubnetChoice.choose(podCIDR: cidr, routes: routes, bridge: "peapod0").description == "10.244.2.0/24")
        #expect(try SubnetChoice.choose(podCIDR: IPv4Subnet("10.88.0.0/15")!, routes: [], bridge: "peapod0").description == "10.89.0.0/24")
        #expect(throws: SubnetChoice.Problem.self) {
            try SubnetChoice.choose(podCIDR: IPv4Subnet("172.17.5.0/24")!, routes: [], bridge: "peapod0")
        }
        #expect(throws: SubnetChoice.Problem.self) {
            try SubnetChoice.choose(podCIDR: IPv4Subnet("10.244.0.0/23")!, routes: [routes[1]], bridge: "peapod0")
        }
    }

    @Test func hostAddressIsTheDefaultRouteInterfacesFirst() {
        let routes = [HostRoute(interface: "wlan0", destination: IPv4Subnet("0.0.0.0/0")!, metric: 600),
                      HostRoute(interface: "eth0", destination: IPv4Subnet("0.0.0.0/0")!, metric: 100)]
        let addresses = [("lo", IPv4("127.0.0.1")!), ("wlan0", IPv4("192.168.1.5")!), ("eth0", IPv4("198.51.100.7")!),
                         ("eth0", IPv4("198.51.100.8")!)]
        #expect(HostAddress.choose(routes: routes, addresses: addresses, bridgeAddress: nil).description == "198.51.100.7")
        #expect(HostAddress.choose(routes: [], addresses: addresses, bridgeAddress: IPv4("10.244.0.1")).description == "10.244.0.1")
    }

    func tempDir() -> String {
        let path = NSTemporaryDirectory() + "peapod-net-test-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func concurrentLeasesNeverShareAnAddress() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let leases = AddressLeases(directory: dir + "/leases", subnet: IPv4Subnet("10.9.0.0/26")!)
        let results = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 61) { i in
            let address = try? leases.acquire(podUID: "uid-\(i)", podDirName: "ns_p\(i)_uid-\(i)", livePods: { [] })
            results.withLock { $0.append(address?.description ?? "none") }
        }
        let got = results.withLock { $0 }
        // 64 addresses less the network, the gateway and broadcast: 61, each given once.
        #expect(Set(got).count == 61)
        #expect(!got.contains("none"))
        #expect(!got.contains("10.9.0.1") && !got.contains("10.9.0.0") && !got.contains("10.9.0.63"))
        #expect(throws: AddressLeaseError.self) {
            try leases.acquire(podUID: "late", podDirName: "x", livePods: { Set((0..<61).map { "uid-\($0)" }) })
        }
        // A crash left leases whose pods are gone: taken back when the subnet runs out.
        let address = try leases.acquire(podUID: "late", podDirName: "x", livePods: { ["uid-1"] })
        #expect(leases.leases().count == 2)
        leases.release(address, podUID: "someone-else")
        #expect(leases.leases()[address] == "late")
        leases.release(address, podUID: "late")
        #expect(leases.leases()[address] == nil)
    }

    func pod(_ yaml: String) throws -> Pod {
        try Manifest.load(Self.json(yaml)).pods[0]
    }

    static func json(_ ports: String) -> String {
        #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"busybox","ports":\#(ports)}]}}"#
    }

    @Test func hostPortClashesAreRefusedWithTheFieldPath() throws {
        let dir = tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let leases = HostPortLeases(directory: dir + "/hostports")
        let any = HostPortMapping(protocol: "TCP", hostIP: "", hostPort: 8080, containerPort: 80, field: "spec.containers[0].ports[0].hostPort")
        let udp = HostPortMapping(protocol: "UDP", hostIP: "", hostPort: 8080, containerPort: 80, field: "spec.containers[0].ports[1].hostPort")
        _ = try leases.acquire([any, udp], podUID: "a", podName: "default/a", livePods: ["a"])
        let specific = HostPortMapping(protocol: "TCP", hostIP: "192.0.2.1", hostPort: 8080, containerPort: 80,
                                       field: "spec.containers[1].ports[0].hostPort")
        let other = HostPortMapping(protocol: "TCP", hostIP: "", hostPort: 8081, containerPort: 80, field: "spec.containers[0].ports[2].hostPort")
        do {
            _ = try leases.acquire([other, specific], podUID: "b", podName: "default/b", livePods: ["a", "b"])
            Issue.record("a clash was accepted")
        } catch {
            #expect("\(error)" == "pod default/b: spec.containers[1].ports[0].hostPort: Invalid value: 8080: host port 192.0.2.1:8080/TCP is already used by default/a")
        }
        // All or nothing: the free port taken before the clash was given back.
        #expect(Set(leases.held()) == ["TCP_0.0.0.0_8080", "UDP_0.0.0.0_8080"])
        // The holder is gone (a crash): the port is free again.
        #expect(try leases.acquire([specific], podUID: "b", podName: "default/b", livePods: ["b"]).count == 1)
        #expect(Set(leases.held()) == ["TCP_192.0.2.1_8080", "UDP_0.0.0.0_8080"])
    }

    @Test func podsHostPortsAndTheirRules() throws {
        let p = try pod(#"[{"containerPort":80,"hostPort":8080},{"containerPort":53,"hostPort":5353,"protocol":"UDP","hostIP":"192.0.2.1"},{"containerPort":9}]"#)
        let ports = HostPortMapping.of(p)
        #expect(ports.map(\.description) == ["8080/TCP", "192.0.2.1:5353/UDP"])
        #expect(ports.map(\.field) == ["spec.containers[0].ports[0].hostPort", "spec.containers[0].ports[1].hostPort"])
        #expect(NetworkRules.addScript(ports, podIP: IPv4("10.244.0.5")!) == """
            add element ip peapod hostports { tcp . 8080 : 10.244.0.5 . 80 }
            add element ip peapod hostports_ip { 192.0.2.1 . udp . 5353 : 10.244.0.5 . 53 }

            """)
        #expect(NetworkRules.deleteScript(ports[0]) == "delete element ip peapod hostports { tcp . 8080 }\n")
        let table = NetworkRules.tableScript(bridge: "peapod0", subnet: IPv4Subnet("10.244.0.0/24")!)
        #expect(table.contains("iifname \"peapod0\" ip daddr != 10.244.0.0/24 drop"))
        #expect(table.hasPrefix("add table ip peapod\ndelete table ip peapod\n"))

        let record = PodNetworkRecord(bridge: "peapod0", address: IPv4("10.244.0.5")!, subnet: IPv4Subnet("10.244.0.0/24")!, hostPorts: ports)
        #expect(PodNetworkRecord(text: record.text) == record)
        #expect(record.hostInterface == "veth0af40005")
        #expect(record.gateway.description == "10.244.0.1")
    }

    @Test func hostsFileHasThePodsAddressAndItsDomain() {
        let text = PodFiles.hostsFile(hostname: "web", podIPs: ["10.244.0.7"], hostAliases: [], domain: "sub.default.svc.cluster.local")
        #expect(text.hasSuffix("fe00::2\tip6-allrouters\n10.244.0.7\tweb.sub.default.svc.cluster.local\tweb\n"))
        #expect(PodFiles.hostsFile(hostname: "web", podIPs: ["10.244.0.7"], hostAliases: []).hasSuffix("\n10.244.0.7\tweb\n"))
    }
}
