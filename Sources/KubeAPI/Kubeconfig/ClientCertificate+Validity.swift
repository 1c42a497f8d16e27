import Foundation
import NIOSSL

extension ClientCertificate {
    /// The leaf certificate's validity window as a sentence when `now` is
    /// outside it, else nil. kube-apiserver answers an expired client
    /// certificate with a bare 401 "Unauthorized" (the reason is only in its
    /// log), and a server that checks it in the handshake sends an alert that
    /// BoringSSL words as "SSLV3_ALERT_CERTIFICATE_EXPIRED": neither says which
    /// certificate, or since when.
    func validityProblem(now: Date = Date()) -> String? {
        guard let leaf = chain.first else { return nil }
        let notBefore = Date(timeIntervalSince1970: TimeInterval(leaf.notValidBefore))
        let notAfter = Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter))
        if now > notAfter {
            return "The client certificate in \(origin) expired on \(Self.format(notAfter)) (\(Self.age(now.timeIntervalSince(notAfter))) ago); renew it, or ask for a new kubeconfig."
        }
        if now < notBefore {
            return "The client certificate in \(origin) is not valid before \(Self.format(notBefore)) (in \(Self.age(notBefore.timeIntervalSince(now)))); check this machine's clock."
        }
        return nil
    }

    private static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }

    /// "3 days", "5 hours", "12 minutes", "40 seconds".
    private static func age(_ seconds: TimeInterval) -> String {
        let s = Int(seconds.rounded())
        for (unit, size) in [("day", 86_400), ("hour", 3_600), ("minute", 60)] where s >= size {
            let n = s / size
            return "\(n) \(unit)\(n == 1 ? "" : "s")"
        }
        return "\(s) second\(s == 1 ? "" : "s")"
    }
}
