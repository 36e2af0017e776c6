import Testing
@testable import Compose

@Suite struct NameTests {
    @Test func invalidNamesEverywhere() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        #expect(f.errors("""
        project: 1lab
        user: Root
        hosts:
          Main: {}
        images:
          demo_img: ./demo.qcow2
        networks:
          lan-network-with-a-name-far-too-long: {subnet: 10.0.0.0/24}
        guests:
          Web_1: {image: demo_img}
          db-: {image: demo_img}
        """) == [
            "1:10 project: invalid project name `1lab`: use 1-20 characters: lowercase letters, digits and '-', starting with a letter",
            "2:7 user: invalid user name `Root`: use 1-32 characters: lowercase letters, digits, '_' and '-', starting with a letter or '_'",
            "4:3 hosts.Main: invalid host name `Main`: use 1-32 characters: lowercase letters, digits and '-', starting with a letter",
            "6:3 images.demo_img: invalid image name `demo_img`: use 1-32 characters: lowercase letters, digits and '-', starting with a letter",
            "8:3 networks.lan-network-with-a-name-far-too-long: invalid network name `lan-network-with-a-name-far-too-long`: use 1-32 characters: lowercase letters, digits and '-', starting with a letter",
            "10:3 guests.Web_1: invalid guest name `Web_1`: a guest name is a hostname: 1-63 characters, lowercase letters, digits and '-', starting with a letter and not ending with '-'",
            "11:3 guests.db-: invalid guest name `db-`: a guest name is a hostname: 1-63 characters, lowercase letters, digits and '-', starting with a letter and not ending with '-'",
        ])
    }

    @Test func cloneNamesMustFitInAHostname() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        let long = String(repeating: "s", count: 61)
        let fits = String(repeating: "f", count: 61)
        #expect(f.errors(minimalImage + """
        guests:
          \(long): {image: demo, replicas: 11}
          \(fits): {image: demo, replicas: 10}
        """) == [
            "4:3 guests.\(long): service name `\(long)` is too long: its clone name `\(long)-10` has 64 characters (at most 63)",
        ])
    }

    @Test func singleGuestMayNotTakeACloneName() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        #expect(f.errors(minimalImage + """
        guests:
          web-0: {image: demo}
          web: {image: demo, replicas: 2}
          web-7: {image: demo}
          web-x: {image: demo}
          web-1-0: {image: demo}
        """) == [
            "4:3 guests.web-0: guest name `web-0` is reserved for the clones of service `web`",
            "6:3 guests.web-7: guest name `web-7` is reserved for the clones of service `web`",
        ])
    }
}
