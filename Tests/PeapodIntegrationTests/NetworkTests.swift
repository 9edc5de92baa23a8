// The default pod network with real pods. Everything of Peapod's host side (the CLI, the
// supervisors, the bridge, the nftables table) runs inside a network namespace the test makes
// with `unshare --net`: its only way "out" is a veth pair whose both ends stay in it, so no packet
// can leave the machine and the machine's own interfaces and rules are never touched.

import Foundation
import Testing

/// What the suite runs besides peapod: a private network namespace and its links (util-linux's
/// unshare, iproute2's ip), a look at the rules (nft), the host side's client (busybox nc), and
/// the library Peapod's rules go through (tools/lib.sh installs them all).
enum NetworkHost {
    static let note = "needs root, unshare, ip (iproute2), nft (nftables), busybox and libnftables.so.1 (libnftables1)"

    static func onPath(_ name: String) -> Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        return path.split(separator: ":").contains { access("\($0)/\(name)", X_OK) == 0 }
    }

    static var ready: Bool {
        guard Environment.isRoot, access("/usr/bin/unshare", X_OK) == 0,
              ["ip", "nft", "busybox"].allSatisfy(onPath) else { return false }
        guard let library = dlopen("libnftables.so.1", RTLD_NOW | RTLD_LOCAL) else { return false }
        dlclose(library)
        return true
    }
}

@Suite("pod network", .serialized, .requires(NetworkHost.note) { NetworkHost.ready })
struct NetworkTests {
    /// Runs `body` (bash) in a fresh network namespace with loopback up and an uplink address,
    /// 192.0.2.1 (TEST-NET-1), holding the default route; `$P` is peapod with private roots.
    func inNamespace(_ body: String) throws -> CommandResult {
        let base = try makeTempDir()
        defer { try? FileManager.default.removeItem(atPath: base) }
        let script = """
        set -u
        cd \(base)
        ip link set lo up
        ip link add uplink type veth peer name uplink-peer
        ip addr add 192.0.2.1/24 dev uplink
        ip link set uplink up; ip link set uplink-peer up
        ip route add default via 192.0.2.254 dev uplink
        export PEAPOD_ROOT=\(base)/root PEAPOD_RUN_ROOT=\(base)/run
        P=\(Environment.binary)
        $P image import busybox \(Environment.rootfs) --change 'CMD ["sh"]' >/dev/null
        check() { if eval "$2"; then echo "PASS $1"; else echo "FAIL $1"; fi; }
        # The pods' servers take one connection at a time (busybox nc -l in a loop): a few tries.
        hello() { for i in 1 2 3 4 5; do [ "$("$@" </dev/null 2>/dev/null)" = tcp-hello ] && return 0; sleep 0.3; done; return 1; }
        podip() { $P get pod "$1" -o json | sed -n 's/^ *"podIP": *"\\([0-9.]*\\)".*/\\1/p' | head -1; }
        \(body)
        for p in $($P get pods -o name 2>/dev/null); do $P delete "$p" --grace-period=1 >/dev/null 2>&1; done
        """
        try script.write(toFile: base + "/test.sh", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--net", "bash", base + "/test.sh"]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(code: process.terminationStatus, stdout: String(decoding: data, as: UTF8.self), stderr: "")
    }

    func makeTempDir() throws -> String {
        var template = Array("/tmp/peapod-net-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw HarnessError("mkdtemp failed") }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func expectPasses(_ result: CommandResult, _ names: [String]) {
        for name in names {
            #expect(result.stdout.contains("PASS \(name)\n"), "\(name):\n\(result.stdout)")
        }
        #expect(!result.stdout.contains("FAIL"), "\(result.stdout)")
    }

    func hostLinksAreUntouched() {
        let links = (try? String(contentsOfFile: "/proc/net/dev", encoding: .utf8)) ?? ""
        #expect(!links.contains("peapod0"))
        #expect(!links.contains("veth0af4"))
    }

    static let pods = """
    cat > pods.yaml <<'YAML'
    apiVersion: v1
    kind: Pod
    metadata: {name: server}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: tcp
        image: busybox
        command: [sh, -c, "while true; do echo tcp-hello | nc -l -p 8080; done"]
        ports: [{containerPort: 8080, hostPort: 9090}]
        env: [{name: MYIP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}]
      - name: udp
        image: busybox
        command: [sh, -c, "while true; do nc -u -l -p 5353 > /tmp/udp.txt; done"]
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: client}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: c, image: busybox, command: [sleep, "1000"]}]
    YAML
    """

    @Test func podsTalkByPodIPAndHostPortsAnswer() throws {
        let result = try inNamespace(Self.pods + """

        $P apply -f pods.yaml --network default >/dev/null
        $P wait pod/server --for=condition=Ready --timeout=20s >/dev/null
        $P wait pod/client --for=condition=Ready --timeout=20s >/dev/null
        S=$(podip server)
        check podip-matches-eth0 '$P exec server -c tcp -- ip -4 addr show eth0 | grep -q "inet $S/24"'
        check fieldref-podip '[ "$($P exec server -c tcp -- sh -c "echo \\$MYIP")" = "$S" ]'
        check hosts-file '$P exec server -c tcp -- cat /etc/hosts | grep -q "^$S	server$"'
        check wide-and-describe '$P get pod server -o wide | grep -q " $S " && $P describe pod server | grep -q "^IP: *$S$"'
        check hostip '$P get pod server -o json | grep -q "\\"hostIP\\": \\"192.0.2.1\\""'
        check tcp-pod-to-pod 'hello $P exec client -- nc -w 2 $S 8080'
        check hostport-loopback 'hello busybox nc -w 2 127.0.0.1 9090'
        check hostport-host-address 'hello busybox nc -w 2 192.0.2.1 9090'
        sed 's/name: server/name: clash/; s/name: client/name: client2/' pods.yaml > clash.yaml
        check hostport-clash-refused '! $P apply -f clash.yaml --network default 2>err.txt && grep -q "spec.containers\\[0\\].ports\\[0\\].hostPort: Invalid value: 9090: host port 9090/TCP is already used by default/server" err.txt'
        check clash-created-nothing '! $P get pod clash >/dev/null 2>&1 && ! $P get pod client2 >/dev/null 2>&1'
        check no-hostport-without-network '! $P apply -f clash.yaml 2>err.txt && grep -q "ports\\[0\\].hostPort: Invalid value: 9090: a hostPort needs the pod network (--network default) or hostNetwork" err.txt'
        $P delete pod server client >/dev/null
        check nothing-left '[ -z "$(ip -o link | grep -E "peapod0|veth")" ] && [ -z "$(find $PEAPOD_ROOT/network -type f -path "*/leases/*" 2>/dev/null; find $PEAPOD_ROOT/network/hostports -type f 2>/dev/null)" ] && ! nft list table ip peapod >/dev/null 2>&1'
        cat > once.yaml <<'YAML'
        apiVersion: v1
        kind: Pod
        metadata: {name: once}
        spec:
          restartPolicy: Never
          containers: [{name: c, image: busybox, command: [sh, -c, "ip -4 addr show eth0"], ports: [{containerPort: 80, hostPort: 8089}]}]
        YAML
        check run-on-pod-cidr '$P run -f once.yaml --network default --pod-cidr 10.250.0.0/16 | grep -q "inet 10\\.250\\.0\\.[0-9]*/24"'
        check run-leaves-nothing '[ -z "$(ip -o link | grep -E "peapod0|veth")" ] && ! nft list table ip peapod >/dev/null 2>&1'
        """)
        expectPasses(result, ["podip-matches-eth0", "fieldref-podip", "hosts-file", "wide-and-describe", "hostip", "tcp-pod-to-pod",
                              "hostport-loopback", "hostport-host-address", "hostport-clash-refused",
                              "clash-created-nothing", "no-hostport-without-network", "nothing-left",
                              "run-on-pod-cidr", "run-leaves-nothing"])
        hostLinksAreUntouched()
    }

    @Test func hundredCyclesLeaveNothing() throws {
        let result = try inNamespace("""
        cat > one.yaml <<'YAML'
        apiVersion: v1
        kind: Pod
        metadata: {name: cycle}
        spec:
          terminationGracePeriodSeconds: 1
          containers: [{name: c, image: busybox, command: [sleep, "1000"], ports: [{containerPort: 80, hostPort: 8088}]}]
        YAML
        ok=0
        for i in $(seq 100); do
          $P apply -f one.yaml --network default >/dev/null && $P delete pod cycle --grace-period=0 --force >/dev/null 2>&1 && ok=$((ok+1))
        done
        check all-cycles '[ $ok = 100 ]'
        check nothing-left '[ -z "$(ip -o link | grep -E "peapod0|veth")" ] && [ -z "$(find $PEAPOD_ROOT/network -type f -path "*/leases/*" 2>/dev/null; find $PEAPOD_ROOT/network/hostports -type f 2>/dev/null)" ] && ! nft list table ip peapod >/dev/null 2>&1'
        """)
        expectPasses(result, ["all-cycles", "nothing-left"])
        hostLinksAreUntouched()
    }
}
