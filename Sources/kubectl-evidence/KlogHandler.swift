import Logging
import Presentation

/// swift-log's handler for `-v`: each message as one of klog's lines on stderr
/// (`I1201 04:40:00.123456 GET https://… 200 OK in 12 milliseconds`), escaped,
/// since URLs and headers carry names an API server chose.
struct KlogHandler: LogHandler {
    let output: OutputContext
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    /// kubectl's `-v` levels in swift-log's terms: 6 shows each request
    /// (`debug`), 8 its headers too (`trace`); below 6, the client says nothing.
    static func level(forVerbosity verbosity: Int) -> Logger.Level {
        verbosity >= 8 ? .trace : verbosity >= 6 ? .debug : .info
    }

    init(output: OutputContext, verbosity: Int) {
        self.output = output
        self.logLevel = Self.level(forVerbosity: verbosity)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// A message of several lines (a block of headers) is written in one piece, each line stamped.
    func log(event: LogEvent) {
        ConnectionOptions.logLines(event.message.description.split(separator: "\n", omittingEmptySubsequences: false).map(String.init),
                                   to: output)
    }
}
