// Localhost seccomp profiles: files in the OCI runtime-spec form (`defaultAction`,
// `defaultErrnoRet`, `architectures`, `flags`, `syscalls`) with moby's additions (`archMap`,
// `name` beside `names`, `includes`/`excludes` with `caps`, `arches` and `minKernel`), read into
// a SeccompPolicy with PeapodSpec's JSON parser. Unknown keys are ignored, as Go's decoder
// ignores them; unknown action, comparison, architecture, flag and capability names are errors,
// and so is every value of the wrong type. Unknown system call names are not: they are skipped
// when the filter is compiled, as runc and crun skip them.

#if canImport(Glibc)
import Glibc
#endif
import PeapodSpec

extension SeccompPolicy {
    /// Reads a profile file; errors name the file and the field.
    public static func load(path: String) throws(SeccompError) -> SeccompPolicy {
        let bytes: [UInt8]
        do {
            bytes = try FileSystem.readBytes(path, limit: 4 << 20)
        } catch {
            let code = (error as? StoreError)?.errno ?? EIO
            throw SeccompError("seccomp profile \(path): \(code == ENOENT ? "no such file" : String(cString: strerror(code)))")
        }
        guard bytes.count < 4 << 20 else { throw SeccompError("seccomp profile \(path): larger than 4 MiB") }
        return try parse(String(decoding: bytes, as: UTF8.self), file: path)
    }

    /// Parses profile text; `file` names it in errors.
    public static func parse(_ text: String, file: String) throws(SeccompError) -> SeccompPolicy {
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            throw SeccompError("seccomp profile \(file): \(error.description)")
        }
        var reader = ProfileReader(file: file)
        return try reader.policy(value)
    }
}

private struct ProfileReader {
    let file: String

    func error(_ field: String, _ problem: String) -> SeccompError {
        SeccompError("seccomp profile \(file): \(field.isEmpty ? "" : field + ": ")\(problem)")
    }

    func object(_ v: JSONValue, _ field: String) throws(SeccompError) -> JSONObject {
        guard let o = v.objectValue else { throw error(field, "must be an object, not \(v.typeName)") }
        return o
    }

    func string(_ v: JSONValue, _ field: String) throws(SeccompError) -> String {
        guard let s = v.stringValue else { throw error(field, "must be a string, not \(v.typeName)") }
        return s
    }

    /// A JSON array, with null read as empty (Go's nil slice).
    func array(_ v: JSONValue?, _ field: String) throws(SeccompError) -> [JSONValue] {
        guard let v, !v.isNull else { return [] }
        guard let a = v.arrayValue else { throw error(field, "must be an array, not \(v.typeName)") }
        return a
    }

    func strings(_ v: JSONValue?, _ field: String) throws(SeccompError) -> [String] {
        var result: [String] = []
        for (i, item) in try array(v, field).enumerated() { result.append(try string(item, "\(field)[\(i)]")) }
        return result
    }

    /// A uint64; the JSON parser keeps integers up to 2^63-1 exact, and larger ones are refused
    /// rather than rounded.
    func unsigned(_ v: JSONValue, _ field: String) throws(SeccompError) -> UInt64 {
        guard case .int(let i) = v else {
            if case .double(let d) = v { throw error(field, "must be an integer from 0 to 9223372036854775807, not \(d)") }
            throw error(field, "must be an integer, not \(v.typeName)")
        }
        guard i >= 0 else { throw error(field, "must not be negative") }
        return UInt64(i)
    }

    func errnoValue(_ v: JSONValue, _ field: String) throws(SeccompError) -> UInt16 {
        let n = try unsigned(v, field)
        guard n <= 0xffff else { throw error(field, "\(n) does not fit seccomp's 16-bit return value") }
        return UInt16(n)
    }

    func action(_ name: String, errno: UInt16?, _ field: String, errnoField: String) throws(SeccompError) -> SeccompPolicy.Action {
        // runc's defaults: an ERRNO or TRACE action without a value returns EPERM.
        let data = errno ?? UInt16(EPERM)
        let action: SeccompPolicy.Action
        switch name {
        case "SCMP_ACT_ALLOW": action = .allow
        case "SCMP_ACT_ERRNO": return .errno(data)
        case "SCMP_ACT_TRACE": return .trace(data)
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": action = .killThread
        case "SCMP_ACT_KILL_PROCESS": action = .killProcess
        case "SCMP_ACT_TRAP": action = .trap
        case "SCMP_ACT_LOG": action = .log
        case "SCMP_ACT_NOTIFY":
            throw error(field, "SCMP_ACT_NOTIFY is not supported: Peapod has no seccomp agent to hand the calls to")
        default:
            throw error(field, "unknown action \"\(name)\" (SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_LOG, SCMP_ACT_TRACE)")
        }
        if errno != nil { throw error(errnoField, "is only allowed with SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not \(name)") }
        return action
    }

    func architecture(_ v: JSONValue, _ field: String) throws(SeccompError) -> SeccompArchitecture {
        let name = try string(v, field)
        guard let a = SeccompArchitecture(rawValue: name) else {
            throw error(field, "unknown architecture \"\(name)\" (SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32, SCMP_ARCH_AARCH64, SCMP_ARCH_ARM, ...)")
        }
        return a
    }

    mutating func policy(_ v: JSONValue) throws(SeccompError) -> SeccompPolicy {
        let root = try object(v, "")
        if let listener = root["listenerPath"], listener.stringValue?.isEmpty != true, !listener.isNull {
            throw error("listenerPath", "seccomp notification agents are not supported")
        }
        guard let actionValue = root["defaultAction"] else { throw error("defaultAction", "is required") }
        let defaultErrno = try root["defaultErrnoRet"].flatMap { v throws(SeccompError) in
            v.isNull ? nil : try errnoValue(v, "defaultErrnoRet")
        }
        let defaultAction = try action(try string(actionValue, "defaultAction"), errno: defaultErrno,
                                       "defaultAction", errnoField: "defaultErrnoRet")

        var architectures: [SeccompArchitecture] = []
        for (i, a) in try array(root["architectures"], "architectures").enumerated() {
            architectures.append(try architecture(a, "architectures[\(i)]"))
        }
        var groups: [SeccompPolicy.ArchitectureGroup] = []
        for (i, g) in try array(root["archMap"], "archMap").enumerated() {
            let field = "archMap[\(i)]"
            let o = try object(g, field)
            guard let main = o["architecture"] else { throw error(field + ".architecture", "is required") }
            var subs: [SeccompArchitecture] = []
            for (j, s) in try array(o["subArchitectures"], field + ".subArchitectures").enumerated() {
                subs.append(try architecture(s, "\(field).subArchitectures[\(j)]"))
            }
            groups.append(.init(try architecture(main, field + ".architecture"), subs))
        }
        if !architectures.isEmpty && !groups.isEmpty {
            throw error("", "give either architectures or archMap, not both")
        }

        var flags: [SeccompPolicy.Flag]?
        if let f = root["flags"], !f.isNull {
            flags = []
            for (i, name) in try strings(f, "flags").enumerated() {
                guard let flag = SeccompPolicy.Flag(rawValue: name) else {
                    throw error("flags[\(i)]", "unknown flag \"\(name)\" (\(SeccompPolicy.Flag.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                flags!.append(flag)
            }
        }

        var rules: [SeccompPolicy.Rule] = []
        for (i, s) in try array(root["syscalls"], "syscalls").enumerated() {
            rules.append(try rule(s, "syscalls[\(i)]"))
        }
        return SeccompPolicy(defaultAction: defaultAction, architectures: architectures,
                             architectureMap: groups, flags: flags, rules: rules)
    }

    func rule(_ v: JSONValue, _ field: String) throws(SeccompError) -> SeccompPolicy.Rule {
        let o = try object(v, field)
        var names = try strings(o["names"], field + ".names")
        if let single = o["name"], !single.isNull {
            let name = try string(single, field + ".name")
            if !name.isEmpty {
                guard names.isEmpty else { throw error(field, "give either name or names, not both") }
                names = [name]
            }
        }
        guard !names.isEmpty else { throw error(field + ".names", "must name at least one system call") }
        for (i, name) in names.enumerated() where name.isEmpty { throw error("\(field).names[\(i)]", "must not be empty") }
        guard let actionValue = o["action"] else { throw error(field + ".action", "is required") }
        let errno = try o["errnoRet"].flatMap { v throws(SeccompError) in v.isNull ? nil : try errnoValue(v, field + ".errnoRet") }
        let action = try action(try string(actionValue, field + ".action"), errno: errno, field + ".action",
                                errnoField: field + ".errnoRet")
        var arguments: [SeccompPolicy.ArgumentCondition] = []
        for (i, a) in try array(o["args"], field + ".args").enumerated() {
            arguments.append(try argument(a, "\(field).args[\(i)]"))
        }
        guard arguments.count <= 6 else { throw error(field + ".args", "at most 6 argument conditions, not \(arguments.count)") }
        let includes = try condition(o["includes"], field + ".includes")
        let excludes = try condition(o["excludes"], field + ".excludes")
        return SeccompPolicy.Rule(names: names, action: action, arguments: arguments, includes: includes, excludes: excludes)
    }

    func argument(_ v: JSONValue, _ field: String) throws(SeccompError) -> SeccompPolicy.ArgumentCondition {
        let o = try object(v, field)
        guard let indexValue = o["index"] else { throw error(field + ".index", "is required") }
        let index = try unsigned(indexValue, field + ".index")
        guard index <= 5 else { throw error(field + ".index", "\(index) is not an argument index (0 to 5)") }
        guard let opValue = o["op"] else { throw error(field + ".op", "is required") }
        let opName = try string(opValue, field + ".op")
        guard let op = SeccompPolicy.Comparison(rawValue: opName) else {
            throw error(field + ".op", "unknown comparison \"\(opName)\" (\(SeccompPolicy.Comparison.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let value = try o["value"].map { v throws(SeccompError) in try unsigned(v, field + ".value") } ?? 0
        let valueTwo = try o["valueTwo"].map { v throws(SeccompError) in try unsigned(v, field + ".valueTwo") } ?? 0
        return .init(Int(index), op, value, valueTwo)
    }

    func condition(_ v: JSONValue?, _ field: String) throws(SeccompError) -> SeccompPolicy.Condition {
        guard let v, !v.isNull else { return .init() }
        let o = try object(v, field)
        var condition = SeccompPolicy.Condition()
        for (i, name) in try strings(o["caps"], field + ".caps").enumerated() {
            guard let number = SeccompPolicy.capabilityNumber(name) else {
                throw error("\(field).caps[\(i)]", "unknown capability \"\(name)\"")
            }
            condition.capabilities.append(number)
        }
        for (i, name) in try strings(o["arches"], field + ".arches").enumerated() {
            guard SeccompArchitecture.knownGoNames.contains(name) else {
                throw error("\(field).arches[\(i)]", "unknown architecture \"\(name)\" (Go's names: amd64, arm64, x32, x86, arm, ppc64le, s390x, riscv64, ...)")
            }
            condition.architectures.append(name)
        }
        if let k = o["minKernel"], !k.isNull {
            let text = try string(k, field + ".minKernel")
            guard let version = KernelVersion(parsing: text), text.first?.isNumber == true else {
                throw error(field + ".minKernel", "\"\(text)\" is not a kernel version such as \"4.8\"")
            }
            condition.minimumKernel = version
        }
        return condition
    }
}

extension SeccompPolicy {
    /// The profile in the Docker/moby JSON form (as moby's default.json is written), which
    /// reads back as the same profile: what `peapod seccomp default` prints, a start for a
    /// Localhost profile.
    public func dockerJSON() -> String {
        let policy = self
        func action(_ a: SeccompPolicy.Action) -> (String, JSONValue?) {
            switch a {
            case .allow: return ("SCMP_ACT_ALLOW", nil)
            case .errno(let e): return ("SCMP_ACT_ERRNO", .int(Int64(e)))
            case .killThread: return ("SCMP_ACT_KILL_THREAD", nil)
            case .killProcess: return ("SCMP_ACT_KILL_PROCESS", nil)
            case .trap: return ("SCMP_ACT_TRAP", nil)
            case .log: return ("SCMP_ACT_LOG", nil)
            case .trace(let v): return ("SCMP_ACT_TRACE", .int(Int64(v)))
            }
        }
        func condition(_ c: SeccompPolicy.Condition) -> JSONValue {
            var o = JSONObject()
            let names = Dictionary(uniqueKeysWithValues: SeccompPolicy.capabilityNumbers.map { ($1, $0) })
            if !c.capabilities.isEmpty { o["caps"] = .array(c.capabilities.map { .string(names[$0]!) }) }
            if !c.architectures.isEmpty { o["arches"] = .array(c.architectures.map { .string($0) }) }
            if let k = c.minimumKernel { o["minKernel"] = .string(k.description) }
            return .object(o)
        }
        var root = JSONObject()
        let (defaultName, defaultErrno) = action(policy.defaultAction)
        root["defaultAction"] = .string(defaultName)
        root["defaultErrnoRet"] = defaultErrno
        root["archMap"] = .array(policy.architectureMap.map {
            .object(JSONObject([("architecture", .string($0.architecture.rawValue)),
                                ("subArchitectures", $0.subArchitectures.isEmpty ? .null : .array($0.subArchitectures.map { .string($0.rawValue) }))]))
        })
        root["syscalls"] = .array(policy.rules.map { rule in
            var o = JSONObject()
            o["names"] = .array(rule.names.map { .string($0) })
            let (name, errno) = action(rule.action)
            o["action"] = .string(name)
            o["errnoRet"] = errno
            if !rule.arguments.isEmpty {
                o["args"] = .array(rule.arguments.map {
                    .object(JSONObject([("index", .int(Int64($0.index))), ("value", .int(Int64($0.value))),
                                        ("valueTwo", .int(Int64($0.valueTwo))), ("op", .string($0.comparison.rawValue))]))
                })
            }
            if !rule.includes.isEmpty { o["includes"] = condition(rule.includes) }
            if !rule.excludes.isEmpty { o["excludes"] = condition(rule.excludes) }
            return .object(o)
        })
        return JSONValue.object(root).serialized(pretty: true)
    }
}
