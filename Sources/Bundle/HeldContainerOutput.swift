/// One container's raw output (`evidence.raw`), held while the rest of its
/// directory streams by.
///
/// The writer puts a container's files together, `evidence.raw` first. A reader
/// that rebuilds evidence from the raw output only when the parsed files are
/// missing (bundles written before them) keeps the raw bytes until the stream
/// has left that directory, and then knows whether they are needed: so at most
/// one raw output is held, and none is decoded when its parsed files are there.
public struct HeldContainerOutput: Sendable {
    private var held: (directory: String, bytes: [UInt8])?

    public init() {}

    /// Holds `bytes`, the raw output of the container directory `directory`.
    public mutating func hold(_ bytes: [UInt8], directory: String) {
        held = (directory, bytes)
    }

    /// The held output once the stream is at `path`, outside its directory, or at
    /// the end (`path` nil); nil while the stream is still inside it.
    public mutating func release(at path: String?) -> (directory: String, bytes: [UInt8])? {
        guard let held else { return nil }
        if let path, path.hasPrefix(held.directory + "/") { return nil }
        self.held = nil
        return held
    }
}
