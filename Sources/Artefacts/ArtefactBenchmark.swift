import Core
import TestbedState

/// Times the artefacts of a state: rendering alone (CPU), a first write into an empty folder
/// (everything written) and a second write (nothing changed, everything compared). Separating
/// rendering from writing matters on a shared machine, where file creation time varies a lot.
/// Used by the tests; reusable from a benchmark command.
public enum ArtefactBenchmark {
    public struct Report: Sendable, CustomStringConvertible {
        public var guests: Int
        public var renderOnly: Duration
        public var firstRun: Duration
        public var secondRun: Duration
        public var first: ArtefactWriter.Summary
        public var second: ArtefactWriter.Summary
        public var bytesPerGuest: Int

        public var description: String {
            "artefacts for \(guests) guests (\(bytesPerGuest / 1024) KiB each): render only \(Self.seconds(renderOnly)) s, "
                + "first write \(Self.seconds(firstRun)) s (\(first.filesWritten) files written), "
                + "second write \(Self.seconds(secondRun)) s (\(second.filesWritten) written, \(second.filesUnchanged) unchanged)"
        }

        static func seconds(_ d: Duration) -> String {
            let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
            return "\(ms / 1000).\(String(1000 + ms % 1000).dropFirst())"
        }
    }

    public static func run(state: TestbedState, projectSecret: [UInt8], dir: String,
                           loadUserData: ArtefactWriter.CloudConfigLoader? = nil) throws -> Report {
        let clock = ContinuousClock()
        let bytes = Locked(0)
        let render = try clock.measure {
            let results = try ArtefactWriter.renderEach(state: state, projectSecret: projectSecret,
                                                        loadUserData: loadUserData) { _, artefacts in
                let size = artefacts.files.reduce(0) { $0 + $1.bytes.count }
                bytes.withLock { $0 += size }
                return 0
            }
            for case .failure(let e) in results { throw e }
        }
        var first: ArtefactWriter.Summary?
        var second: ArtefactWriter.Summary?
        let t1 = try clock.measure {
            first = try ArtefactWriter.write(state: state, projectSecret: projectSecret, to: dir, loadUserData: loadUserData)
        }
        let t2 = try clock.measure {
            second = try ArtefactWriter.write(state: state, projectSecret: projectSecret, to: dir, loadUserData: loadUserData)
        }
        return Report(guests: state.guests.count, renderOnly: render, firstRun: t1, secondRun: t2,
                      first: first!, second: second!, bytesPerGuest: bytes.current / max(1, state.guests.count))
    }
}
