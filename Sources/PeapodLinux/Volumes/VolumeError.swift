// Errors of volume checks and setup. Each names the pod, and the volume or container it concerns,
// in one line a user can act on, e.g.
//   pod default/web: volume "data": hostPath type check failed: /srv/data is not a directory
//   pod default/web: container app: subPath "../x" escapes volume "data"

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

public struct VolumeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `namespace/name`.
    public var pod: String
    public var volume: String?
    public var container: String?
    public var message: String

    public init(pod: String, volume: String? = nil, container: String? = nil, message: String) {
        self.pod = pod
        self.volume = volume
        self.container = container
        self.message = message
    }

    public var description: String {
        var text = "pod \(pod)"
        if let container { text += ": container \(container)" }
        if let volume, container == nil { text += ": volume \"\(volume)\"" }
        return text + ": " + message
    }
}

/// A failed system call on a path, before it is given pod/volume context.
struct HostFSError: Error, CustomStringConvertible {
    let operation: String
    let path: String
    let code: Int32

    init(_ operation: String, _ path: String, _ code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}
