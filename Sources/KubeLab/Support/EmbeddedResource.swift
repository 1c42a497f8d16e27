import CZlib

/// The lab's data files, compiled into the program (`.embedInCode` in
/// Package.swift): a `kubelab` copied anywhere finds them, where a resource
/// bundle would be looked for next to the build folder it came from.
enum EmbeddedResource {
    /// The recorded core/v1 OpenAPI document, byte for byte as the v1.36 server
    /// sent it (1.5 MB; embedded gzipped, 126 KB, so the program and its
    /// compilation stay small).
    static func coreOpenAPIDocument() -> [UInt8]? {
        gunzip(PackageResources.openapi_v3_api_v1_json_gz)
    }

    /// The demo topology (Resources/demo-topology.yaml).
    static var demoTopology: String {
        String(decoding: PackageResources.demo_topology_yaml, as: UTF8.self)
    }

    /// One gzip member inflated; nil when the bytes are not whole gzip (which
    /// only a broken build could give: the input is the package's own file).
    static func gunzip(_ compressed: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard czlib_inflate_init_gzip(&stream) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = compressed
        let finished: Bool = input.withUnsafeMutableBufferPointer { source in
            stream.next_in = source.baseAddress
            stream.avail_in = UInt32(source.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { target -> Int32 in
                    stream.next_out = target.baseAddress
                    stream.avail_out = UInt32(target.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                output.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                if status == Z_STREAM_END { return true }
                if status != Z_OK { return false }
            }
        }
        return finished ? output : nil
    }
}
