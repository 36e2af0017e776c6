/// An error as `--format json` prints it on stderr (docs/cli.md, "Errors"): stable keys, absent
/// rather than null when there is nothing to say.
extension TBError: Encodable {
    enum Keys: String, CodingKey { case code, exitStatus, message, object, cause, underlying, problems }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(code, forKey: .code)
        try c.encode(exitStatus.rawValue, forKey: .exitStatus)
        try c.encode(message, forKey: .message)
        try c.encodeIfPresent(object, forKey: .object)
        try c.encodeIfPresent(cause, forKey: .cause)
        try c.encodeIfPresent(underlyingTBError, forKey: .underlying)
        if !problems.isEmpty { try c.encode(problems, forKey: .problems) }
    }
}
