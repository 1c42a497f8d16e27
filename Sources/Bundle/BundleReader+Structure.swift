import CZlib
import Foundation

/// What a bundle file is, byte for byte: one gzip member holding one tar
/// stream that ends with its end marker, then only the zero padding of its
/// last record, and nothing after the gzip member.
///
/// libarchive (and `tar`) read past all of that leniently: a second gzip
/// member appended is decompressed as more of the same stream, bytes after
/// the member are ignored, and entries after the tar end marker are extracted
/// by `tar -i`. A bundle that carries such extra data is not what its
/// manifest lists, so verify names it. zlib finds the member's exact end; a
/// small walker over the 512-byte tar blocks finds the end marker.
struct BundleStructure {
    /// A problem, in the words of ``BundleVerification/Problem``.
    enum Finding: Equatable {
        case afterGzipMember(bytes: UInt64, secondMember: Bool)
        case afterTarEnd(offset: UInt64)
    }

    static func check(path: String) throws -> [Finding] {
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw BundleError(.archive, "The bundle \(BundleReader.display(path)) could not be checked: it cannot be opened to check its gzip and tar structure.")
        }
        defer { try? file.close() }
        var stream = z_stream()
        guard czlib_inflate_init_gzip(&stream) == Z_OK else {
            throw BundleError(.archive, "The bundle \(BundleReader.display(path)) could not be checked: zlib could not start inflating it.")
        }
        defer { inflateEnd(&stream) }
        var tar = TarBlockWalker()
        var output = [UInt8](repeating: 0, count: 1 << 16)
        var findings: [Finding] = []
        var ended = false
        var leftover: UInt64 = 0
        var leftoverStartsMember = false
        while true {
            let chunk = file.readData(ofLength: 1 << 20)
            if chunk.isEmpty { break }
            if ended {
                leftover += UInt64(chunk.count)
                continue
            }
            var input = [UInt8](chunk)
            try input.withUnsafeMutableBufferPointer { inputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = uInt(inputBuffer.count)
                repeat {
                    let status = output.withUnsafeMutableBufferPointer { outputBuffer -> Int32 in
                        stream.next_out = outputBuffer.baseAddress
                        stream.avail_out = uInt(outputBuffer.count)
                        return inflate(&stream, Z_NO_FLUSH)
                    }
                    let produced = output.count - Int(stream.avail_out)
                    tar.feed(output[0..<produced])
                    if status == Z_STREAM_END {
                        ended = true
                        leftover = UInt64(stream.avail_in)
                        if stream.avail_in > 0, let next = stream.next_in { leftoverStartsMember = stream.avail_in >= 2 && next[0] == 0x1F && next[1] == 0x8B }
                        break
                    }
                    guard status == Z_OK || status == Z_BUF_ERROR else {
                        throw BundleError(.archive, "The bundle \(BundleReader.display(path)) could not be checked: its gzip stream is damaged (zlib error \(status)).")
                    }
                } while stream.avail_in > 0 || stream.avail_out == 0
            }
        }
        if leftover > 0 { findings.append(.afterGzipMember(bytes: leftover, secondMember: leftoverStartsMember)) }
        if let offset = tar.dataAfterEnd { findings.append(.afterTarEnd(offset: offset)) }
        return findings
    }
}

/// Walks a tar stream in 512-byte blocks: each header's size field says how
/// many data blocks follow; two zero blocks end the archive; after that only
/// zero bytes (the record's padding) may come.
struct TarBlockWalker {
    private var block: [UInt8] = []
    private var dataBlocksLeft: UInt64 = 0
    private var zeroBlocks = 0
    private var offset: UInt64 = 0
    private(set) var ended = false
    /// Offset in the tar stream of the first non-zero byte after the end marker.
    private(set) var dataAfterEnd: UInt64?

    /// Takes the next bytes of the tar stream. Data blocks are skipped whole
    /// and the padding after the end marker is scanned, never copied: this runs
    /// over every byte `verify` reads.
    mutating func feed(_ bytes: ArraySlice<UInt8>) {
        var rest = bytes
        while !rest.isEmpty {
            if ended {
                if dataAfterEnd == nil, let nonZero = rest.firstIndex(where: { $0 != 0 }) {
                    dataAfterEnd = offset + UInt64(nonZero - rest.startIndex)
                }
                offset += UInt64(rest.count)
                return
            }
            if block.isEmpty, dataBlocksLeft > 0, rest.count >= 512 {
                let skipped = min(UInt64(rest.count / 512), dataBlocksLeft)
                dataBlocksLeft -= skipped
                offset += skipped * 512
                rest = rest.dropFirst(Int(skipped) * 512)
                continue
            }
            let taken = min(512 - block.count, rest.count)
            block.append(contentsOf: rest.prefix(taken))
            rest = rest.dropFirst(taken)
            offset += UInt64(taken)
            if block.count == 512 {
                take(block)
                block.removeAll(keepingCapacity: true)
            }
        }
    }

    private mutating func take(_ header: [UInt8]) {
        if dataBlocksLeft > 0 {
            dataBlocksLeft -= 1
            return
        }
        if header.allSatisfy({ $0 == 0 }) {
            zeroBlocks += 1
            if zeroBlocks == 2 { ended = true }
            return
        }
        zeroBlocks = 0
        let size = Self.size(header[124..<136])
        dataBlocksLeft = (size + 511) / 512
    }

    /// The size field: octal digits, or base-256 when its first byte has the high bit set.
    static func size(_ field: ArraySlice<UInt8>) -> UInt64 {
        guard let first = field.first else { return 0 }
        if first & 0x80 != 0 {
            var value: UInt64 = 0
            for byte in field.dropFirst().suffix(8) { value = value << 8 | UInt64(byte) }
            return value
        }
        var value: UInt64 = 0
        for byte in field {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7") else {
                if value > 0 || byte != UInt8(ascii: " ") { break } else { continue }
            }
            value = value &* 8 &+ UInt64(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
