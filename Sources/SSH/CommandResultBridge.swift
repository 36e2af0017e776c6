import Core

extension CommandResult {
    /// Core's CommandResult has no public initializer (its memberwise one is internal to
    /// Core), so results are made by copying a value Core built and setting its public
    /// fields; that value comes from running /bin/true once per process.
    /// Core change requested: `public init(status:stdout:stderr:)`; then use it here.
    static func make(status: Int32, stdout: String, stderr: String) async throws -> CommandResult {
        var result = try await template()
        result.status = status
        result.stdout = stdout
        result.stderr = stderr
        return result
    }

    private static let cached = Locked<CommandResult?>(nil)

    private static func template() async throws -> CommandResult {
        if let value = cached.current { return value }
        let value = try await Subprocess.run(["/bin/true"])
        cached.withLock { $0 = value }
        return value
    }
}
