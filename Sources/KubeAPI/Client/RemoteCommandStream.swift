/// Kubernetes' remote-command stream protocol over WebSocket, as `kubectl attach`
/// and `kubectl exec` speak it since 1.31 (KEP-4006): every binary message starts
/// with one byte naming its stream.
///
/// `v5.channel.k8s.io` adds the close signal (`[255, stream]`), with which a
/// client ends its stdin without ending the connection; `v4.channel.k8s.io`
/// has none, so a reader on stdin must know how much to read. Both carry the
/// outcome as a `Status` on the error stream before the server closes.
public enum RemoteCommandStream: UInt8, Sendable {
    case stdin = 0
    case stdout = 1
    case stderr = 2
    /// The server's `Status` (JSON) when the command or attach session ends.
    case error = 3
    /// Terminal size changes (tty only).
    case resize = 4
    /// v5 only: the payload names a stream the sender will write no more to.
    case close = 255

    /// The subprotocols the client offers, most capable first; the server picks one.
    public static let subprotocols = ["v5.channel.k8s.io", "v4.channel.k8s.io"]

    /// True when `subprotocol` can signal the end of stdin.
    public static func canCloseStdin(_ subprotocol: String) -> Bool { subprotocol == "v5.channel.k8s.io" }
}
