import Core
import Testing

@Suite struct LifetimeTests {
    @Test func parsesUnitsAndSums() throws {
        #expect(try Lifetime.seconds("90s").get() == 90)
        #expect(try Lifetime.seconds("2h").get() == 7200)
        #expect(try Lifetime.seconds("1d2h").get() == 93600)
        #expect(try Lifetime.seconds("1m").get() == 60)
    }

    @Test func refusesWhatCouldBeMisread() {
        for bad in ["", "30", "h", "0s", "2 h", "1y", "-1h", "400d"] {
            if case .success(let s) = Lifetime.seconds(bad) { Issue.record("\(bad) gave \(s)") }
        }
    }

    @Test func formatsTheTwoLargestUnits() {
        #expect(Lifetime.format(45) == "45s")
        #expect(Lifetime.format(3600 + 1800 + 5) == "1h 30m")
        #expect(Lifetime.format(86400 + 60) == "1d")
        #expect(Lifetime.format(250) == "4m 10s")
        #expect(Lifetime.format(-5) == "0s")
    }
}
