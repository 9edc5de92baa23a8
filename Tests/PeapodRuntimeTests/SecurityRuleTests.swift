// How a container's securityContext and its pod's combine: capabilities, seccomp, users,
// runAsNonRoot and sysctls, as the kubelet and containerd decide them.

import PeapodRuntime
import PeapodSpec
import Testing

private let all = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
                   "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_NET_ADMIN", "CAP_NET_RAW",
                   "CAP_SYS_CHROOT", "CAP_SYS_ADMIN", "CAP_MKNOD", "CAP_AUDIT_WRITE", "CAP_SETFCAP"]

private func resolve(pod: PodSecurityContext? = nil, _ container: SecurityContext? = nil) -> ContainerSecurity {
    var spec = PodSpec()
    spec.securityContext = pod
    var c = Container()
    c.name = "app"
    c.securityContext = container
    return ContainerSecurity.resolve(pod: spec, container: c, allCapabilities: all)
}

private func caps(add: [String] = [], drop: [String] = []) -> SecurityContext {
    var s = SecurityContext()
    var c = Capabilities()
    c.add = add
    c.drop = drop
    s.capabilities = c
    return s
}

@Suite("Security contexts")
struct SecurityRuleTests {
    @Test func nothingAskedIsContainerdsDefault() {
        let s = resolve()
        #expect(s.capabilities == ContainerSecurity.defaultCapabilities)
        #expect(s.seccomp == .runtimeDefault)
        #expect(!s.noNewPrivileges && !s.privileged && !s.runAsNonRoot && !s.readOnlyRootFilesystem)
        #expect(s.runAsUser == nil && s.runAsGroup == nil && s.supplementalGroups.isEmpty)
    }

    struct CapCase: CustomTestStringConvertible, Sendable {
        var name: String
        var add: [String]
        var drop: [String]
        var expected: [String]
        var testDescription: String { name }
    }

    @Test(arguments: [
        CapCase(name: "add with and without CAP_, any case", add: ["net_admin", "CAP_SYS_ADMIN"], drop: [],
                expected: ContainerSecurity.defaultCapabilities + ["CAP_NET_ADMIN", "CAP_SYS_ADMIN"]),
        CapCase(name: "drop one", add: [], drop: ["CHOWN"], expected: ContainerSecurity.defaultCapabilities.filter { $0 != "CAP_CHOWN" }),
        CapCase(name: "drop ALL then add one", add: ["CHOWN"], drop: ["ALL"], expected: ["CAP_CHOWN"]),
        CapCase(name: "add ALL then drop one", add: ["ALL"], drop: ["CAP_SYS_ADMIN"], expected: all.filter { $0 != "CAP_SYS_ADMIN" }),
        CapCase(name: "add and drop the same: dropped", add: ["NET_ADMIN"], drop: ["NET_ADMIN"],
                expected: ContainerSecurity.defaultCapabilities),
        CapCase(name: "drop ALL", add: [], drop: ["all"], expected: []),
    ])
    func capabilities(_ c: CapCase) {
        #expect(resolve(caps(add: c.add, drop: c.drop)).capabilities == c.expected)
    }

    @Test func privilegedGetsEverythingAndNoSeccomp() {
        var s = caps(drop: ["ALL"])
        s.privileged = true
        var profile = SeccompProfile()
        profile.type = "RuntimeDefault"
        s.seccompProfile = profile
        let r = resolve(s)
        #expect(r.capabilities == all)
        #expect(r.seccomp == .unconfined)
        #expect(r.privileged)
    }

    @Test func containerWinsOverPod() {
        var pod = PodSecurityContext()
        pod.runAsUser = 1000
        pod.runAsGroup = 2000
        pod.runAsNonRoot = true
        pod.supplementalGroups = [3000, 3001]
        pod.fsGroup = 4000
        var profile = SeccompProfile()
        profile.type = "Localhost"
        profile.localhostProfile = "pod.json"
        pod.seccompProfile = profile
        var container = SecurityContext()
        container.runAsUser = 1500
        container.runAsNonRoot = false
        container.allowPrivilegeEscalation = false
        container.readOnlyRootFilesystem = true
        let r = resolve(pod: pod, container)
        #expect(r.runAsUser == 1500)
        #expect(r.runAsGroup == 2000)
        #expect(r.runAsNonRoot == false)
        #expect(r.supplementalGroups == [3000, 3001, 4000])
        #expect(r.seccomp == .localhost("pod.json"))
        #expect(r.noNewPrivileges)
        #expect(r.readOnlyRootFilesystem)
        var unconfined = SeccompProfile()
        unconfined.type = "Unconfined"
        container.seccompProfile = unconfined
        #expect(resolve(pod: pod, container).seccomp == .unconfined)
    }

    @Test func onlyAnExplicitFalseSetsNoNewPrivs() {
        var s = SecurityContext()
        s.allowPrivilegeEscalation = true
        #expect(!resolve(s).noNewPrivileges)
        s.allowPrivilegeEscalation = false
        #expect(resolve(s).noNewPrivileges)
    }

    @Test func strictGroupsPolicy() {
        var pod = PodSecurityContext()
        pod.supplementalGroupsPolicy = "Strict"
        #expect(resolve(pod: pod).strictGroups)
    }

    struct NonRootCase: CustomTestStringConvertible, Sendable {
        var name: String
        var runAsUser: Int64?
        var imageUser: String
        var uid: UInt32
        var message: String?
        var testDescription: String { name }
    }

    @Test(arguments: [
        NonRootCase(name: "runAsUser 0", runAsUser: 0, imageUser: "", uid: 0,
                    message: "container's runAsUser breaks non-root policy (pod: \"web_default(u1)\", container: app)"),
        NonRootCase(name: "runAsUser 1000", runAsUser: 1000, imageUser: "root", uid: 1000, message: nil),
        NonRootCase(name: "image root", runAsUser: nil, imageUser: "", uid: 0,
                    message: "container has runAsNonRoot and image will run as root (pod: \"web_default(u1)\", container: app)"),
        NonRootCase(name: "image named user", runAsUser: nil, imageUser: "nobody:nogroup", uid: 65534,
                    message: "container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root (pod: \"web_default(u1)\", container: app)"),
        NonRootCase(name: "image numeric user", runAsUser: nil, imageUser: "1000:1000", uid: 1000, message: nil),
    ])
    func runAsNonRoot(_ c: NonRootCase) {
        var s = ContainerSecurity()
        s.runAsNonRoot = true
        s.runAsUser = c.runAsUser
        #expect(RunAsNonRoot.check(s, imageUser: c.imageUser, resolvedUID: c.uid, podDescription: "web_default(u1)",
                                   container: "app") == c.message)
        s.runAsNonRoot = false
        #expect(RunAsNonRoot.check(s, imageUser: c.imageUser, resolvedUID: c.uid, podDescription: "web_default(u1)",
                                   container: "app") == nil)
    }
}

@Suite("Sysctls")
struct SysctlRuleTests {
    private func spec(_ names: [String], hostNetwork: Bool = false, hostIPC: Bool = false) -> PodSpec {
        var spec = PodSpec()
        var context = PodSecurityContext()
        context.sysctls = names.map { Sysctl(name: $0, value: "1") }
        spec.securityContext = context
        spec.hostNetwork = hostNetwork
        spec.hostIPC = hostIPC
        return spec
    }

    @Test func namesAndPaths() {
        #expect(Sysctls.dotted("net/ipv4/conf/eth0.100/forwarding") == "net.ipv4.conf.eth0/100.forwarding")
        #expect(Sysctls.procPath("net/ipv4/conf/eth0.100/forwarding") == "/proc/sys/net/ipv4/conf/eth0.100/forwarding")
        #expect(Sysctls.procPath("net.ipv4.ip_local_port_range") == "/proc/sys/net/ipv4/ip_local_port_range")
        #expect(Sysctls.namespace(of: "kernel.shm_rmid_forced") == .ipc)
        #expect(Sysctls.namespace(of: "kernel.sem") == .ipc)
        #expect(Sysctls.namespace(of: "fs.mqueue.msg_max") == .ipc)
        #expect(Sysctls.namespace(of: "net.core.somaxconn") == .net)
        #expect(Sysctls.namespace(of: "kernel.panic") == nil)
        #expect(Sysctls.namespace(of: "vm.overcommit_memory") == nil)
    }

    @Test func safeUnsafeAndHostWide() {
        #expect(Sysctls.problems(spec(["net.ipv4.ip_local_port_range", "kernel.shm_rmid_forced"]), allowedUnsafe: []).isEmpty)
        #expect(Sysctls.problems(spec(["net.core.somaxconn"]), allowedUnsafe: []) == [
            "spec.securityContext.sysctls[0].name: Forbidden: unsafe sysctl \"net.core.somaxconn\" is not allowed (allow it with --allowed-unsafe-sysctls)",
        ])
        #expect(Sysctls.problems(spec(["net.core.somaxconn", "kernel.msgmax"]), allowedUnsafe: ["net.core.*", "kernel.msgmax"]).isEmpty)
        #expect(Sysctls.problems(spec(["kernel.panic"]), allowedUnsafe: ["kernel.*"]) == [
            "spec.securityContext.sysctls[0].name: Forbidden: \"kernel.panic\" is not a namespaced sysctl: setting it would change the host",
        ])
        #expect(Sysctls.problems(spec(["net.ipv4.tcp_syncookies"], hostNetwork: true), allowedUnsafe: []) == [
            "spec.securityContext.sysctls[0].name: Forbidden: \"net.ipv4.tcp_syncookies\" not allowed with host net enabled",
        ])
        #expect(Sysctls.problems(spec(["kernel.shm_rmid_forced"], hostIPC: true), allowedUnsafe: []) == [
            "spec.securityContext.sysctls[0].name: Forbidden: \"kernel.shm_rmid_forced\" not allowed with host ipc enabled",
        ])
    }
}
