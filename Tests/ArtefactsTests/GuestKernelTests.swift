@testable import Artefacts
import Core
import Foundation
import Testing

/// Mounts a seed with the Debian guest kernel's isofs driver, on the IDE cdrom the domain XML
/// gives guests, in a throwaway TCG VM (kernel + busybox initramfs, no disk). The development
/// machines' own kernel has no isofs, so a loop mount cannot check this. Slow (a VM boot):
/// runs only with TBCTL_KERNEL_TESTS=1.
@Suite struct GuestKernelTests {
    static let kernel: String? = {
        let boot = (try? FileManager.default.contentsOfDirectory(atPath: "/boot")) ?? []
        return boot.filter { $0.hasPrefix("vmlinuz-") }.sorted().last.map { "/boot/" + $0 }
    }()
    static let enabled = ProcessInfo.processInfo.environment["TBCTL_KERNEL_TESTS"] == "1" && kernel != nil
        && Fixture.tool("qemu-system-x86_64") && Fixture.tool("busybox") && Fixture.tool("cpio")

    static let modules = ["scsi_common", "scsi_mod", "libata", "ata_piix", "cdrom", "sr_mod", "isofs", "nls_utf8"]

    @Test(.enabled(if: enabled)) func guestKernelMountsTheSeedFromTheIDECdrom() async throws {
        let dir = Fixture.tempDir("kernel")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = ISO9660Tests.seedFiles
        try Data(try ISO9660.image(volumeID: "cidata", files: files)).write(to: URL(fileURLWithPath: dir + "/seed.iso"))
        try await buildInitramfs(in: dir)

        let out = try await Fixture.run([
            "timeout", "300", "qemu-system-x86_64", "-machine", "pc", "-accel", "tcg", "-m", "256", "-nographic",
            "-no-reboot", "-nic", "none", "-kernel", Self.kernel!, "-initrd", dir + "/initrd.cpio",
            "-append", "console=ttyS0 quiet panic=-1",
            "-drive", "file=\(dir)/seed.iso,media=cdrom,if=ide,index=2,format=raw,readonly=on",
        ])
        let lines = out.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains("MOUNTED"), "\(out)")
        #expect(lines.contains("FINDFS /dev/sr0"), "\(out)")
        #expect(lines.contains("LABEL cidata"), "\(out)")
        #expect(lines.filter { $0.hasPrefix("FILE ") } == ["FILE meta-data", "FILE network-config", "FILE user-data"])
        for f in files {
            #expect(lines.contains("SUM \(Digest.sha256Hex(f.contents))  /mnt/\(f.name)"), "\(f.name)")
        }
    }

    private func buildInitramfs(in dir: String) async throws {
        let root = dir + "/root"
        let release = String(Self.kernel!.dropFirst("/boot/vmlinuz-".count))
        for sub in ["bin", "proc", "sys", "dev", "mnt", "mods"] {
            try FileManager.default.createDirectory(atPath: root + "/" + sub, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: Subprocess.resolve("busybox"), toPath: root + "/bin/busybox")
        let dep = try String(contentsOfFile: "/lib/modules/\(release)/modules.dep", encoding: .utf8)
        for module in Self.modules {
            let line = try #require(dep.split(separator: "\n").first { $0.hasPrefix("kernel/") && $0.contains("/\(module).ko:") })
            let path = String(line.split(separator: ":")[0])
            try FileManager.default.copyItem(atPath: "/lib/modules/\(release)/\(path)", toPath: "\(root)/mods/\(module).ko")
        }
        let initScript = """
            #!/bin/busybox sh
            /bin/busybox --install -s /bin
            mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
            for m in \(Self.modules.joined(separator: " ")); do insmod /mods/$m.ko; done
            for i in 1 2 3 4 5 6 7 8 9 10; do [ -b /dev/sr0 ] && break; sleep 0.5; done
            echo
            mount -t iso9660 -o ro /dev/sr0 /mnt && echo MOUNTED
            # How the demo image's init finds its seed: by label, else the label's bytes.
            echo "FINDFS $(findfs LABEL=cidata)"
            echo "LABEL $(dd if=/dev/sr0 bs=1 skip=32808 count=32 2>/dev/null | tr -d ' \\000')"
            ls /mnt | sed 's/^/FILE /'
            sha256sum /mnt/* | sed 's/^/SUM /'
            poweroff -f

            """
        try initScript.write(toFile: root + "/init", atomically: false, encoding: .utf8)
        chmod(root + "/init", 0o755)
        try await Fixture.run(["sh", "-c", "cd \"$1\" && find . | cpio -o -H newc --quiet > \"$2\"", "sh", root, dir + "/initrd.cpio"])
    }
}
