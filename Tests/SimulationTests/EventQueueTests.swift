import Foundation
import XCTest
import HACore
@testable import Simulation

final class EventQueueTests: XCTestCase {
    func test_popsInTimeOrderAndFIFOForEqualTimes() {
        var queue = EventQueue<String>()
        queue.schedule("c", at: Instant.zero + .seconds(2))
        queue.schedule("a1", at: Instant.zero + .seconds(1))
        queue.schedule("a2", at: Instant.zero + .seconds(1))
        queue.schedule("a3", at: Instant.zero + .seconds(1))
        var order: [String] = []
        while let next = queue.popDue(by: Instant.zero + .hours(1)) { order.append(next.event) }
        XCTAssertEqual(order, ["a1", "a2", "a3", "c"])
    }

    func test_doesNotPopEventsAfterTheDeadline() {
        var queue = EventQueue<Int>()
        queue.schedule(1, at: Instant.zero + .seconds(5))
        XCTAssertNil(queue.popDue(by: Instant.zero + .seconds(4)))
        XCTAssertEqual(queue.popDue(by: Instant.zero + .seconds(5))?.event, 1)
    }

    func test_codableRoundTripKeepsOrderAndSequence() throws {
        var queue = EventQueue<String>()
        var rng = SplitMix64(seed: 5)
        for i in 0..<500 { queue.schedule("e\(i)", at: Instant(microseconds: Int64(rng.next() % 50))) }
        var copy = try JSONDecoder().decode(EventQueue<String>.self, from: JSONEncoder().encode(queue))
        copy.schedule("late", at: .zero)
        queue.schedule("late", at: .zero)
        var a: [String] = [], b: [String] = []
        while let x = queue.popDue(by: Instant(microseconds: 100)) { a.append(x.event) }
        while let x = copy.popDue(by: Instant(microseconds: 100)) { b.append(x.event) }
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.count, 501)
    }
}

final class SimNetworkTests: XCTestCase {
    func test_twoWayPartitionCutsBothDirections() {
        var net = SimNetwork()
        net.partition([1], from: [0, 2], oneWay: false)
        XCTAssertTrue(net.isCut(Link(from: 1, to: 0)))
        XCTAssertTrue(net.isCut(Link(from: 0, to: 1)))
        XCTAssertTrue(net.isCut(Link(from: 2, to: 1)))
        XCTAssertFalse(net.isCut(Link(from: 0, to: 2)))
    }

    func test_oneWayPartitionCutsOnlyFromGroupToOthers() {
        var net = SimNetwork()
        net.partition([1], from: [0], oneWay: true)
        XCTAssertTrue(net.isCut(Link(from: 1, to: 0)))
        XCTAssertFalse(net.isCut(Link(from: 0, to: 1)))
    }

    func test_healRestoresOnlyTheNamedMachinesLinks() {
        var net = SimNetwork()
        net.partition([1, 2], from: [0], oneWay: false)
        net.heal([1])
        XCTAssertFalse(net.isCut(Link(from: 1, to: 0)))
        XCTAssertTrue(net.isCut(Link(from: 2, to: 0)))
        net.healAll()
        XCTAssertTrue(net.cut.isEmpty)
    }

    func test_aMachineAlwaysReachesItself() {
        var net = SimNetwork()
        net.defaultProfile.loss = 1
        net.partition([0], from: [0, 1], oneWay: false)
        var rng = SplitMix64(seed: 1)
        guard case .delivered = net.transmit(over: Link(from: 0, to: 0), using: &rng) else {
            return XCTFail("loopback message was not delivered")
        }
    }

    func test_cutLinkReportsCutAndLossyLinkLosesAboutItsRate() {
        var net = SimNetwork()
        var rng = SplitMix64(seed: 3)
        net.partition([0], from: [1], oneWay: true)
        XCTAssertEqual(net.transmit(over: Link(from: 0, to: 1), using: &rng), .cut)
        net.setProfile(LinkProfile(loss: 0.3), for: Link(from: 1, to: 0))
        let lost = (0..<10_000).filter { _ in net.transmit(over: Link(from: 1, to: 0), using: &rng) == .lost }.count
        XCTAssertTrue((2_700...3_300).contains(lost), "lost \(lost) of 10000 at 30%")
    }

    func test_duplicationDeliversTwoCopiesWithinLatencyBounds() {
        var net = SimNetwork()
        net.defaultProfile = LinkProfile(latencyMin: .milliseconds(1), latencyMax: .milliseconds(3), duplication: 1)
        var rng = SplitMix64(seed: 4)
        guard case .delivered(let delays) = net.transmit(over: Link(from: 0, to: 1), using: &rng) else {
            return XCTFail("not delivered")
        }
        XCTAssertEqual(delays.count, 2)
        XCTAssertTrue(delays.allSatisfy { $0 >= .milliseconds(1) && $0 <= .milliseconds(3) })
    }

    func test_reorderingLetsALaterMessageOvertakeAnEarlierOne() {
        var net = SimNetwork()
        net.defaultProfile = LinkProfile(latencyMin: .milliseconds(1), latencyMax: .milliseconds(1), reordering: 0.5,
                                         reorderDelay: .milliseconds(50))
        var rng = SplitMix64(seed: 8)
        var delays: [Interval] = []
        for _ in 0..<50 {
            if case .delivered(let d) = net.transmit(over: Link(from: 0, to: 1), using: &rng) { delays.append(d[0]) }
        }
        XCTAssertTrue(delays.contains(.milliseconds(1)))
        XCTAssertTrue(delays.contains { $0 > .milliseconds(2) }, "some messages are held back")
    }
}
