import Foundation

/// A wall-clock instant to the nanosecond, as CRI log lines carry it. Foundation's `Date`
/// (a Double) cannot hold nanoseconds of today's epoch exactly, and the two places that
/// print these instants disagree on the fraction, so the lab keeps seconds and nanoseconds.
struct CRILogTime: Comparable, Hashable, Sendable {
    var seconds: Int64
    var nanoseconds: Int32

    init(seconds: Int64, nanoseconds: Int32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    init(_ spec: timespec) {
        self.init(seconds: Int64(spec.tv_sec), nanoseconds: Int32(spec.tv_nsec))
    }

    init(_ date: Date) {
        let interval = date.timeIntervalSince1970
        let whole = interval.rounded(.down)
        self.init(seconds: Int64(whole), nanoseconds: Int32(min(999_999_999, ((interval - whole) * 1e9).rounded())))
    }

    static func now() -> CRILogTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return CRILogTime(spec)
    }

    static func < (a: CRILogTime, b: CRILogTime) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    /// Saturating, so that `sinceSeconds=99999999999` means "since forever" rather than a trap.
    func adding(seconds delta: Int64) -> CRILogTime {
        let (sum, overflow) = seconds.addingReportingOverflow(delta)
        return CRILogTime(seconds: overflow ? (delta < 0 ? .min : .max) : sum, nanoseconds: nanoseconds)
    }

    /// containerd's form in the log file: Go's `time.RFC3339Nano`, whose fraction drops
    /// trailing zeros (`…07.06058916Z`, and no fraction at all on a whole second).
    var rfc3339Nano: String {
        var fraction = ""
        if nanoseconds > 0 {
            var digits = ninedigits
            while digits.last == "0" { digits.removeLast() }
            fraction = "." + digits
        }
        return dateAndTime + fraction + "Z"
    }

    /// The kubelet's form in a `timestamps=true` response (`timeFormatOut`): always nine
    /// fraction digits (`…07.060589160Z`).
    var rfc3339NanoFixed: String {
        dateAndTime + "." + ninedigits + "Z"
    }

    private var ninedigits: String {
        let text = String(nanoseconds)
        return String(repeating: "0", count: max(0, 9 - text.count)) + text
    }

    private var dateAndTime: String {
        var t = time_t(seconds)
        var tm = tm()
        gmtime_r(&t, &tm)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let year = String(tm.tm_year + 1900)
        let paddedYear = String(repeating: "0", count: max(0, 4 - year.count)) + year
        return "\(paddedYear)-\(two(tm.tm_mon + 1))-\(two(tm.tm_mday))T\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec))"
    }
}
