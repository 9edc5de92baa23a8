// What a container's securityContext and its pod's come to, as the kubelet and containerd's CRI
// decide it (docs/security.md): the container's field wins over the pod's, the seccomp profile
// defaults to RuntimeDefault (the kubelet's SeccompDefault), and the capability list starts from
// containerd's default set, with `ALL` applied before the single names.

import PeapodSpec

/// The seccomp profile a container runs under.
public enum SeccompChoice: Sendable, Hashable {
    case runtimeDefault
    case unconfined
    /// A profile file, relative to the profiles directory.
    case localhost(String)
}

public struct ContainerSecurity: Sendable, Equatable {
    public var runAsUser: Int64?
    public var runAsGroup: Int64?
    public var runAsNonRoot: Bool = false
    /// The pod's supplementalGroups, then its fsGroup (the kubelet adds it to every container).
    public var supplementalGroups: [Int64] = []
    /// supplementalGroupsPolicy Strict: the groups of the image's /etc/group are not added.
    public var strictGroups: Bool = false
    public var privileged: Bool = false
    /// Only an explicit `allowPrivilegeEscalation: false` sets no_new_privs, as the kubelet does.
    public var noNewPrivileges: Bool = false
    public var readOnlyRootFilesystem: Bool = false
    /// The capability names the container ends with, `CAP_` form, in kernel-independent order
    /// (defaults first, then the added ones in the order given).
    public var capabilities: [String] = []
    public var seccomp: SeccompChoice = .runtimeDefault

    public init() {}

    /// containerd's default capabilities for a container that asks for nothing else.
    public static let defaultCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
        "CAP_AUDIT_WRITE",
    ]

    /// `net_admin`, `CAP_NET_ADMIN` and `NET_ADMIN` all name CAP_NET_ADMIN; `ALL` stays itself.
    public static func normalizedCapability(_ name: String) -> String {
        let upper = name.uppercased()
        if upper == "ALL" { return upper }
        return upper.hasPrefix("CAP_") ? upper : "CAP_" + upper
    }

    /// The kubelet's merge of a container's securityContext over its pod's. `allCapabilities` is
    /// every capability this host knows, for `ALL` and privileged containers.
    public static func resolve(pod: PodSpec, container: Container, allCapabilities: [String]) -> ContainerSecurity {
        let podContext = pod.securityContext ?? PodSecurityContext()
        let context = container.securityContext ?? SecurityContext()
        var s = ContainerSecurity()
        s.runAsUser = context.runAsUser ?? podContext.runAsUser
        s.runAsGroup = context.runAsGroup ?? podContext.runAsGroup
        s.runAsNonRoot = context.runAsNonRoot ?? podContext.runAsNonRoot ?? false
        s.supplementalGroups = podContext.supplementalGroups + (podContext.fsGroup.map { [$0] } ?? [])
        s.strictGroups = podContext.supplementalGroupsPolicy == "Strict"
        s.privileged = context.privileged ?? false
        s.noNewPrivileges = context.allowPrivilegeEscalation == false
        s.readOnlyRootFilesystem = context.readOnlyRootFilesystem ?? false
        s.capabilities = capabilities(context.capabilities, privileged: s.privileged, all: allCapabilities)
        // A privileged container is not confined by seccomp, whatever it asks (containerd).
        let profile = context.seccompProfile ?? podContext.seccompProfile
        if s.privileged {
            s.seccomp = .unconfined
        } else {
            switch profile?.type {
            case "Unconfined": s.seccomp = .unconfined
            case "Localhost": s.seccomp = .localhost(profile?.localhostProfile ?? "")
            default: s.seccomp = .runtimeDefault
            }
        }
        return s
    }

    /// containerd's order: `ALL` in add, then `ALL` in drop, then each single name added, then
    /// each dropped; so `add: [ALL], drop: [CHOWN]` is everything but CHOWN, and
    /// `drop: [ALL], add: [CHOWN]` is CHOWN alone.
    static func capabilities(_ caps: Capabilities?, privileged: Bool, all: [String]) -> [String] {
        if privileged { return all }
        var set = defaultCapabilities
        let add = (caps?.add ?? []).map(normalizedCapability)
        let drop = (caps?.drop ?? []).map(normalizedCapability)
        if add.contains("ALL") { set = all }
        if drop.contains("ALL") { set = [] }
        for name in add where name != "ALL" && !set.contains(name) { set.append(name) }
        let dropped = Set(drop)
        return set.filter { !dropped.contains($0) }
    }
}

/// The kubelet's check of runAsNonRoot before a container is created
/// (kuberuntime's verifyRunAsNonRoot); a failure is the container's CreateContainerConfigError.
public enum RunAsNonRoot {
    /// `podDescription` is the kubelet's `format.Pod`: `name_namespace(uid)`.
    public static func check(_ security: ContainerSecurity, imageUser: String, resolvedUID: UInt32,
                             podDescription: String, container: String) -> String? {
        guard security.runAsNonRoot else { return nil }
        let pod = GoQuote.quote(podDescription)
        if let uid = security.runAsUser {
            return uid == 0 ? "container's runAsUser breaks non-root policy (pod: \(pod), container: \(container))" : nil
        }
        let userPart = imageUser.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        if !userPart.isEmpty, UInt32(userPart) == nil {
            return "container has runAsNonRoot and image has non-numeric user (\(userPart)), cannot verify user is non-root (pod: \(pod), container: \(container))"
        }
        if resolvedUID == 0 {
            return "container has runAsNonRoot and image will run as root (pod: \(pod), container: \(container))"
        }
        return nil
    }
}
