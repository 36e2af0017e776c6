import Core

/// Builds the node tree from libyaml's events. Kept apart from the C calls so that the rules
/// (anchors, the alias budget, one document, a mapping root) read as plain Swift.
struct TreeBuilder {
    private enum Frame {
        case sequence(mark: Mark, anchor: String?, start: Int, items: [Node])
        case mapping(mark: Mark, anchor: String?, start: Int, items: [Node])
    }

    let budget: Int
    private var stack: [Frame] = []
    private var anchors: [String: (node: Node, size: Int)] = [:]
    /// Nodes produced so far, counting every node an alias expands to: the alias-bomb guard.
    private var produced = 0
    private(set) var documents = 0
    private(set) var root: Node?
    private(set) var issues: [YAMLError.Issue] = []

    init(budget: Int) { self.budget = budget }

    mutating func documentStart(at mark: Mark) throws {
        documents += 1
        if documents > 1 {
            throw YAMLError(mark, "only one YAML document is allowed here; found a second one (`---`)")
        }
    }

    mutating func scalar(_ s: Scalar, anchor: String?, at mark: Mark) throws {
        if let problem = CoreTag.problem(scalar: s) { issues.append(.init(mark: mark, message: problem)) }
        try count(1, at: mark)
        finish(Node(.scalar(s), mark: mark), anchor: anchor, size: 1)
    }

    mutating func alias(_ name: String, at mark: Mark) throws {
        guard let target = anchors[name] else {
            throw YAMLError(mark, "alias `*\(name)` refers to no anchor `&\(name)` defined before it")
        }
        try count(target.size, at: mark)
        finish(target.node, anchor: nil, size: target.size)
    }

    mutating func sequenceStart(tag: String?, anchor: String?, at mark: Mark) throws {
        if let problem = CoreTag.problem(collectionTag: tag, expected: CoreTag.seq) {
            issues.append(.init(mark: mark, message: problem))
        }
        try count(1, at: mark)
        stack.append(.sequence(mark: mark, anchor: anchor, start: produced - 1, items: []))
    }

    mutating func mappingStart(tag: String?, anchor: String?, at mark: Mark) throws {
        if let problem = CoreTag.problem(collectionTag: tag, expected: CoreTag.map) {
            issues.append(.init(mark: mark, message: problem))
        }
        try count(1, at: mark)
        stack.append(.mapping(mark: mark, anchor: anchor, start: produced - 1, items: []))
    }

    mutating func sequenceEnd() {
        guard case .sequence(let mark, let anchor, let start, let items)? = stack.popLast() else { return }
        finish(Node(.sequence(items), mark: mark), anchor: anchor, size: produced - start)
    }

    /// Keys and values arrive alternately; merge keys and duplicates are resolved here, once
    /// the whole mapping is known (explicit keys win wherever they stand).
    mutating func mappingEnd() {
        guard case .mapping(let mark, let anchor, let start, let items)? = stack.popLast() else { return }
        var pairs: [Pair] = []
        for i in stride(from: 0, to: items.count - 1, by: 2) { pairs.append(Pair(key: items[i], value: items[i + 1])) }
        let merged = Merge.apply(pairs)
        issues += merged.issues
        finish(Node(.mapping(merged.pairs), mark: mark), anchor: anchor, size: produced - start)
    }

    private mutating func count(_ n: Int, at mark: Mark) throws {
        produced += n
        if produced > budget {
            throw YAMLError(mark, "the document expands to more than \(budget) nodes (aliases nested too deep?)")
        }
    }

    /// Attaches a completed node to its parent (or makes it the root) and records its anchor.
    /// An anchor is recorded only once its node is complete, so a node cannot contain itself.
    private mutating func finish(_ node: Node, anchor: String?, size: Int) {
        if let anchor { anchors[anchor] = (node, size) }
        switch stack.popLast() {
        case nil: root = node
        case .sequence(let m, let a, let s, var items)?:
            items.append(node)
            stack.append(.sequence(mark: m, anchor: a, start: s, items: items))
        case .mapping(let m, let a, let s, var items)?:
            items.append(node)
            stack.append(.mapping(mark: m, anchor: a, start: s, items: items))
        }
    }
}
