/// Something in the evidence that did not parse, said precisely: which record
/// (its key), which field, and what was wrong with it. Problems are kept
/// beside the result; a parser never stops the whole analysis.
public struct EvidenceProblem: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    /// The record the problem is in, e.g. `proc/42/stat` or `proc/net/tcp6`.
    public var key: String
    /// A full sentence naming the record, the field and what was wrong.
    public var message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { message }
}

/// Collects problems under the caps of ``EvidenceLimits``: the first few per
/// source and overall are kept, the rest only counted.
struct ProblemLog: Sendable {
    var problems: [EvidenceProblem] = []
    var leftOut = 0
    private var perSource: [String: Int] = [:]
    let limits: EvidenceLimits

    init(limits: EvidenceLimits) {
        self.limits = limits
    }

    mutating func add(_ problem: EvidenceProblem) {
        let n = perSource[problem.key, default: 0]
        perSource[problem.key] = n + 1
        if n >= limits.maxProblemsPerSource || problems.count >= limits.maxProblems {
            leftOut += 1
        } else {
            problems.append(problem)
        }
    }

    mutating func add(_ key: String, _ message: String) {
        add(EvidenceProblem(key: key, message: message))
    }

    /// The kept problems, with a closing note when some were left out.
    var all: [EvidenceProblem] {
        guard leftOut > 0 else { return problems }
        return problems + [EvidenceProblem(key: "-", message: "\(leftOut) more problems were found and left out of this list.")]
    }
}
