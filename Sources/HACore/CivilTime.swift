/// A UTC calendar reading of a Unix time, for the timestamps Juju prints and stores (backup
/// ids, file names, metadata). Pure arithmetic: no clock, no time zone database.
public struct CivilTime: Equatable, Sendable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    /// Nanoseconds within the second.
    public var nanosecond: Int

    /// The UTC reading of `unixMicroseconds` (microseconds since 1970-01-01T00:00:00Z).
    public init(unixMicroseconds: Int64) {
        let micros = unixMicroseconds
        var seconds = micros / 1_000_000
        var fraction = micros % 1_000_000
        if fraction < 0 { fraction += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        (year, month, day) = CivilTime.date(fromDays: days)
        hour = Int(secondOfDay / 3_600)
        minute = Int(secondOfDay % 3_600 / 60)
        second = Int(secondOfDay % 60)
        nanosecond = Int(fraction) * 1_000
    }

    public init(unixSeconds: Int64) { self.init(unixMicroseconds: unixSeconds * 1_000_000) }

    /// Proleptic Gregorian date of a day count from the epoch (eras of 400 years).
    static func date(fromDays days: Int64) -> (Int, Int, Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    private func pad(_ n: Int, _ width: Int) -> String {
        let text = String(n)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// `20060102-150405`, the stamp of backup ids and 1.21+ archive names.
    public var compactStamp: String {
        "\(pad(year, 4))\(pad(month, 2))\(pad(day, 2))-\(pad(hour, 2))\(pad(minute, 2))\(pad(second, 2))"
    }

    /// `2006-01-02<separator>15:04:05`, whole seconds.
    public func dateTime(separator: String = " ") -> String {
        "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))\(separator)\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
    }

    /// `.999999999` with trailing zeros dropped, empty on a whole second (Go's `.999…` layouts).
    private var trimmedFraction: String {
        guard nanosecond > 0 else { return "" }
        var fraction = pad(nanosecond, 9)
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "." + fraction
    }

    /// `.000`: milliseconds, always three digits (SQLite's `strftime('%f')`).
    public var milliseconds: String { "." + pad(nanosecond / 1_000_000, 3) }

    /// Go's `time.RFC3339Nano` in UTC (`encoding/json` of a `time.Time`): trailing zeros of the
    /// fraction dropped, `Z` for UTC.
    public var rfc3339Nano: String { dateTime(separator: "T") + trimmedFraction + "Z" }

    /// Go's `Time.String()` for a UTC time: `2006-01-02 15:04:05.999999999 +0000 UTC`.
    public var goString: String { dateTime() + trimmedFraction + " +0000 UTC" }

    /// Go's zero `time.Time` as `encoding/json` writes it.
    public static let goZeroRFC3339 = "0001-01-01T00:00:00Z"

    /// Parses `RFC3339` / `RFC3339Nano` in UTC (`Z` or `+00:00`) back to Unix microseconds.
    public static func parseRFC3339(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int64? {
            guard range.upperBound <= bytes.count else { return nil }
            var value: Int64 = 0
            for b in bytes[range] {
                guard b >= 48, b <= 57 else { return nil }
                value = value * 10 + Int64(b - 48)
            }
            return value
        }
        guard bytes.count >= 20, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84, bytes[13] == 58, bytes[16] == 58,
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var index = 19
        var micros: Int64 = 0
        if bytes[index] == 46 {
            index += 1
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                if digits < 6 { micros = micros * 10 + Int64(bytes[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            if digits < 6 { for _ in digits..<6 { micros *= 10 } }
        }
        let zone = String(decoding: bytes[index...], as: UTF8.self)
        guard zone == "Z" || zone == "+00:00" else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return ((days * 86_400 + hour * 3_600 + minute * 60 + second) * 1_000_000) + micros
    }

    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
