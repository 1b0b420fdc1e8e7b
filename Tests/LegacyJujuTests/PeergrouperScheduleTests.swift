import HACore
import LegacyJuju
import XCTest

/// The worker loop's timer (§3.1): 1 minute polls, 2 s back-off doubling to 5 minutes.
final class PeergrouperScheduleTests: XCTestCase {
    private typealias Schedule = Peergrouper.Schedule

    func test_constants_areJujus() {
        XCTAssertEqual(Schedule.pollInterval, .minutes(1))
        XCTAssertEqual(Schedule.initialRetryInterval, .seconds(2))
        XCTAssertEqual(Schedule.maxRetryInterval, .minutes(5))
    }

    func test_success_pollsAgainAfterAMinute() {
        var schedule = Schedule()
        XCTAssertEqual(schedule.passFinished(.succeeded), .runAfter(.minutes(1)))
    }

    func test_failures_backOffFromTwoSecondsDoublingUpToFiveMinutes() {
        var schedule = Schedule()
        let waits = (0..<10).map { _ in schedule.passFinished(.failed) }
        let seconds: [Int64] = [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]
        XCTAssertEqual(waits, seconds.map { .runAfter(.seconds($0)) })
    }

    func test_success_resetsTheBackOff() {
        var schedule = Schedule()
        _ = schedule.passFinished(.failed)
        _ = schedule.passFinished(.failed)
        XCTAssertEqual(schedule.passFinished(.succeeded), .runAfter(.minutes(1)))
        XCTAssertEqual(schedule.passFinished(.failed), .runAfter(.seconds(2)))
    }

    func test_relevantChange_runsAtOnce() {
        XCTAssertEqual(Schedule().noticed(changed: true), .runAfter(.zero))
    }

    func test_irrelevantNotification_leavesTheTimerAlone() {
        XCTAssertEqual(Schedule().noticed(changed: false), .keepTimer)
    }

    func test_change_doesNotResetTheBackOff() {
        var schedule = Schedule()
        _ = schedule.passFinished(.failed)
        XCTAssertEqual(schedule.noticed(changed: true), .runAfter(.zero))
        XCTAssertEqual(schedule.passFinished(.failed), .runAfter(.seconds(4)))
    }

    func test_fatalPass_stopsTheWorker() {
        var schedule = Schedule()
        XCTAssertEqual(schedule.passFinished(.fatal), .stopWorker)
    }

    func test_passOutcome_combinesPublishingAndTheReplicaSetUpdate() {
        XCTAssertEqual(Schedule.outcome(publishSucceeded: true, updateFailure: nil), .succeeded)
        XCTAssertEqual(Schedule.outcome(publishSucceeded: false, updateFailure: nil), .failed)
        XCTAssertEqual(Schedule.outcome(publishSucceeded: true, updateFailure: .replicaSetError), .failed)
        XCTAssertEqual(Schedule.outcome(publishSucceeded: false, updateFailure: .fatal), .fatal)
    }
}
