import Foundation

/// A size as kubectl users write one (`--max-pod-size 1Mi`): bytes, or a
/// number with Ki, Mi (binary, as Kubernetes quantities) or KiB, MiB; k and M
/// (decimal) too. nil for anything else, zero or negative, or past 1 GiB.
enum ByteQuantity {
    static func bytes(_ text: String) -> Int? {
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("Ki", 1 << 10), ("Mi", 1 << 20), ("k", 1000), ("M", 1_000_000)]
        var number = Substring(text.trimmingCharacters(in: .whitespaces))
        var scale = 1
        for (suffix, factor) in units where number.hasSuffix(suffix) {
            number = number.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Int(number), value > 0, value <= (1 << 30) / scale else { return nil }
        return value * scale
    }
}
