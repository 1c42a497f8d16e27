/// Epoch seconds as `YYYY-MM-DDTHH:MM:SS.ssZ`, computed without Foundation or
/// a locale (days-from-civil, Howard Hinnant's algorithm), so the output is
/// the same on every machine. Years outside 1970…9999 give nil.
enum UTCTimestamp {
    static func format(epochSeconds: Double) -> String? {
        guard epochSeconds.isFinite, epochSeconds >= 0, epochSeconds < 253_402_300_800 else { return nil }
        let total = Int64((epochSeconds * 100).rounded())
        let whole = total / 100
        let centis = total % 100
        let days = whole / 86_400
        let secs = whole % 86_400
        let z = days + 719_468
        let era = z / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))T\(two(secs / 3600)):\(two(secs % 3600 / 60)):\(two(secs % 60)).\(two(centis))Z"
    }
}
