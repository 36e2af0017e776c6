import Core

/// Problems found while reading a YAML file. Parse errors stop libyaml, so there is one of
/// them at most; problems found while building the tree (duplicate keys, bad merges) are
/// collected so that a user sees them all at once.
public struct YAMLError: Error, Sendable, CustomStringConvertible {
    public struct Issue: Sendable, Equatable, CustomStringConvertible {
        /// nil only when the file could not be read at all.
        public var mark: Mark?
        public var message: String
        public init(mark: Mark?, message: String) { self.mark = mark; self.message = message }
        public var description: String { "\(mark.map { "\($0): " } ?? "")\(message)" }
    }

    public var issues: [Issue]
    public init(_ issues: [Issue]) { self.issues = issues }
    public init(_ mark: Mark?, _ message: String) { self.issues = [Issue(mark: mark, message: message)] }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
