/// "1 guest", "2 guests": counts in messages read as people write them.
public func plural(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
