/// "1 guest", "2 guests": counts in messages read as people write them.
public func plural(_ n: Int, _ noun: String) -> String { "\(n) \(pluralNoun(n, noun))" }

/// The noun alone, as the count wants it: "guest" for 1, "guests" otherwise.
public func pluralNoun(_ n: Int, _ noun: String) -> String { n == 1 ? noun : noun + "s" }
