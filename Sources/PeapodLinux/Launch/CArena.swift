// Memory laid out for the C shim before clone(): every string and array the child reads. The
// child gets a copy-on-write copy of this memory and never allocates; the arena frees it all
// once the parent side of the shim returns.

#if canImport(Glibc)
import Glibc
#endif

final class CArena {
    private var blocks: [UnsafeMutableRawPointer] = []

    init() {}

    deinit {
        for block in blocks { free(block) }
    }

    /// A NUL-terminated copy of `text`.
    func string(_ text: String) -> UnsafeMutablePointer<CChar> {
        let copy = strdup(text)!
        blocks.append(UnsafeMutableRawPointer(copy))
        return copy
    }

    func optionalString(_ text: String?) -> UnsafePointer<CChar>? {
        text.map { UnsafePointer(string($0)) }
    }

    /// A NULL-terminated array of NUL-terminated strings (argv, envp).
    func stringArray(_ items: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
        let array = allocate(UnsafeMutablePointer<CChar>?.self, count: items.count + 1)
        for (i, item) in items.enumerated() { array[i] = string(item) }
        array[items.count] = nil
        return array
    }

    /// The same array typed `const char *const *`.
    func constStringArray(_ items: [String]) -> UnsafePointer<UnsafePointer<CChar>?> {
        UnsafeRawPointer(stringArray(items)).assumingMemoryBound(to: UnsafePointer<CChar>?.self)
    }

    /// Uninitialised room for `count` values (at least one, so the pointer is never NULL).
    func allocate<T>(_ type: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let bytes = MemoryLayout<T>.stride * max(count, 1)
        let raw = malloc(bytes)!
        blocks.append(raw)
        return raw.bindMemory(to: T.self, capacity: max(count, 1))
    }

    func array<T>(_ values: [T]) -> UnsafeMutablePointer<T> {
        let pointer = allocate(T.self, count: values.count)
        for (i, value) in values.enumerated() { (pointer + i).initialize(to: value) }
        return pointer
    }
}
