// A container's ProcessSpec on disk, published by its supervisor when the container starts, so
// that `peapod exec` (another process) starts its command as exactly what the container runs as:
// the same user, groups, capabilities, no_new_privs, seccomp program, rlimits, cgroups and
// oom_score_adj, with nothing worked out again. The files are 0600 in the pod's run directory.

#if canImport(Glibc)
import Glibc
#endif
import PeapodSpec

public enum PublishedProcess {
    static func hex(_ v: UInt64) -> JSONValue { .string(String(v, radix: 16)) }

    static func encode(_ p: ProcessSpec, seccompFile: String?) -> JSONValue {
        var o = JSONObject()
        o["environment"] = .array(p.environment.map { .string($0) })
        o["workingDir"] = .string(p.workingDir)
        o["uid"] = .int(Int64(p.uid))
        o["gid"] = .int(Int64(p.gid))
        o["groups"] = .array(p.supplementalGroups.map { .int(Int64($0)) })
        let c = p.capabilities
        o["capabilities"] = .object(JSONObject([
            ("bounding", hex(c.bounding)), ("effective", hex(c.effective)), ("permitted", hex(c.permitted)),
            ("inheritable", hex(c.inheritable)), ("ambient", hex(c.ambient)),
        ]))
        o["noNewPrivileges"] = .bool(p.noNewPrivileges)
        if let seccompFile { o["seccomp"] = .string(seccompFile) }
        o["rlimits"] = .array(p.rlimits.map {
            .object(JSONObject([("resource", .int(Int64($0.resource))), ("soft", hex($0.soft)), ("hard", hex($0.hard))]))
        })
        var limits = JSONObject()
        limits["procsFiles"] = .array(p.limits.procsFiles.map { .string($0) })
        if let dir = p.limits.unifiedDirectory { limits["unifiedDirectory"] = .string(dir) }
        if let adj = p.limits.oomScoreAdj { limits["oomScoreAdj"] = .int(Int64(adj)) }
        o["limits"] = .object(limits)
        return .object(o)
    }

    /// Writes the spec of `container` into `directory` (its seccomp program beside it).
    public static func write(_ p: ProcessSpec, container: String, directory: String) throws {
        try FileSystem.makeDirectories(directory, mode: 0o700)
        var seccompFile: String?
        if let filter = p.seccomp {
            let path = directory + "/" + container + ".seccomp"
            try filter.write(to: path)
            seccompFile = path
        }
        try FileSystem.writeAtomically(directory + "/" + container + ".json",
                                       encode(p, seccompFile: seccompFile).serialized(pretty: false), mode: 0o600)
    }

    public static func read(container: String, directory: String) throws -> ProcessSpec {
        let path = directory + "/" + container + ".json"
        let json = try JSONValue.parse(try FileSystem.readText(path))
        func bad(_ what: String) -> PublishedProcessError { PublishedProcessError(path: path, what: what) }
        func u64(_ v: JSONValue?) throws -> UInt64 {
            guard let s = v?.stringValue, let n = UInt64(s, radix: 16) else { throw bad("a number") }
            return n
        }
        func u32(_ v: JSONValue?) throws -> UInt32 {
            guard let n = v?.intValue, let u = UInt32(exactly: n) else { throw bad("an id") }
            return u
        }
        var p = ProcessSpec()
        p.environment = (json["environment"]?.arrayValue ?? []).compactMap(\.stringValue)
        p.workingDir = json["workingDir"]?.stringValue ?? "/"
        p.uid = try u32(json["uid"])
        p.gid = try u32(json["gid"])
        p.supplementalGroups = try (json["groups"]?.arrayValue ?? []).map(u32)
        guard let c = json["capabilities"] else { throw bad("capabilities") }
        p.capabilities = CapabilitySets(
            bounding: try u64(c["bounding"]), effective: try u64(c["effective"]), permitted: try u64(c["permitted"]),
            inheritable: try u64(c["inheritable"]), ambient: try u64(c["ambient"]))
        p.noNewPrivileges = json["noNewPrivileges"]?.boolValue ?? false
        if let file = json["seccomp"]?.stringValue { p.seccomp = try SeccompFilter.read(from: file) }
        p.rlimits = try (json["rlimits"]?.arrayValue ?? []).map {
            guard let r = $0["resource"]?.intValue else { throw bad("an rlimit") }
            return ResourceLimit(resource: Int32(r), soft: try u64($0["soft"]), hard: try u64($0["hard"]))
        }
        let limits = json["limits"]
        p.limits.procsFiles = (limits?["procsFiles"]?.arrayValue ?? []).compactMap(\.stringValue)
        p.limits.unifiedDirectory = limits?["unifiedDirectory"]?.stringValue
        p.limits.oomScoreAdj = limits?["oomScoreAdj"]?.intValue.map { Int32($0) }
        return p
    }
}

public struct PublishedProcessError: Error, CustomStringConvertible {
    var path: String
    var what: String
    public var description: String { "\(path): malformed published process (expected \(what))" }
}
