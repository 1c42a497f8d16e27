import Evidence

/// A plain text table in the style of `kubectl get`: upper-case headers,
/// columns separated by three spaces, no borders, so the output reads like
/// the rest of a Kubernetes user's terminal and survives copy-paste into a ticket.
public struct TextTable: Sendable {
    public var headers: [String]
    public var rows: [[String]] = []

    public init(headers: [String]) {
        self.headers = headers
    }

    /// Cells hold names and reasons from the API server and bundles: each is
    /// made one safe line (``DisplayText/line(_:cutAfter:)``) as it comes in,
    /// so no cell can move the cursor or break the table.
    public mutating func append(_ row: [String]) {
        rows.append(row.map { DisplayText.line($0) })
    }

    public func render() -> String {
        let all = [headers] + rows
        var widths = Array(repeating: 0, count: headers.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        var out = ""
        for row in all {
            var line = ""
            for (index, cell) in row.enumerated() where index < widths.count {
                let isLast = index == widths.count - 1
                line += isLast ? cell : cell.padding(toLength: widths[index] + 3, withPad: " ", startingAt: 0)
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
