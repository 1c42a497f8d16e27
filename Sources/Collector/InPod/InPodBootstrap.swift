import CZlib
import Crypto
import Foundation

/// How the in-pod script reaches the evidence container.
public enum ScriptDelivery: String, Sendable, Codable, CaseIterable {
    /// On the container's stdin through `pods/attach` (WebSocket): the command
    /// holds only the bootstrap, a few hundred bytes, so a run adds about a
    /// kilobyte to the pod's object, not ten.
    case attach
    /// Packed into the container's command (gzip + base64, about 10 KB): where
    /// `pods/attach` is not allowed or cannot be reached.
    case command
}

/// The evidence container's command: a few lines of shell that get the in-pod
/// script — from the container's stdin (``ScriptDelivery/attach``) or from one
/// argument (``ScriptDelivery/command``) —, check it against its SHA-256, and
/// run it.
///
/// Ephemeral containers cannot be removed: the command stays in the pod's spec
/// for the pod's lifetime, and every run adds another. The script itself is
/// about 21 KB, and `$$` escaping made it 22; packed into the command it is
/// about 10 KB; delivered on stdin, the command is the bootstrap alone.
public enum InPodBootstrap {
    /// `$0` of the bootstrap, until it hands over to the script.
    static let programName = "evidence-boot"

    /// How long the attach bootstrap waits for the script on stdin: the tool
    /// attaches as soon as it sees the container running, so this bounds only
    /// how long a container whose collector died lingers.
    public static let stdinWaitSeconds = 60

    /// The bootstrap that unpacks `$1`, the packed script, and checks it against
    /// `$2`, its SHA-256 (``ScriptDelivery/command``); the rest are the script's
    /// arguments, from which `--termination-log` is read, so that a script that
    /// cannot be had still says why in the pod's status.
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

    /// The bootstrap that reads the packed script as one line from stdin
    /// (``ScriptDelivery/attach``), as short as it can be: every byte stays in
    /// the pod's spec, with each `$` doubled for the kubelet. It reads a line,
    /// not to the end (over `v4.channel.k8s.io` a client cannot end stdin), with
    /// the shell's own `read -t`: busybox `timeout` leaves a watcher process
    /// behind for up to a second, which the script then found among the pod's
    /// processes, with the evidence container's uid (seen on a real cluster). A
    /// script that does not come, does not unpack or does not match ends the
    /// container with the reason in its termination message (at
    /// `EVIDENCE_TERMINATION_LOG` when set, as the script itself reads it).
    static let attachText = """
        t=${EVIDENCE_TERMINATION_LOG-/dev/termination-log}
        read -r -t \(stdinWaitSeconds) p;s=$(printf %s "$p"|base64 -d|gzip -dc)&&[ "$(printf '%s\\n' "$s"|sha256sum)" = "$1  -" ]||{ printf "error: no whole script of SHA-256 $1 came through pods/attach within \(stdinWaitSeconds) s">"$t";exit 2;}
        shift
        exec sh -c "$s" evidence-collect "$@"
        """

    /// The script gzipped (maximum compression, no file name, mtime 0: the same
    /// bytes every time) and base64-encoded: the argument of the packed command.
    public static let packedScript: String = gzip(Array(InPodScript.text.utf8)).base64EncodedString()

    /// What the attach delivery writes to stdin: the packed script as one line.
    public static let stdinPayload: [UInt8] = Array((packedScript + "\n").utf8)

    /// The SHA-256 of the script as it runs (``InPodScript/text``), in hex: the
    /// bootstrap checks it, and the manifest records it.
    public static let scriptSHA256: String = SHA256.hash(data: Array(InPodScript.text.utf8)).map { String(format: "%02x", $0) }.joined()

    /// The container command for `options`, delivered as `delivery` says.
    static func command(_ options: InPodScript.Options, delivery: ScriptDelivery) -> [String] {
        switch delivery {
        case .command: ["sh", "-c", text, programName, packedScript, scriptSHA256] + options.arguments
        case .attach: ["sh", "-c", attachText, programName, scriptSHA256] + options.arguments
        }
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
