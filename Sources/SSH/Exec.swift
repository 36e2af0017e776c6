import CLibSSH2
import Core

extension SSHSession {
    /// Runs `command` through the remote user's shell. Output is collected and, when `output`
    /// is given, also passed on chunk by chunk as it arrives (on the session's I/O thread:
    /// keep the handler short). Never throws for a non-zero exit; a command killed by a signal
    /// reports 128 + the signal number and a note on stderr. Cancelling the task closes the
    /// channel and throws CancellationError.
    public func exec(_ command: String, stdin: [UInt8]? = nil,
                     output: (@Sendable (StdStream, [UInt8]) -> Void)? = nil) async throws -> CommandResult {
        let result = try await run(command, input: stdin.map(BytesInput.init), output: output)
        return try await result.commandResult()
    }

    /// Runs `command` keeping none of its output (only `output` sees it): for commands that
    /// run long and print much, a scenario's daemons. Returns the exit status (128 + N for a
    /// signal).
    public func stream(_ command: String, output: @escaping @Sendable (StdStream, [UInt8]) -> Void) async throws -> Int32 {
        try await run(command, input: nil, output: output, keep: false).commandResult().status
    }

    func run(_ command: String, input: (any InputSource)?,
             output: (@Sendable (StdStream, [UInt8]) -> Void)?, keep: Bool = true) async throws -> ExecOutput {
        try await perform({ ExecOp(command: command, input: input, output: output, keep: keep, label: endpoint, waiter: $0) },
                          cancel: { $0.cancel() })
    }
}

/// What a remote command produced.
struct ExecOutput: Sendable {
    var status: Int32
    var stdout: [UInt8]
    var stderr: [UInt8]
    /// The signal name (e.g. "TERM") when the command was killed by one.
    var signal: String?

    func commandResult() async throws -> CommandResult {
        var stderrText = String(decoding: stderr, as: UTF8.self)
        var code = status
        if let signal {
            code = 128 + (ExecOutput.signalNumbers[signal] ?? 127)
            stderrText += (stderrText.isEmpty || stderrText.hasSuffix("\n") ? "" : "\n")
                + "[remote command killed by signal SIG\(signal)]\n"
        }
        return CommandResult(status: code, stdout: String(decoding: stdout, as: UTF8.self), stderr: stderrText)
    }

    /// RFC 4254 signal names and their (Linux) numbers.
    static let signalNumbers: [String: Int32] = [
        "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "ABRT": 6, "FPE": 8, "KILL": 9,
        "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15,
    ]
}

/// Bytes for a command's stdin, pulled by the I/O loop as fast as the channel takes them.
protocol InputSource: AnyObject {
    /// Fills the start of `buffer`; returns 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

final class BytesInput: InputSource {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let count = min(buffer.count, bytes.count - offset)
        bytes[offset..<offset + count].withUnsafeBytes { buffer.copyMemory(from: $0) }
        offset += count
        return count
    }
}

/// One exec channel: open (in turn), start the command, then feed stdin while draining stdout
/// and stderr, wait for the server to close, collect the exit status, free the channel.
final class ExecOp: LoopOperation, @unchecked Sendable {
    private enum State { case opening, starting, running, closing, freeing }

    private var state = State.opening
    private let command: String
    private let input: (any InputSource)?
    private let output: (@Sendable (StdStream, [UInt8]) -> Void)?
    /// Whether the output is also collected for the result.
    private let keep: Bool
    private let label: String
    private var waiter: Waiter<ExecOutput>
    private var channel: OpaquePointer?
    private var openRetried = false
    private var openAttempts = 0
    /// Set while a refused open waits to be tried again.
    private var retryAt: ContinuousClock.Instant?
    var deadline: ContinuousClock.Instant? { retryAt }
    private var result = ExecOutput(status: 0, stdout: [], stderr: [], signal: nil)

    private var staging: UnsafeMutableRawBufferPointer?
    private var stagedStart = 0
    private var stagedEnd = 0
    private var inputEnded: Bool
    private var eofSent = false

    /// Our receive window: how much output the server may send before we read it.
    private static let window: UInt32 = 2 << 20
    private static let packetSize: UInt32 = 32 << 10
    private static let stagingSize = 256 << 10

    init(command: String, input: (any InputSource)?, output: (@Sendable (StdStream, [UInt8]) -> Void)?,
         keep: Bool = true, label: String, waiter: CheckedContinuation<ExecOutput, any Error>) {
        self.command = command
        self.input = input
        self.output = output
        self.keep = keep
        self.label = label
        self.waiter = Waiter(waiter)
        self.inputEnded = input == nil
    }

    deinit { staging?.deallocate() }

    func step(_ loop: IOLoop) -> StepResult {
        switch state {
        case .opening: return open(loop)
        case .starting: return start(loop)
        case .running: return transfer(loop)
        case .closing: return awaitClose(loop)
        case .freeing: return free(loop)
        }
    }

    func abort(_ error: TBError) { waiter.fail(error) }

    /// The caller's task was cancelled: answer at once, then close the channel.
    func cancel() {
        guard waiter.isWaiting else { return }
        waiter.fail(CancellationError())
        if state != .opening && state != .starting { state = .freeing }
    }

    // MARK: - States

    private func open(_ loop: IOLoop) -> StepResult {
        if !waiter.isWaiting && !loop.isOpening(self) { return .finished }  // cancelled while queued
        if let at = retryAt {
            if ContinuousClock.now < at { return .waiting(.otherOperation) }
            retryAt = nil
        }
        let outcome = loop.openChannel(for: self, isSessionChannel: true) {
            libssh2_channel_open_ex($0, "session", 7, ExecOp.window, ExecOp.packetSize, nil, 0)
        }
        switch outcome {
        case .waiting(let interest):
            return .waiting(interest)
        case .failed(let code, let cause):
            openAttempts += 1
            switch loop.sessionOpenRetry(code: code, retried: &openRetried, attempt: openAttempts) {
            case .now: return .progressed
            case .at(let instant):
                retryAt = instant
                return .waiting(.otherOperation)
            case .giveUp: return fail(loop, code: code, "cannot open a channel to run `\(command)`", cause: cause)
            }
        case .opened(let channel):
            self.channel = channel
            state = waiter.isWaiting ? .starting : .freeing
            return .progressed
        }
    }

    /// Sends the exec request and waits for its reply, in turn with the session's other
    /// requests (`takeRequestTurn`); a request once sent is driven to its reply even when the
    /// caller has gone away, so that no stray reply is left for the next one.
    private func start(_ loop: IOLoop) -> StepResult {
        if !waiter.isWaiting && !loop.holdsRequestTurn(self) {   // cancelled before its request went out
            state = .freeing
            return .progressed
        }
        guard loop.takeRequestTurn(self) else { return .waiting(.otherOperation) }
        let rc = libssh2_channel_process_startup(channel, "exec", 4, command, UInt32(command.utf8.count))
        if rc == LibSSH2.eagain { return .waiting(.session) }
        loop.endRequestTurn(self)
        guard waiter.isWaiting else {
            state = .freeing
            return .progressed
        }
        guard rc == 0 else {
            return fail(loop, code: rc, "the server refused to run `\(command)`", cause: LibSSH2.describe(loop.session, code: rc))
        }
        state = .running
        return .progressed
    }

    private func transfer(_ loop: IOLoop) -> StepResult {
        guard let channel else { return fail(loop, code: 0, "exec channel vanished", cause: nil) }
        var progressed = false
        if !eofSent { progressed = pushInput(loop, channel) }
        guard state == .running else { return .progressed }
        guard let out = pull(loop, channel, .stdout), let err = pull(loop, channel, .stderr) else { return .progressed }
        if out.atEnd && err.atEnd && libssh2_channel_eof(channel) != 0 {
            state = .closing
            return .progressed
        }
        return progressed || out.progressed || err.progressed ? .progressed : .waiting(.session)
    }

    /// Waits for the server's close, which follows the exit status, so the status is final.
    private func awaitClose(_ loop: IOLoop) -> StepResult {
        guard let channel else { return fail(loop, code: 0, "exec channel vanished", cause: nil) }
        if !eofSent {
            if libssh2_channel_send_eof(channel) == LibSSH2.eagain { return .waiting(.session) }
            eofSent = true
        }
        let rc = libssh2_channel_wait_closed(channel)
        if rc == LibSSH2.eagain { return .waiting(.session) }
        // Without the close there may be no exit status, and libssh2 then reports 0: any error
        // here fails the command rather than passing for a success.
        if rc != 0 {
            let what = LibSSH2.isFatalToSession(rc) ? "connection lost while `\(command)` was finishing"
                                                     : "`\(command)` did not finish cleanly"
            return fail(loop, code: rc, what, cause: LibSSH2.describe(loop.session, code: rc))
        }
        result.status = libssh2_channel_get_exit_status(channel)
        result.signal = exitSignal(loop, channel)
        state = .freeing
        return .progressed
    }

    private func free(_ loop: IOLoop) -> StepResult {
        if let channel {
            guard loop.freeChannel(channel, isSessionChannel: true) else { return .waiting(.session) }
            self.channel = nil
        }
        waiter.succeed(result)
        return .finished
    }

    // MARK: - Data

    /// Writes stdin while the channel window and the socket backlog allow; true if any went out.
    private func pushInput(_ loop: IOLoop, _ channel: OpaquePointer) -> Bool {
        var progressed = false
        for _ in 0..<16 {
            if stagedStart == stagedEnd && !inputEnded && !refill(loop) { return true }
            guard stagedStart < stagedEnd, loop.transport.acceptsBulk, let staging else { break }
            let base = staging.baseAddress!.assumingMemoryBound(to: CChar.self)
            let n = libssh2_channel_write_ex(channel, 0, base + stagedStart, stagedEnd - stagedStart)
            if n > 0 {
                stagedStart += n
                progressed = true
                continue
            }
            if n == 0 || n == LibSSH2.eagain || n == LIBSSH2_ERROR_CHANNEL_WINDOW_FULL { break }
            if LibSSH2.isFatalToSession(Int32(n)) {
                _ = fail(loop, code: Int32(n), "connection lost while sending input to `\(command)`",
                         cause: LibSSH2.describe(loop.session, code: Int32(n)))
                return true
            }
            // The command closed its stdin or exited: the rest of the input is not wanted.
            inputEnded = true
            stagedStart = stagedEnd
        }
        if inputEnded && stagedStart == stagedEnd && libssh2_channel_send_eof(channel) != LibSSH2.eagain {
            eofSent = true
            progressed = true
        }
        return progressed
    }

    /// Pulls the next block of input into the staging buffer; false if that failed (op failed).
    private func refill(_ loop: IOLoop) -> Bool {
        guard let input else { return true }
        let buffer = staging ?? .allocate(byteCount: ExecOp.stagingSize, alignment: 16)
        staging = buffer
        do {
            stagedStart = 0
            stagedEnd = try input.read(into: buffer)
            if stagedEnd == 0 { inputEnded = true }
            return true
        } catch {
            _ = fail(loop, code: 0, "cannot read the input for `\(command)`", cause: TBError.describe(error), as: .io)
            return false
        }
    }

    /// Reads what has arrived on one stream; nil if the read failed (op failed).
    private func pull(_ loop: IOLoop, _ channel: OpaquePointer, _ stream: StdStream) -> (progressed: Bool, atEnd: Bool)? {
        let id: Int32 = stream == .stdout ? 0 : SSH_EXTENDED_DATA_STDERR
        let buffer = loop.readBuffer
        var progressed = false
        for _ in 0..<8 {
            let n = libssh2_channel_read_ex(channel, id, buffer.baseAddress!.assumingMemoryBound(to: CChar.self), buffer.count)
            if n > 0 {
                let chunk = Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                if keep { if stream == .stdout { result.stdout += chunk } else { result.stderr += chunk } }
                output?(stream, chunk)
                progressed = true
                continue
            }
            if n == 0 { return (progressed, true) }
            if n == LibSSH2.eagain { return (progressed, false) }
            _ = fail(loop, code: Int32(n), "reading the output of `\(command)` failed", cause: LibSSH2.describe(loop.session, code: Int32(n)))
            return nil
        }
        return (progressed, false)
    }

    private func exitSignal(_ loop: IOLoop, _ channel: OpaquePointer) -> String? {
        var name: UnsafeMutablePointer<CChar>?
        var length = 0
        guard libssh2_channel_get_exit_signal(channel, &name, &length, nil, nil, nil, nil) == 0, let name else { return nil }
        defer { libssh2_free(loop.session, name) }
        return length > 0 ? String(cString: name) : nil
    }

    /// Fails the caller, ends the session if the error broke it, and frees the channel.
    private func fail(_ loop: IOLoop, code: Int32, _ message: String, cause: String?, as tbCode: TBError.Code = .ssh) -> StepResult {
        let error = TBError(tbCode, message, object: label, cause: cause)
        waiter.fail(error)
        if LibSSH2.isFatalToSession(code) { loop.fail(error) }
        state = .freeing
        return .progressed
    }
}
