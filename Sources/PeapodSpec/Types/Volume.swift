/// core/v1 Volume. The three sources Peapod implements are typed; every other v1 source is kept
/// raw under its field name in `otherSources` (so it round-trips and can be refused by name).
public struct Volume: Sendable, Equatable, KubeObject {
    public var name: String = ""
    public var emptyDir: EmptyDirVolumeSource?
    public var hostPath: HostPathVolumeSource?
    public var downwardAPI: DownwardAPIVolumeSource?
    /// Other sources (configMap, secret, projected, persistentVolumeClaim, nfs, ...) by field name.
    public var otherSources = JSONObject()

    public init(name: String = "") { self.name = name }
    public init(name: String, emptyDir: EmptyDirVolumeSource) { self.name = name; self.emptyDir = emptyDir }
    public init(name: String, hostPath: HostPathVolumeSource) { self.name = name; self.hostPath = hostPath }
    public init(name: String, downwardAPI: DownwardAPIVolumeSource) { self.name = name; self.downwardAPI = downwardAPI }

    /// Every v1 volume source field name other than the three typed ones.
    public static let otherSourceNames: [String] = [
        "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi", "glusterfs",
        "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "fc", "azureFile",
        "configMap", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
        "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image",
    ]

    /// The names of the sources that are set (validation requires exactly one).
    public var sourceNames: [String] {
        var n: [String] = []
        if hostPath != nil { n.append("hostPath") }
        if emptyDir != nil { n.append("emptyDir") }
        if downwardAPI != nil { n.append("downwardAPI") }
        n += otherSources.keys
        return n
    }

    /// The typed source when the volume has exactly one of the implemented ones.
    public var source: VolumeSource? {
        guard sourceNames.count == 1 else { return nil }
        if let e = emptyDir { return .emptyDir(e) }
        if let h = hostPath { return .hostPath(h) }
        if let d = downwardAPI { return .downwardAPI(d) }
        if let e = otherSources.entries.first { return .other(name: e.key, e.value) }
        return nil
    }

    init(_ r: ObjectReader) {
        name = r.value("name")
        hostPath = r.opt("hostPath")
        emptyDir = r.opt("emptyDir")
        downwardAPI = r.opt("downwardAPI")
        for key in Volume.otherSourceNames {
            if let v = r.rawObject(key) { otherSources[key] = v }
        }
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("name", name)
        w.opt("hostPath", hostPath)
        w.opt("emptyDir", emptyDir)
        w.opt("downwardAPI", downwardAPI)
        for e in otherSources.storage { w.raw(e.key, e.value) }
    }
}

/// The source of a volume that has exactly one.
public enum VolumeSource: Sendable, Equatable {
    case emptyDir(EmptyDirVolumeSource)
    case hostPath(HostPathVolumeSource)
    case downwardAPI(DownwardAPIVolumeSource)
    case other(name: String, JSONValue)
}

public struct EmptyDirVolumeSource: Sendable, Equatable, KubeObject {
    /// "" (node disk) or "Memory" (tmpfs); "HugePages" variants are refused by validation.
    public var medium: String = ""
    public var sizeLimit: Quantity?
    public init(medium: String = "", sizeLimit: Quantity? = nil) { self.medium = medium; self.sizeLimit = sizeLimit }
    init(_ r: ObjectReader) {
        medium = r.value("medium")
        sizeLimit = r.opt("sizeLimit")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.omitEmpty("medium", medium)
        w.opt("sizeLimit", sizeLimit)
    }
}

public struct HostPathVolumeSource: Sendable, Equatable, KubeObject {
    public var path: String = ""
    /// Defaulted to "" by the API server; "DirectoryOrCreate", "Directory", "FileOrCreate",
    /// "File", "Socket", "CharDevice", "BlockDevice".
    public var type: String?
    public init(path: String = "", type: String? = nil) { self.path = path; self.type = type }
    init(_ r: ObjectReader) {
        path = r.value("path")
        type = r.opt("type")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("path", path)
        w.opt("type", type)
    }
}

public struct DownwardAPIVolumeSource: Sendable, Equatable, KubeObject {
    public var items: [DownwardAPIVolumeFile] = []
    public var defaultMode: Int32?
    public init(items: [DownwardAPIVolumeFile] = [], defaultMode: Int32? = nil) {
        self.items = items
        self.defaultMode = defaultMode
    }
    init(_ r: ObjectReader) {
        items = r.list("items")
        defaultMode = r.opt("defaultMode")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.list("items", items)
        w.opt("defaultMode", defaultMode)
    }
}

public struct DownwardAPIVolumeFile: Sendable, Equatable, KubeObject {
    public var path: String = ""
    public var fieldRef: ObjectFieldSelector?
    public var resourceFieldRef: ResourceFieldSelector?
    public var mode: Int32?
    public init(path: String = "", fieldRef: ObjectFieldSelector? = nil) { self.path = path; self.fieldRef = fieldRef }
    init(_ r: ObjectReader) {
        path = r.value("path")
        fieldRef = r.opt("fieldRef")
        resourceFieldRef = r.opt("resourceFieldRef")
        mode = r.opt("mode")
    }
    func encodeFields(_ w: inout ObjectWriter) {
        w.always("path", path)
        w.opt("fieldRef", fieldRef)
        w.opt("resourceFieldRef", resourceFieldRef)
        w.opt("mode", mode)
    }
}
