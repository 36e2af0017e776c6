import Testing
@testable import Scenario

/// `link`, `impair` and `partition` jobs: what they decode to, and each mistake located.
@Suite struct ConditionJobTests {
    func change(_ job: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> NetworkChange<String> {
        let p = try plan("stages:\n  - jobs: [\(job)]\n")
        guard case .testbed(.network(let c)) = p.stages[0].stage.jobs[0].action else {
            Issue.record("not a network change", sourceLocation: sourceLocation)
            return .heal
        }
        return c.map { $0.literalText ?? "<template>" }
    }

    @Test func everyFormDecodes() throws {
        #expect(try change("{link: {guest: web-0, network: lan, state: down}}").description == "link web-0 on lan down")
        #expect(try change("{impair: {target: 'web-0:lan', delay: 100ms, jitter: 5ms, direction: both}}").description
                == "impair web-0:lan: delay 100ms, jitter 5ms (both)")
        #expect(try change("{impair: {network: lan, between: 'main,rack2', loss: 5%}}").description
                == "impair lan between main,rack2: loss 5%")
        #expect(try change("{impair: {target: web-0, clear: true}}").description == "clear the impairments of web-0")
        #expect(try change("{impair: {clear: all}}").description == "clear the impairments of every target")
        #expect(try change("{partition: [db, 'web-0,web-1']}").description == "partition db from web-0,web-1")
        #expect(try change("{partition: heal}").description == "heal every partition")
    }

    @Test func templatesAreCheckedLikeEveryOther() {
        #expect(problem("stages:\n  - jobs: [{link: {guest: '{{ guests.web-9.name }}', network: lan, state: up}}]\n")
                .hasPrefix("2:28 `{{ guests.web-9.name }}`: no guest `web-9`"))
    }

    @Test func mistakesAreLocated() {
        #expect(problem("stages:\n  - jobs: [{link: {guest: db, network: lan, state: off}}]\n")
                == "2:52 the link state is `down` or `up`, got a string (\"off\")")
        #expect(problem("stages:\n  - jobs: [{link: {guest: db, state: up}}]\n") == "2:19 missing required key `network`")
        #expect(problem("stages:\n  - jobs: [{impair: {target: db, delay: 1ms, direction: up}}]\n")
                == "2:57 the direction is `out`, `in` or `both`, got a string (\"up\")")
        #expect(problem("stages:\n  - jobs: [{impair: {target: db}}]\n")
                == "2:21 give at least one of `delay`, `jitter`, `loss`, `rate`, `duplicate`, `corrupt`")
        #expect(problem("stages:\n  - jobs: [{impair: {target: db, clear: true, loss: 1%}}]\n")
                == "2:34 `clear` takes no values: it removes the target's impairments")
        #expect(problem("stages:\n  - jobs: [{impair: {network: lan, loss: 1%}}]\n").hasPrefix("2:22 `network` and `between` go together"))
        #expect(problem("stages:\n  - jobs: [{impair: {target: db, network: lan, between: 'a,b', loss: 1%}}]\n")
                == "2:34 give `target` (a guest's NIC) or `network` with `between`, not both")
        #expect(problem("stages:\n  - jobs: [{impair: {target: db, clear: all}}]\n").hasPrefix("2:41 `clear: all` clears every impairment"))
        #expect(problem("stages:\n  - jobs: [{impair: {delay: 1ms}}]\n").hasPrefix("2:21 name a target"))
        #expect(problem("stages:\n  - jobs: [{partition: [a, b, c]}]\n").hasPrefix("2:24 a partition is between two groups, got 3"))
        #expect(problem("stages:\n  - jobs: [{partition: mend}]\n") == "2:24 expected two groups (`[db, web]`) or `heal`, got a string (\"mend\")")
        #expect(problem("stages:\n  - all: true\n    jobs: [{partition: heal}]\n")
                .hasPrefix("3:12 `partition` works on the whole testbed: put it in a stage of its own"))
    }
}
