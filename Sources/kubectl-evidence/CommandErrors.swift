import ArgumentParser
import Foundation
import Presentation

/// Prints an error the way kubectl does (`error: …` on stderr, one sentence
/// that names what failed and where) and turns it into exit status 1, instead
/// of ArgumentParser's generic "Error:" dump.
enum CommandErrors {
    static func reporting(to output: OutputContext, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            print(error, to: output)
            throw ExitCode(1)
        }
    }

    /// Prints `error` as kubectl does, `error: …` on stderr. Messages quote API
    /// servers, webhooks, kubeconfigs and bundles: never a raw control byte.
    static func print(_ error: any Error, to output: OutputContext) {
        output.printError(message: describe(error))
    }

    static func describe(_ error: any Error) -> String {
        if let localized = error as? LocalizedError, let description = localized.errorDescription {
            return description
        }
        return String(describing: error)
    }
}

/// A command that cannot go on, in one sentence for the person who typed it
/// (printed as `error: …`, exit status 1).
struct CommandFailure: Error, LocalizedError {
    var message: String
    init(_ message: String) { self.message = message }
    var errorDescription: String? { message }
}
