// Who a container's processes run as: the image's USER and the security context's runAsUser and
// groups, looked up in the image's own files.

import PeapodRuntime
import PeapodSpec

/// The image's USER: `uid[:gid]` or names, looked up in the container's own /etc/passwd and
/// /etc/group (a static binary has no NSS, and the host's databases are the wrong ones anyway).
public enum UserResolver {
    /// A user or group the image's files do not name: a configuration error of the container
    /// (CreateContainerConfigError), as containerd reports it.
    public struct LookupError: Error, CustomStringConvertible {
        public var description: String
    }

    public struct User: Sendable {
        public var uid: UInt32
        public var gid: UInt32
        public var groups: [UInt32]

        public init(uid: UInt32, gid: UInt32, groups: [UInt32]) {
            self.uid = uid
            self.gid = gid
            self.groups = groups
        }
    }

    /// The image's USER with runAsUser and runAsGroup over it, as containerd's CRI resolves
    /// them: a runAsUser's primary group and groups come from the image's /etc/passwd and
    /// /etc/group (gid 0 when the uid has no entry); then the pod's supplementalGroups and
    /// fsGroup are added (Strict: only those, not the image's groups).
    public static func resolve(_ imageUser: String, security: ContainerSecurity, rootfs: String) throws -> User {
        var user = try resolve(security.runAsUser.map { String($0) } ?? imageUser, rootfs: rootfs)
        if let gid = security.runAsGroup { user.gid = UInt32(truncatingIfNeeded: gid) }
        if security.strictGroups { user.groups = [] }
        for g in security.supplementalGroups.map({ UInt32(truncatingIfNeeded: $0) }) where !user.groups.contains(g) {
            user.groups.append(g)
        }
        return user
    }

    public static func resolve(_ spec: String, rootfs: String) throws -> User {
        if spec.isEmpty { return User(uid: 0, gid: 0, groups: []) }
        let parts = spec.split(separator: ":", maxSplits: 1).map(String.init)
        let passwd = ((try? FileSystem.readText(rootfs + "/etc/passwd")) ?? "").split(separator: "\n")
            .map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
        let group = ((try? FileSystem.readText(rootfs + "/etc/group")) ?? "").split(separator: "\n")
            .map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
        var uid: UInt32
        var gid: UInt32 = 0
        var userName: String?
        if let numeric = UInt32(parts[0]) {
            uid = numeric
            if let entry = passwd.first(where: { $0.count > 3 && $0[2] == parts[0] }) {
                gid = UInt32(entry[3]) ?? 0
                userName = entry[0]
            }
        } else {
            guard let entry = passwd.first(where: { $0.count > 3 && $0[0] == parts[0] }) else {
                throw LookupError(description: "unable to find user \(parts[0]): no matching entries in passwd file")
            }
            uid = UInt32(entry[2]) ?? 0
            gid = UInt32(entry[3]) ?? 0
            userName = entry[0]
        }
        if parts.count > 1 {
            if let numeric = UInt32(parts[1]) {
                gid = numeric
            } else {
                guard let entry = group.first(where: { $0.count > 2 && $0[0] == parts[1] }) else {
                    throw LookupError(description: "unable to find group \(parts[1]): no matching entries in group file")
                }
                gid = UInt32(entry[2]) ?? 0
            }
        }
        var groups: [UInt32] = []
        if let userName {
            for entry in group where entry.count > 3 && entry[3].split(separator: ",").contains(Substring(userName)) {
                if let g = UInt32(entry[2]), g != gid { groups.append(g) }
            }
        }
        return User(uid: uid, gid: gid, groups: groups)
    }
}
