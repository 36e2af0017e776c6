import ComposeModel
import Testing
@testable import Compose

/// Guests whose image has no cloud-init (issue 16): `seed: none`, `login:`, `wait:` and
/// `disk: {copy: full}`, and the errors that name the guest and the key.
@Suite struct ApplianceTests {
    @Test func applianceKeysAreRead() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        let key = try f.write("keys/admin", "private key\n")
        try f.write("router.sh")
        let c = try f.load(minimalImage + """
        guests:
          router:
            image: demo
            seed: none
            login: {user: admin, key: keys/admin}
            wait: port 2222
            setup: router.sh
            disk: {size: 1GiB, copy: full}
          box:
            image: demo
            seed: none
          web:
            image: demo
        """)
        let router = try #require(c.guests.first { $0.name == "router" })
        #expect(!router.seed && router.login == LoginSpec(user: "admin", keyFile: key, passwordFile: nil))
        #expect(router.wait == .port(2222) && router.effectiveWait == .port(2222))
        #expect(router.fullCopy && router.diskBytes == 1 << 30)
        let box = try #require(c.guests.first { $0.name == "box" })
        #expect(!box.seed && box.login == nil && box.effectiveWait == WaitSpec.none && !box.fullCopy)
        let web = try #require(c.guests.first { $0.name == "web" })
        #expect(web.seed && web.effectiveWait == .ssh && !web.fullCopy)
    }

    @Test func whatNeedsALoginIsLocated() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        try f.write("s.sh")
        try f.write("ud.yaml", "a: 1\n")
        #expect(f.errors(minimalImage + """
        guests:
          box:
            image: demo
            seed: none
            setup: s.sh
            files: {./s.sh: /tmp/s.sh}
            wait: ssh
            user_data: ud.yaml
        """) == [
            "7:5 guests.box.setup: `setup` needs a login: guest `box` has `seed: none` and no `login:`, so tbctl cannot log in to it",
            "8:5 guests.box.files: `files` needs a login: guest `box` has `seed: none` and no `login:`, so tbctl cannot log in to it",
            "9:5 guests.box.wait: `wait: ssh` needs a login: guest `box` has `seed: none` and no `login:`, so tbctl cannot log in to it",
            "10:5 guests.box.user_data: `user_data` needs cloud-init, and guest `box` has `seed: none`",
        ])
    }

    @Test func loginMistakes() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        try f.write("pw")
        #expect(f.errors(minimalImage + """
        guests:
          a:
            image: demo
            seed: none
            login: {user: admin, key: keys/missing}
          b:
            image: demo
            seed: none
            login: {user: admin}
          c:
            image: demo
            seed: none
            login: {user: admin, key: pw, password_file: pw}
          d:
            image: demo
            login: {user: admin, password_file: pw}
          e:
            image: demo
            seed: nocloud
            wait: port 70000
            disk: {copy: deep}
        """).map { $0.replacingOccurrences(of: f.dir, with: "DIR") } == [
            "7:31 guests.a.login.key: login key file not found: DIR/keys/missing",
            "11:5 guests.b.login: a login needs `key:` (a private key file) or `password_file:`",
            "15:35 guests.c.login.password_file: give either `key:` or `password_file:`, not both",
            "18:5 guests.d.login: `login` is for images without cloud-init (`seed: none`); guest `d` gets the project key from its seed",
            "21:11 guests.e.seed: `nocloud` is not one of `cloud-init`, `none`",
            "22:11 guests.e.wait: `port 70000`: the port must be a number from 1 to 65535",
            "23:18 guests.e.disk.copy: `deep` is not one of `linked`, `full`",
        ])
    }
}
