import ComposeModel
import Foundation
import Testing
@testable import Compose

@Suite struct FileTests {
    @Test func missingFilesNameTheResolvedPath() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        try f.folder("adir")
        #expect(f.errors("""
        images:
          demo: ./demo.qcow2
          gone: {source: images/gone.qcow2}
          dir: adir
        guests:
          web:
            image: demo
            setup: scripts/../setup.sh
            files: {site: /srv/site, ./demo.qcow2: relative/path}
            user_data: extra.yaml
            replicas: 1
            golden: {setup: golden.sh}
        """) == [
            "3:18 images.gone.source: image file not found: \(f.dir)/images/gone.qcow2",
            "4:8 images.dir: image file is a folder, expected a file: \(f.dir)/adir",
            "8:12 guests.web.setup: setup script not found: \(f.dir)/setup.sh",
            "9:13 guests.web.files.site: file to copy not found: \(f.dir)/site",
            "9:44 guests.web.files[\"./demo.qcow2\"]: guest path `relative/path` must be absolute (start with /)",
            "10:16 guests.web.user_data: user_data file not found: \(f.dir)/extra.yaml",
            "12:21 guests.web.golden.setup: golden setup script not found: \(f.dir)/golden.sh",
        ])
    }

    @Test func foldersMayBeCopied() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        try f.write("site/a/index.html")
        let c = try f.load(minimalImage + "guests:\n  web: {image: demo, files: {site/a: /srv/www}}\n")
        #expect(c.guests[0].files == [FileSpec(source: f.dir + "/site/a", destination: "/srv/www")])
    }

    @Test func userDataErrorsAreLocatedInTheirOwnFile() throws {
        let f = try Fixture()
        try f.write("demo.qcow2")
        try f.write("cloud/bad.yaml", "#cloud-config\npackages:\n  - curl\n  bad: [\n")
        try f.write("cloud/list.yaml", "- a\n- b\n")
        try f.write("cloud/dup.yaml", "runcmd: []\nruncmd: [x]\n")
        #expect(f.errors(minimalImage + """
        guests:
          a: {image: demo, user_data: cloud/bad.yaml}
          b: {image: demo, user_data: cloud/list.yaml}
          c: {image: demo, user_data: cloud/dup.yaml}
          d: {image: demo, user_data: cloud}
        """) == [
            "7:31 guests.d.user_data: user_data file is a folder, expected a file: \(f.dir)/cloud",
            "cloud/bad.yaml:4:3 guests.a.user_data: did not find expected '-' indicator (while parsing a block collection at line 3, column 3)",
            "cloud/dup.yaml:2:1 guests.c.user_data: duplicate key `runcmd` (first defined at line 1, column 1)",
            "cloud/list.yaml:1:1 guests.b.user_data: the document must be a mapping (key: value), not a list",
        ])
    }

    @Test func identityFilesMustExist() throws {
        let f = try Fixture()
        try f.write(f.home + "/.ssh/other")
        try FileManager.default.removeItem(atPath: f.home + "/.ssh/id_ed25519")
        #expect(f.errors("""
        hosts:
          main: {tunnel_ip: 10.77.0.1}
          a: {ssh: root@10.77.0.2, identity: ~/.ssh/other}
          b: {ssh: root@10.77.0.3, identity: keys/b}
          c: {ssh: root@10.77.0.4}
        """) == [
            "4:38 hosts.b.identity: identity file not found: \(f.dir)/keys/b",
            "5:12 hosts.c.identity: identity file (default, set `identity:` to use another) not found: \(f.home)/.ssh/id_ed25519",
        ])
    }
}
