import HACore
import XCTest

final class CivilTimeTests: XCTestCase {
    func test_epochIsNewYear1970() {
        XCTAssertEqual(CivilTime(unixSeconds: 0).rfc3339Nano, "1970-01-01T00:00:00Z")
    }

    func test_knownInstantsMatchGoFormatting() {
        // 1_402_000_000 s is 2014-06-05 20:26:40 UTC (Juju 1.20's year).
        let t = CivilTime(unixSeconds: 1_402_000_000)
        XCTAssertEqual(t.rfc3339Nano, "2014-06-05T20:26:40Z")
        XCTAssertEqual(t.compactStamp, "20140605-202640")
        XCTAssertEqual(t.goString, "2014-06-05 20:26:40 +0000 UTC")
    }

    func test_fractionDropsTrailingZeros() {
        XCTAssertEqual(CivilTime(unixMicroseconds: 1_402_000_000_250_000).rfc3339Nano, "2014-06-05T20:26:40.25Z")
    }

    func test_leapDayAndCenturyRules() {
        XCTAssertEqual(CivilTime(unixSeconds: 951_782_400).rfc3339Nano, "2000-02-29T00:00:00Z")
        XCTAssertEqual(CivilTime(unixSeconds: 4_107_542_400).rfc3339Nano, "2100-03-01T00:00:00Z")
    }

    func test_parseRoundTripsWhatItFormats() {
        for micros: Int64 in [0, 1_402_000_000_250_000, 951_782_400_000_001, 4_107_542_399_999_999] {
            XCTAssertEqual(CivilTime.parseRFC3339(CivilTime(unixMicroseconds: micros).rfc3339Nano), micros)
        }
    }

    func test_parseRefusesOtherZonesAndGarbage() {
        XCTAssertNil(CivilTime.parseRFC3339("2014-06-05T20:26:40+02:00"))
        XCTAssertNil(CivilTime.parseRFC3339("yesterday"))
        XCTAssertNil(CivilTime.parseRFC3339("2014-13-05T20:26:40Z"))
    }
}
