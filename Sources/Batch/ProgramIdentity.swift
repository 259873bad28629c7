import Foundation

/// What identifies the running program's build, for the staging key (`BatchRunner.stagingConfig`):
/// a rebuilt binary must rebuild the staging database and re-evaluate everyone.
///
/// The linker's GNU build ID when the executable has one: a hash of the linked output, read from
/// the ELF notes in the first few KB of the file. Hashing the whole executable (100 MB, statically
/// linked, unstripped) cost more instructions than staging a 10 MB export. Without a build ID
/// (another linker, another format) the whole file is hashed, as before.
enum ProgramIdentity {
    static let current: String = {
        let fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "unknown program \(getpid()) \(time(nil))" }
        defer { close(fd) }
        if let id = buildID(fd: fd) { return "build-id " + id }
        return ContentHash.ofFile(fd: fd, seed: "") ?? "unknown program \(getpid()) \(time(nil))"
    }()

    /// The GNU build ID (`NT_GNU_BUILD_ID` in a `PT_NOTE` segment) of the 64-bit little-endian
    /// ELF file open at `fd`, as lowercase hex; nil when the file is not one or has none.
    static func buildID(fd: Int32) -> String? {
        func read(_ offset: UInt64, _ count: Int) -> [UInt8]? {
            guard count > 0, count <= 1 << 20, offset <= UInt64(Int64.max) else { return nil }
            var bytes = [UInt8](repeating: 0, count: count)
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
            return n == count ? bytes : nil
        }
        func u16(_ b: [UInt8], _ at: Int) -> Int { Int(b[at]) | Int(b[at + 1]) << 8 }
        func u32(_ b: [UInt8], _ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << (8 * UInt32($1)) } }
        func u64(_ b: [UInt8], _ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) } }

        // ELF header: magic, 64-bit class (2), little-endian data (1).
        guard let header = read(0, 64), header[0..<4].elementsEqual([0x7F, 0x45, 0x4C, 0x46]), header[4] == 2, header[5] == 1
        else { return nil }
        let phoff = u64(header, 32)
        let phentsize = u16(header, 54)
        let phnum = u16(header, 56)
        guard phentsize >= 56, phnum > 0, let table = read(phoff, phentsize * phnum) else { return nil }
        for i in 0..<phnum {
            let ph = i * phentsize
            guard u32(table, ph) == 4 else { continue }  // PT_NOTE
            guard let notes = read(u64(table, ph + 8), Int(clamping: u64(table, ph + 32))) else { continue }
            // Notes: namesz, descsz, type, then the name and the descriptor, each padded to 4.
            var at = 0
            while at + 12 <= notes.count {
                let namesz = Int(u32(notes, at)), descsz = Int(u32(notes, at + 4)), type = u32(notes, at + 8)
                let name = at + 12
                let desc = name + ((namesz + 3) & ~3)
                guard namesz <= notes.count, descsz <= notes.count, desc + descsz <= notes.count else { break }
                if type == 3, namesz == 4, notes[name..<(name + 4)].elementsEqual(Array("GNU\0".utf8)), descsz > 0 {
                    let digits = Array("0123456789abcdef".utf8)
                    var hex: [UInt8] = []
                    for b in notes[desc..<(desc + descsz)] { hex += [digits[Int(b >> 4)], digits[Int(b & 0xF)]] }
                    return String(decoding: hex, as: UTF8.self)
                }
                at = desc + ((descsz + 3) & ~3)
            }
        }
        return nil
    }
}
