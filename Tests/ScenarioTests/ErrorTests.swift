import Testing
@testable import Scenario

/// One test per kind of scenario error, each with the place it names (line:column).
@Suite struct ErrorTests {
    @Test func yamlSyntax() {
        #expect(problem("stages:\n  - name: a\n   jobs: []\n") == "3:4 did not find expected '-' indicator (while parsing a block collection at line 2, column 3)")
    }

    @Test func unknownKeysSuggestTheNearest() {
        #expect(problems("""
        stage:
          - jobs: []
        """) == ["1:1 unknown key `stage`; did you mean `stages`?", "1:1 missing required key `stages` (a list of stages, each with `jobs`)"])
        #expect(problem("""
        stages:
          - all: true
            mdoe: sequential
            jobs: [{run: x}]
        """) == "3:5 unknown key `mdoe`; did you mean `mode`?")
        #expect(problem("""
        stages:
          - all: true
            jobs: [{run: x, registr: y}]
        """) == "3:21 unknown key `registr`; did you mean `register`?")
    }

    @Test func missingStagesAndJobs() {
        #expect(problem("vars: {a: 1}\n") == "1:1 missing required key `stages` (a list of stages, each with `jobs`)")
        #expect(problem("stages:\n  - name: a\n    all: true\n") == "2:5 missing required key `jobs` (the stage's list of jobs)")
        #expect(problem("stages: []\n") == "1:9 the scenario has no stages")
    }

    @Test func jobKindMissingOrTwice() {
        #expect(problem("stages:\n  - all: true\n    jobs: [{name: x}]\n")
                == "3:12 a job needs one of `run`, `copy`, `wait`, `sleep`, `snapshot`, `restore`, `scale`, `link`, `impair`, `partition`")
        #expect(problem("stages:\n  - all: true\n    jobs: [{run: x, sleep: 1s}]\n")
                == "3:21 a job does one thing: `run` and `sleep` are both given (make two jobs)")
    }

    @Test func optionThatTheKindDoesNotTake() {
        #expect(problem("""
        stages:
          - all: true
            jobs:
              - copy: {src: bin/server, dest: /usr/bin/server}
                register: x
        """) == "5:9 `register` does not apply to a `copy` job (it takes `with_items`, `concurrent`)")
        #expect(problem("""
        stages:
          - all: true
            jobs:
              - run: server
                background: true
                register: x
        """) == "6:9 a background job runs until the run ends: `register` does not apply")
    }

    @Test func badRegexInSelector() {
        #expect(problem("stages:\n  - on: 'web-(\\d+'\n    jobs: [{run: x}]\n") == "2:9 `web-(\\d+` is not a valid regular expression")
    }

    @Test func stageThatSelectsNothing() {
        #expect(problem("stages:\n  - on: 'web'\n    jobs: [{run: x}]\n")
                == "2:9 `web` matches no guest of testbed lab (the whole name must match) (guests: client, db, web-0, web-1, web-2)")
    }

    @Test func unknownGuestServiceAndHost() {
        #expect(problem("stages:\n  - guests: [db, cleint]\n    jobs: [{run: x}]\n")
                == "2:18 no guest `cleint` in testbed lab; did you mean `client`? (guests: client, db, web-0, web-1, web-2)")
        #expect(problem("stages:\n  - guests: web\n    jobs: [{run: x}]\n").hasPrefix("2:13 no guest `web` in testbed lab; `web` is a service: use `service: web`"))
        #expect(problem("stages:\n  - service: wbe\n    jobs: [{run: x}]\n")
                == "2:14 no service `wbe` in testbed lab; did you mean `web`? (services: web)")
        #expect(problem("stages:\n  - hosts: [main, rack3]\n    jobs: [{run: x}]\n")
                == "2:19 no host `rack3` in testbed lab; did you mean `rack2`? (hosts: main, rack2)")
    }

    @Test func unknownGuestInATemplateIsLocatedAtTheReference() {
        #expect(problem("stages:\n  - all: true\n    jobs: [{run: 'ping {{ guests.wbe-0.ip.lan }}'}]\n")
                == "3:24 `{{ guests.wbe-0.ip.lan }}`: no guest `wbe-0` in testbed lab; did you mean `web-0`? (guests: client, db, web-0, web-1, web-2)")
    }

    @Test func unknownNetworkInATemplate() {
        #expect(problem("stages:\n  - all: true\n    jobs: [{run: 'ping {{ guests.db.ip.dmz }}'}]\n")
                == "3:24 `{{ guests.db.ip.dmz }}`: guest db has no address on network `dmz` (its networks: lan)")
        // The guest a job runs on: every selected guest must be on the network.
        #expect(problem("stages:\n  - on: 'db|web-0'\n    jobs: [{run: 'echo {{ guest.ip.dmz }}'}]\n")
                == "3:24 `{{ guest.ip.dmz }}`: db has no address on network `dmz`")
    }

    @Test func unknownAndLaterVars() {
        #expect(problem("vars: {size: 1}\nstages:\n  - all: true\n    jobs: [{run: 'x {{ vars.sise }}'}]\n")
                == "4:21 `{{ vars.sise }}`: no variable `sise` (set in `vars`, with --var, or by an earlier job's `register`); did you mean `size`?")
        #expect(problem("""
        stages:
          - all: true
            jobs:
              - run: 'echo {{ vars.token }}'
              - run: cat /token
                register: token
        """) == "4:20 `{{ vars.token }}`: `token` is registered by a job that runs later (line 6, column 19)")
    }

    @Test func itemsAndMatchOutOfPlace() {
        #expect(problem("stages:\n  - all: true\n    jobs: [{run: 'x {{ item }}'}]\n")
                == "3:21 `{{ item }}`: `item` is set only in jobs with `with_items`")
        #expect(problem("stages:\n  - all: true\n    jobs: [{run: 'x {{ item.n }}', with_items: [{n: 1}, {m: 2}]}]\n")
                == "3:21 `{{ item.n }}`: not every item has `n`")
        #expect(problem("stages:\n  - on: 'web-(\\d)'\n    jobs: [{run: 'x {{ match.2 }}'}]\n")
                == "3:21 `{{ match.2 }}`: the `on:` pattern has 1 capture group")
        #expect(problem("stages:\n  - all: true\n    jobs: [{run: 'x {{ match.1 }}'}]\n")
                == "3:21 `{{ match.1 }}`: `match` holds the captures of the stage's `on:` pattern; this stage has none")
    }

    @Test func unknownReferenceRootAndShape() {
        #expect(problem("stages:\n  - all: true\n    jobs: [{run: 'x {{ gust.name }}'}]\n")
                .hasPrefix("3:21 `{{ gust.name }}` is not a known reference"))
        #expect(problem("stages:\n  - all: true\n    jobs: [{run: 'x {{ guest.adress }}'}]\n")
                .hasPrefix("3:21 `{{ guest.adress }}`: a guest has `name`, `host`, `management`"))
        #expect(problem("stages:\n  - all: true\n    jobs: [{run: 'x {{ guest. name }}'}]\n")
                == "3:21 `{{ guest. name }}` is not a reference like `vars.name` or `guests.web-0.ip.lan`")
    }

    @Test func unclosedTemplate() {
        #expect(problem("stages:\n  - all: true\n    jobs: [{run: 'x {{ vars.a'}]\n") == "3:21 `{{` is not closed with `}}`")
    }

    @Test func badValues() {
        #expect(problem("stages:\n  - all: true\n    jobs: [{sleep: 5 minutes}]\n")
                == "3:20 expected a duration like 30s, 500ms, 2m or 1h, got a string (\"5 minutes\")")
        #expect(problem("stages:\n  - all: true\n    mode: parallel\n    jobs: [{run: x}]\n")
                == "3:11 `parallel` is not one of `concurrent`, `sequential`")
        #expect(problem("stages:\n  - all: true\n    max_fail_percent: 150\n    jobs: [{run: x}]\n")
                == "3:23 expected a percentage from 0 to 100, got an integer (\"150\")")
        #expect(problem("stages:\n  - all: true\n    jobs: [{wait: {port: 70000}}]\n")
                == "3:26 expected a port number from 1 to 65535, got an integer (\"70000\")")
    }

    @Test func testbedOperationsAndGuestJobsInTheWrongStage() {
        #expect(problem("stages:\n  - all: true\n    jobs: [{snapshot: clean}]\n")
                .hasPrefix("3:12 `snapshot` works on the whole testbed: put it in a stage of its own"))
        #expect(problem("stages:\n  - name: x\n    jobs: [{run: hostname}]\n")
                .hasPrefix("3:12 a `run` job needs targets: give the stage `on: REGEX`"))
    }

    @Test func twoSelectors() {
        #expect(problem("stages:\n  - all: true\n    service: web\n    jobs: [{run: x}]\n")
                == "3:5 a stage selects its targets one way: `all` and `service` are both given")
    }

    @Test func duplicateNames() {
        #expect(problem("stages:\n  - {name: a, all: true, jobs: [{run: x}]}\n  - {name: a, all: true, jobs: [{run: y}]}\n")
                == "3:5 a stage named `a` is already defined at line 2, column 5")
        #expect(problem("stages:\n  - all: true\n    jobs: [{name: j, run: x}, {name: j, run: y}]\n")
                == "3:31 a job named `j` is already in this stage (line 3, column 12)")
    }

    @Test func waitForTheLogOfAJobThatIsNotInTheBackground() {
        #expect(problem("""
        stages:
          - all: true
            jobs:
              - {name: server, run: httpd -f}
              - wait: {log: ready, job: server}
        """) == "5:33 no background job `server` runs before this wait (a `run` job with `background: true` and `name: server`)")
    }

    @Test func metricExpressions() {
        #expect(problem("stages:\n  - all: true\n    jobs: [{run: x, metrics: {rps: 'rps [0-9]+'}}]\n")
                == "3:36 the expression needs a capture group for the value, like 'rps: ([0-9.]+)'")
        #expect(problem("stages:\n  - all: true\n    jobs: [{run: x, metrics: {rps: '(['}}]\n") == "3:36 `([` is not a valid regular expression")
        #expect(problem("stages:\n  - all: true\n    jobs: [{run: x, metrics: {'r ps': '(x)'}}]\n")
                .hasPrefix("3:31 a metric name is letters, digits and `_`"))
    }

    @Test func copySourceAndDestination() {
        #expect(problem("stages:\n  - all: true\n    jobs: [{copy: {src: bin/sever, dest: /x}}]\n") == "3:25 no file or folder /s/bin/sever")
        #expect(problem("stages:\n  - all: true\n    jobs: [{copy: {src: bin/server, dest: tmp/x}}]\n")
                == "3:43 `dest` must be an absolute path on the target, got `tmp/x`")
    }

    @Test func scaleOfAnUnknownServiceAndStagesAfterAScale() {
        #expect(problem("stages:\n  - jobs: [{scale: {service: wbe, replicas: 2}}]\n")
                == "2:30 no service `wbe` in testbed lab; did you mean `web`? (services: web)")
        // After scaling web to 1, web-2 no longer exists for later stages.
        #expect(problem("""
        stages:
          - jobs: [{scale: {service: web, replicas: 1}}]
          - guests: [web-2]
            jobs: [{run: x}]
        """).hasPrefix("3:14 no guest `web-2` in testbed lab"))
    }

    /// Every problem at once, in file order, whatever the order they were found in.
    @Test func everyProblemAtOnceInFileOrder() {
        let all = problems("""
        vars: {n: 3}
        stages:
          - on: 'web-(\\d+'
            jobs: [{run: 'x {{ vars.m }}'}]
          - guests: [nope]
            mode: fast
            jobs:
              - run: 'ping {{ guests.db.ip.dmz }}'
              - sleep: forever
        """)
        #expect(all.map { String($0.prefix(5)) } == ["3:9 `", "4:21 ", "5:14 ", "6:11 ", "8:20 ", "9:16 "], "\(all)")
    }
}

/// A stage that selects a guest tbctl cannot log in to (`seed: none` without `login:`) is
/// refused before anything runs, at its selector (issue 16).
@Suite struct LoginlessGuestTests {
    @Test func stagesSelectingLoginlessGuestsAreRefused() {
        var facts = testbed
        facts.loginless = ["db"]
        #expect(problem("""
        stages:
          - name: probe
            guests: [client, db]
            jobs: [{run: x}]
        """, facts: facts) == "3:14 stage `probe` selects guest db that tbctl cannot log in to (`seed: none` without `login:` in the compose file): give it a `login:` or select other guests")
        #expect(problem("""
        stages:
          - name: all
            all: true
            jobs: [{run: x}]
        """, facts: facts).hasPrefix("3:10 stage `all` selects guest db"))
        // Clones a scale job adds are predicted loginless like their service.
        facts.loginlessServices = ["web"]
        #expect(problem("""
        stages:
          - {name: grow, jobs: [{scale: {service: web, replicas: 4}}]}
          - name: use
            on: 'web-3'
            jobs: [{run: x}]
        """, facts: facts).contains("selects guest web-3 that tbctl cannot log in to"))
    }
}
