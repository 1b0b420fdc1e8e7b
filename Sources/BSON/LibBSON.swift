import CBSON

// libbson declares `bson_t` and `bson_iter_t` with 128-byte alignment, which
// Swift cannot lay out, so both import as `OpaquePointer`. Storage for them
// must therefore come from the heap with that alignment, never from a Swift
// local. `bson_t` is fixed by libbson's ABI at 128 bytes; `bson_iter_t` is 80
// bytes padded to its 128-byte alignment.
enum LibBSON {
    /// Size and alignment reserved for one `bson_t` or `bson_iter_t`.
    static let slotSize = 128

    /// Allocates uninitialised, suitably aligned storage for a `bson_t` or `bson_iter_t`.
    static func allocateSlot() -> OpaquePointer {
        OpaquePointer(UnsafeMutableRawPointer.allocate(byteCount: slotSize, alignment: slotSize))
    }

    /// Frees storage returned by `allocateSlot()`.
    static func deallocateSlot(_ slot: OpaquePointer) {
        UnsafeMutableRawPointer(slot).deallocate()
    }

    /// The bytes of a `bson_t`; its first four bytes are its little-endian total length.
    static func bytes(of bson: OpaquePointer) -> UnsafeRawBufferPointer {
        let data = UnsafeRawPointer(bson_get_data(bson)!)
        let length = Int(Int32(littleEndian: data.loadUnaligned(as: Int32.self)))
        return UnsafeRawBufferPointer(start: data, count: length)
    }

    /// The message libbson stored in a `bson_error_t`.
    static func message(of error: bson_error_t) -> String {
        withUnsafeBytes(of: error.message) { raw in
            let chars = raw.bindMemory(to: CChar.self)
            let end = chars.firstIndex(of: 0) ?? chars.count
            return String(decoding: raw[..<end], as: UTF8.self)
        }
    }
}

/// A pool of aligned `bson_iter_t` or `bson_t` slots indexed by nesting depth,
/// so one decode or encode allocates at most one slot per level it reaches.
final class SlotStack {
    private var slots: [OpaquePointer] = []

    /// The slot for `depth`, allocated on first use.
    func slot(_ depth: Int) -> OpaquePointer {
        while slots.count <= depth {
            slots.append(LibBSON.allocateSlot())
        }
        return slots[depth]
    }

    deinit {
        slots.forEach(LibBSON.deallocateSlot)
    }
}
