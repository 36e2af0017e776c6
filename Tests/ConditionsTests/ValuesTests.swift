import Conditions
import Core
import Testing

@Suite struct ValuesTests {
    @Test func durations() throws {
        #expect(try ConditionValue.duration("100ms", option: "--delay") == 100_000)
        #expect(try ConditionValue.duration("1.5s", option: "--delay") == 1_500_000)
        #expect(try ConditionValue.duration("250us", option: "--delay") == 250)
        #expect(try ConditionValue.duration("0", option: "--delay") == 0)
        #expect(try ConditionValue.duration("2sec", option: "--delay") == 2_000_000)
        #expect(ConditionValue.show(micros: 100_000) == "100ms")
        #expect(ConditionValue.show(micros: 1_500) == "1.5ms")
        #expect(ConditionValue.show(micros: 2_000_000) == "2s")
        #expect(ConditionValue.show(micros: 250) == "250us")
    }

    @Test func badDurationsSayWhy() {
        for (text, why) in [("100", "give a unit: 100ms"), ("100m", "unknown unit `m`"), ("abc", "expected a time"),
                            ("-5ms", "expected a time"), ("1.2.3ms", "expected a time"), ("2h", "unknown unit"),
                            ("5000s", "at most an hour"), ("0.5us", "resolution")] {
            #expect(throws: TBError.self) { try ConditionValue.duration(text, option: "--delay") }
            do { _ = try ConditionValue.duration(text, option: "--delay") } catch let e as TBError {
                #expect(e.code == .invalidInput)
                #expect(e.message.hasPrefix("--delay `\(text)`"), "\(e.message)")
                #expect(e.message.contains(why), "\(text): \(e.message)")
            } catch {}
        }
    }

    @Test func percentages() throws {
        #expect(try ConditionValue.percent("30%", option: "--loss") == 30)
        #expect(try ConditionValue.percent("0.5%", option: "--loss") == 0.5)
        #expect(try ConditionValue.percent("0", option: "--loss") == 0)
        for bad in ["30", "101%", "x%", "%", "30 %%"] {
            #expect(throws: TBError.self, "\(bad)") { try ConditionValue.percent(bad, option: "--loss") }
        }
        #expect(ConditionValue.show(percent: 30) == "30%")
        #expect(ConditionValue.show(percent: 0.5) == "0.5%")
    }

    @Test func rates() throws {
        #expect(try ConditionValue.rate("1mbit", option: "--rate") == 1_000_000)
        #expect(try ConditionValue.rate("10Mbit", option: "--rate") == 10_000_000)
        #expect(try ConditionValue.rate("500kbit", option: "--rate") == 500_000)
        #expect(try ConditionValue.rate("1gbit", option: "--rate") == 1_000_000_000)
        #expect(try ConditionValue.rate("1.5mbit", option: "--rate") == 1_500_000)
        do { _ = try ConditionValue.rate("100kbps", option: "--rate"); Issue.record("kbps accepted") } catch let e as TBError {
            #expect(e.message.contains("100kbit") && e.message.contains("bytes"), "\(e.message)")
        }
        for bad in ["10", "10mb", "fast", "2bit"] {
            #expect(throws: TBError.self, "\(bad)") { try ConditionValue.rate(bad, option: "--rate") }
        }
        #expect(ConditionValue.show(bits: 1_000_000) == "1mbit")
        #expect(ConditionValue.show(bits: 1_500_000) == "1500kbit")
        #expect(ConditionValue.show(bits: 64) == "64bit")
    }
}

@Suite struct NetemTests {
    @Test func newValuesMergeOverOldOnesAndZeroRemoves() {
        let old = Netem(delay: 100_000, loss: 10)
        #expect(old.merged(with: Netem(loss: 30)) == Netem(delay: 100_000, loss: 30))
        #expect(old.merged(with: Netem(delay: 0)) == Netem(loss: 10))
        #expect(old.merged(with: Netem(delay: 0, loss: 0)).isEmpty)
    }

    @Test func tcArguments() {
        #expect(Netem(delay: 100_000, jitter: 10_000, loss: 30, rate: 1_000_000).tcArguments
                == ["limit", "10000", "delay", "100ms", "10ms", "loss", "30%", "rate", "1mbit"])
        #expect(Netem(jitter: 5_000).tcArguments == ["limit", "10000", "delay", "0us", "5ms"])
        #expect(Netem(duplicate: 1, corrupt: 0.1).tcArguments == ["limit", "10000", "duplicate", "1%", "corrupt", "0.1%"])
        #expect(Netem(delay: 100_000, loss: 30).summary == "delay 100ms, loss 30%")
    }

    @Test func twoImpairmentsInARowAddUp() {
        let a = Netem(delay: 10_000, loss: 10, rate: 5_000_000)
        let b = Netem(delay: 20_000, loss: 50, rate: 1_000_000)
        #expect(a.then(b) == Netem(delay: 30_000, loss: 55, rate: 1_000_000))
        #expect(Netem().then(b) == b)
    }
}
