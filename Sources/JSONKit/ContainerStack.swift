/// The members (or elements) of the containers a parse has open, innermost last, in one buffer
/// that the whole parse of a value shares. When a container closes, its own are moved into an
/// array of exactly their count: one allocation per object or array, where appending to an
/// array of its own grew (and copied) it two or three times for a FHIR-sized object.
///
/// Noncopyable, so the buffer has one owner and is released (with whatever a parse that threw
/// left in it) when that owner goes.
struct ContainerStack<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>?
    private(set) var count = 0
    private var capacity = 0

    init() {}

    deinit {
        if let base {
            base.deinitialize(count: count)
            base.deallocate()
        }
    }

    @inline(__always)
    mutating func push(_ element: consuming Element) {
        if count == capacity { grow() }
        (base! + count).initialize(to: element)
        count += 1
    }

    private mutating func grow() {
        let larger = Swift.max(32, capacity * 2)
        let moved = UnsafeMutablePointer<Element>.allocate(capacity: larger)
        if let base {
            moved.moveInitialize(from: base, count: count)
            base.deallocate()
        }
        base = moved
        capacity = larger
    }

    /// Moves the elements from `start` on into a new array, in order; the stack ends at `start`.
    mutating func pop(from start: Int) -> [Element] {
        let n = count - start
        guard n > 0, let base else { return [] }
        count = start
        // Reserved, then appended moved elements (no retain, no release): what
        // `Array(unsafeUninitializedCapacity:)` would do, but that calls the standard library's
        // unspecialized allocator, which looks the storage's type metadata up on every call.
        var array: [Element] = []
        array.reserveCapacity(n)
        for i in start..<(start + n) { array.append((base + i).move()) }
        return array
    }

    /// The element at `index` (below ``count``), read in place.
    subscript(index: Int) -> Element {
        unsafeAddress { UnsafePointer(base! + index) }
    }
}
