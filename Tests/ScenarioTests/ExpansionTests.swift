import Core
import Testing
import YAML
@testable import Scenario

@Suite struct SelectionTests {
    @Test func fullMatchRegexWithCaptures() throws {
        let p = try plan("stages:\n  - on: 'web-(\\d+)'\n    jobs: [{run: x}]\n")
        let targets = p.stages[0].targets
        #expect(targets.map(\.name) == ["web-0", "web-1", "web-2"])
        #expect(targets[1].captures == ["0": "web-1", "1": "1"])
        // The whole name must match: `db|client` selects both, never a part of a name.
        #expect(try plan("stages:\n  - on: 'db|client'\n    jobs: [{run: x}]\n").stages[0].targets.map(\.name) == ["client", "db"])
        let named = try plan("stages:\n  - on: '(?<svc>[a-z]+)-(?<n>[0-9])'\n    jobs: [{run: x}]\n").stages[0].targets
        #expect(named[2].captures["svc"] == "web" && named[2].captures["n"] == "2")
    }

    @Test func serviceListAllAndHosts() throws {
        #expect(try plan("stages:\n  - service: web\n    jobs: [{run: x}]\n").stages[0].targets.map(\.name) == ["web-0", "web-1", "web-2"])
        #expect(try plan("stages:\n  - guests: [db, client, db]\n    jobs: [{run: x}]\n").stages[0].targets.map(\.name) == ["db", "client"])
        #expect(try plan("stages:\n  - all: true\n    jobs: [{run: x}]\n").stages[0].targets.count == 5)
        let hosts = try plan("stages:\n  - hosts: all\n    jobs: [{run: x}]\n").stages[0].targets
        #expect(hosts == [.host("main"), .host("rack2")])
        #expect(try plan("stages:\n  - hosts: rack2\n    jobs: [{run: x}]\n").stages[0].targets == [.host("rack2")])
    }

    @Test func stagesAfterAScaleSeeThePredictedClones() throws {
        let p = try plan("""
        stages:
          - jobs: [{scale: {service: web, replicas: 5, batch: 2, interval: 10s}}]
          - service: web
            jobs: [{run: 'echo {{ guests.web-4.ip.dmz }}'}]
        """)
        #expect(p.stages[1].targets.map(\.name) == ["web-0", "web-1", "web-2", "web-3", "web-4"])
        guard case .testbed(.scale(let s)) = p.stages[0].stage.jobs[0].action else { Issue.record("no scale"); return }
        #expect(s.batch == 2 && s.interval == .seconds(10) && s.replicas == 5)
    }

    @Test func reselectAfterTheRealScale() throws {
        let p = try plan("stages:\n  - jobs: [{scale: {service: web, replicas: 1}}]\n  - service: web\n    jobs: [{run: x}]\n")
        #expect(p.stages[1].targets.map(\.name) == ["web-0"])
        let again = try Expansion.reselect(p, from: 1, facts: testbed.scaled("web", to: 1))
        #expect(again.stages[1].targets.map(\.name) == ["web-0"])
    }
}

@Suite struct TemplateTests {
    func ctx(_ vars: [String: String] = [:], item: RenderedItem? = nil, target: Target? = nil) -> RenderContext {
        RenderContext(vars: vars, item: item, target: target, facts: testbed, runID: "7", stage: "load")
    }

    func template(_ text: String) throws -> Template {
        let p = Problems()
        let t = Template.parse(text, scalar: Scalar(text), at: Mark(file: "s.yaml", line: 1, column: 1), path: .root, problems: p)
        try #require(p.isEmpty, "\(p.all)")
        return try #require(t)
    }

    @Test func varsItemsCapturesAndFacts() throws {
        let web1 = Target(kind: .guest, name: "web-1", captures: ["0": "web-1", "1": "1"])
        let t = try template("id={{ match.1 }} me={{guest.name}} on {{ guest.host }} lan={{ guest.ip.lan }} db={{ guests.db.ip.lan }} mgmt={{ guests.db.management }} n={{ vars.n }} i={{ item }} run={{ run.id }}/{{ stage.name }}")
        #expect(try Render.render(t, ctx(["n": "1000"], item: .value("a"), target: web1))
                == "id=1 me=web-1 on rack2 lan=10.1.0.5 db=10.1.0.3 mgmt=10.100.0.3 n=1000 i=a run=7/load")
        #expect(try Render.render(try template("{{ item.size }}x{{ item.n }}"), ctx(item: .fields(["size": "64", "n": "3"]))) == "64x3")
        #expect(try Render.render(try template("{{ guest.service }}:{{ guest.index }}"), ctx(target: .guest("db"))) == ":")
        #expect(try Render.render(try template("{{ host.name }}"), ctx(target: .host("rack2"))) == "rack2")
    }

    @Test func aVarNotYetRegisteredFailsTheJobNotTheRun() throws {
        let t = try template("{{ vars.last }}")
        #expect(throws: (any Error).self) { try Render.render(t, ctx()) }
        #expect(Render.lenient(try template("n={{ vars.last }}"), ctx()) == "n=<vars.last>")
    }

    @Test func textWithoutReferencesAndBracesAlone() throws {
        #expect(try template("echo '}}' { x }").literalText == "echo '}}' { x }")
        #expect(try template("a {{x}} b").references.map(\.text) == ["x"])
    }

    @Test func referenceColumnsInPlainAndQuotedScalars() throws {
        let s = try load("stages:\n  - all: true\n    jobs:\n      - run: echo {{ vars.a }} {{ vars.b }}\n      - run: \"x {{ vars.c }}\"\nvars: {a: 1, b: 2, c: 3}\n")
        guard case .run(let c1, _) = s.stages[0].jobs[0].action, case .run(let c2, _) = s.stages[0].jobs[1].action else { return }
        #expect(c1.references.map(\.mark.column) == [19, 32])
        #expect(c2.references.map(\.mark.column) == [17])
    }
}

@Suite struct ScenarioShapeTests {
    @Test func everyJobKindAndOption() throws {
        let s = try load("""
        description: load test
        vars: {requests: 1000}
        stages:
          - name: servers
            on: 'web-(\\d+)'
            mode: sequential
            max_fail: 1
            max_fail_percent: 50%
            jobs:
              - copy: {src: bin/server, dest: /usr/local/bin/server, mode: '0755'}
              - {name: server, run: 'server --id {{ match.1 }}', background: true, metrics: {rps: 'rps=([0-9.]+)'}}
              - wait: {port: 8080, timeout: 30s}
              - wait: {log: listening, job: server, timeout: 1m}
              - wait: {command: 'test -e /tmp/ready', interval: 500ms}
              - {run: cat /etc/hostname, register: me, ignore_errors: true, timeout: 5s}
              - {run: 'echo {{ item }}', with_items: [1, two], concurrent: true}
              - sleep: 2
          - name: ops
            jobs:
              - snapshot: before
              - restore: before
              - scale: {service: web, replicas: 4, batch: 1, interval: 5s}
        """)
        let st = s.stages[0]
        #expect(st.mode == .sequential && st.maxFail == 1 && st.maxFailPercent == 50)
        #expect(st.jobs.map(\.name) == ["copy-1", "server", "wait-3", "wait-4", "wait-5", "run-6", "run-7", "sleep-8"])
        #expect(st.jobs[1].action.isBackground && st.jobs[1].metrics.map(\.name) == ["rps"])
        #expect(st.jobs[5].register?.value == "me" && st.jobs[5].ignoreErrors && st.jobs[5].timeout == .seconds(5))
        #expect(st.jobs[6].items?.count == 2 && st.jobs[6].itemsConcurrent)
        if case .copy(_, _, let mode) = st.jobs[0].action { #expect(mode == 0o755) } else { Issue.record("copy") }
        if case .sleep(let d) = st.jobs[7].action { #expect(d == .seconds(2)) } else { Issue.record("sleep") }
        if case .wait(let w) = st.jobs[4].action { #expect(w.interval == .milliseconds(500) && w.timeout == .seconds(60)) }
        #expect(s.stages[1].selector == nil && s.stages[1].jobs.map(\.action.kind) == ["snapshot", "restore", "scale"])
    }

    @Test func varsFromTheCommandLineWin() throws {
        let p = try plan("vars: {n: 1}\nstages:\n  - all: true\n    jobs: [{run: 'x {{ vars.n }} {{ vars.extra }}'}]\n",
                         vars: ["n": "5", "extra": "y"])
        #expect(p.vars == ["n": "5", "extra": "y"])
    }

    @Test func registeredVarsAreKnownToLaterJobsAndStages() throws {
        _ = try plan("""
        stages:
          - guests: [db]
            jobs:
              - {run: cat /token, register: token}
              - run: 'echo {{ vars.token }}'
          - all: true
            jobs: [{run: 'use {{ vars.token }}'}]
        """)
    }

    @Test func durations() {
        #expect(Durations.parse("30s") == .seconds(30))
        #expect(Durations.parse("500ms") == .milliseconds(500))
        #expect(Durations.parse("2m") == .seconds(120))
        #expect(Durations.parse("1.5h") == .seconds(5400))
        #expect(Durations.parse("5 m") == nil && Durations.parse("m") == nil && Durations.parse("-1s") == nil)
        #expect(Durations.format(.seconds(120)) == "2m" && Durations.format(.milliseconds(1500)) == "1.5s")
    }
}

@Suite struct DryRunTests {
    @Test func showsEveryJobOnEveryTargetWithItsValues() throws {
        let p = try plan("""
        vars: {requests: 1000}
        stages:
          - name: servers
            on: 'web-(0|1)'
            jobs:
              - {name: server, run: 'httpd -f -p 8080', background: true}
          - name: load
            guests: [client]
            jobs:
              - {run: 'ab -n {{ item }} http://{{ guests.web-0.ip.lan }}/', with_items: [100, '{{ vars.requests }}'], register: last}
              - run: 'echo {{ vars.last }}'
          - name: grow
            jobs: [{scale: {service: web, replicas: 4, batch: 2}}]
          - name: after
            guests: [web-3]
            jobs: [{run: 'ping -c1 {{ guests.web-3.ip.lan }}'}]
        """)
        let text = DryRun.text(p, facts: testbed)
        #expect(text == """
        scenario s.yaml on testbed lab: 4 stages
        vars: requests=1000

        stage 1 servers: 2 guests, concurrent
          web-0 (match.1=0)
            server: run in the background: httpd -f -p 8080
          web-1 (match.1=1)
            server: run in the background: httpd -f -p 8080

        stage 2 load: 1 guest, concurrent
          client
            run-1: 2 items, one after another
              [100] run-1: run: ab -n 100 http://10.1.0.4/  [stdout -> vars.last]
              [1000] run-1: run: ab -n 1000 http://10.1.0.4/  [stdout -> vars.last]
            run-2: run: echo <vars.last>

        stage 3 grow (testbed)
          scale-1: scale web from 3 to 4, 2 at a time

        stage 4 after: 1 guest, concurrent
          web-3
            run-1: run: ping -c1 <guests.web-3.ip.lan>

        """)
    }
}
