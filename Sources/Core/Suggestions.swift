/// "did you mean" for unknown keys, values and names (compose errors, guest names on the command line).
public enum Suggestions {
    /// A case-insensitive match first, else the nearest candidate within edit distance 2
    /// (transpositions count as one edit: `imgae` -> `image`). Ties go to the earlier candidate.
    public static func closest(to word: String, among candidates: [String]) -> String? {
        if let same = candidates.first(where: { $0.lowercased() == word.lowercased() }) { return same }
        var best: (name: String, distance: Int)?
        for c in candidates {
            let d = distance(word, c)
            // A word of two letters is within 2 of every other: require something in common.
            guard d <= 2, d < word.count, d < c.count else { continue }
            if d < best?.distance ?? Int.max { best = (c, d) }
        }
        return best?.name
    }

    /// "; did you mean `x`?" or "".
    public static func hint(for word: String, among candidates: [String]) -> String {
        closest(to: word, among: candidates).map { "; did you mean `\($0)`?" } ?? ""
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
