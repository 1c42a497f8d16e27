import CZlib
import Crypto
import Foundation

/// The evidence container's command: a few lines of shell that unpack the
/// in-pod script from one argument (gzip, then base64: an alphabet without `$`,
/// so the kubelet's `$(VAR)` expansion has nothing to touch), check it against
/// its SHA-256, and run it.
///
/// Ephemeral containers cannot be removed: the command stays in the pod's spec
/// for the pod's lifetime, and every run adds another. The script itself is
/// about 21 KB, and `$$` escaping made it 22; packed, it is about 10 KB.
/// (Delivering it on the container's stdin through `attach` would leave only
/// the bootstrap; that is issue 12's next step.)
public enum InPodBootstrap {
    /// `$0` of the bootstrap, until it hands over to the script.
    static let programName = "evidence-boot"

    /// The bootstrap. `$1` is the packed script, `$2` its SHA-256, the rest the
    /// script's arguments (from which `--termination-log` is read, so that a
    /// script that cannot be unpacked still says why in the pod's status).
    static let text = InPodScript.compact("""
        p=$1 d=$2
        shift 2
        t=/dev/termination-log
        for a; do case $a in --termination-log=*) t=${a#*=};; esac; done
        fail() { echo "evidence-collect: $1" >&2; [ -z "$t" ] || [ "$t" = - ] || printf 'error: %s' "$1" 2>/dev/null > "$t"; exit 2; }
        s=$(printf %s "$p" | base64 -d | gzip -dc) || fail "cannot unpack the script (the image needs busybox base64 and gzip)"
        h=$(printf '%s\\n' "$s" | sha256sum) || fail "cannot compute the script's SHA-256 (the image needs busybox sha256sum)"
        [ "${h%% *}" = "$d" ] || fail "the unpacked script does not match its SHA-256 $d"
        exec sh -c "$s" evidence-collect "$@"
        """)

    /// The script gzipped (maximum compression, no file name, mtime 0: the same
    /// bytes every time) and base64-encoded.
    public static let packedScript: String = gzip(Array(InPodScript.text.utf8)).base64EncodedString()

    /// The SHA-256 of the script as it runs (``InPodScript/text``), in hex: the
    /// bootstrap checks it, and the manifest records it.
    public static let scriptSHA256: String = SHA256.hash(data: Array(InPodScript.text.utf8)).map { String(format: "%02x", $0) }.joined()

    /// The container command for `options`.
    static func command(_ options: InPodScript.Options) -> [String] {
        ["sh", "-c", text, programName, packedScript, scriptSHA256] + options.arguments
    }

    /// A gzip member of `bytes`, as `gzip -9n` writes one.
    static func gzip(_ bytes: [UInt8]) -> Data {
        var stream = z_stream()
        // 15 window bits + 16: a gzip header and trailer around the deflate stream.
        guard deflateInit2_(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { preconditionFailure("zlib cannot start a deflate stream") }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 64)
        var input = bytes
        let written: Int = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "zlib did not finish the script's gzip member in one call (\(status))")
                return target.count - Int(stream.avail_out)
            }
        }
        return Data(output[..<written])
    }
}
