import CSQLite
import Core
import Foundation

/// One SQLite connection (the system libsqlite3). Calls block, so async callers run them
/// through `blocking`; a lock makes the connection safe to share between threads.
public final class Database: @unchecked Sendable {
    private let db: OpaquePointer
    private let lock = NSRecursiveLock()   // held across a transaction's statements
    public let path: String

    /// Opens (and with `create`, creates) the database at `path` in WAL mode: one writer and
    /// any number of readers in other processes at once, and every committed transaction
    /// survives a kill -9 of the writer.
    public init(path: String, create: Bool) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw TBError(.io, "cannot open the run records \(path)", cause: message)
        }
        db = handle
        self.path = path
        // Another process writing holds the lock briefly; wait for it rather than fail.
        sqlite3_busy_timeout(db, 10_000)
        try execute("PRAGMA journal_mode=WAL")
        // NORMAL in WAL mode: a commit is in the WAL file once it returns (a killed process
        // loses nothing committed); only a power cut can lose the last commits.
        try execute("PRAGMA synchronous=NORMAL")
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit { sqlite3_close_v2(db) }

    /// Runs statements without results (DDL, pragmas).
    public func execute(_ sql: String) throws {
        try locked {
            var error: UnsafeMutablePointer<CChar>?
            guard sqlite3_exec(db, sql, nil, nil, &error) == SQLITE_OK else {
                let message = error.map { String(cString: $0) } ?? "unknown error"
                sqlite3_free(error)
                throw TBError(.io, "run records: \(message)", cause: sql)
            }
        }
    }

    /// Runs `body` in one transaction (BEGIN IMMEDIATE: the write lock is taken at once, so
    /// two writers queue instead of failing halfway); rolled back when it throws.
    public func transaction<T>(_ body: (Database) throws -> T) throws -> T {
        try locked {
            try execute("BEGIN IMMEDIATE")
            do {
                let v = try body(self)
                try execute("COMMIT")
                return v
            } catch {
                try? execute("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs one statement with `values` bound to its `?` in order; returns its rows.
    @discardableResult
    public func query(_ sql: String, _ values: [SQLValue] = []) throws -> [Row] {
        try locked {
            var stmt: OpaquePointer?
            guard sqlite3_prepare_v2(db, sql, -1, &stmt, nil) == SQLITE_OK, let stmt else {
                throw TBError(.io, "run records: \(String(cString: sqlite3_errmsg(db)))", cause: sql)
            }
            defer { sqlite3_finalize(stmt) }
            for (i, v) in values.enumerated() { v.bind(stmt, Int32(i + 1)) }
            var rows: [Row] = []
            while true {
                let rc = sqlite3_step(stmt)
                if rc == SQLITE_DONE { return rows }
                guard rc == SQLITE_ROW else {
                    throw TBError(.io, "run records: \(String(cString: sqlite3_errmsg(db)))", cause: sql)
                }
                rows.append(Row(stmt))
            }
        }
    }

    /// The rowid of the last insert on this connection.
    public var lastInsertID: Int64 { locked { sqlite3_last_insert_rowid(db) } }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}

/// A value bound to a statement.
public enum SQLValue: Sendable {
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])
    case null

    public static func optional(_ s: String?) -> SQLValue { s.map(SQLValue.text) ?? .null }
    public static func optional(_ n: Int?) -> SQLValue { n.map { .int(Int64($0)) } ?? .null }
    public static func optional(_ d: Double?) -> SQLValue { d.map(SQLValue.double) ?? .null }

    /// SQLite copies text and blobs at bind time (SQLITE_TRANSIENT).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(_ stmt: OpaquePointer, _ i: Int32) {
        switch self {
        case .int(let n): sqlite3_bind_int64(stmt, i, n)
        case .double(let d): sqlite3_bind_double(stmt, i, d)
        case .text(let s): sqlite3_bind_text(stmt, i, s, -1, Self.transient)
        case .blob(let b): b.withUnsafeBytes { _ = sqlite3_bind_blob(stmt, i, $0.baseAddress, Int32($0.count), Self.transient) }
        case .null: sqlite3_bind_null(stmt, i)
        }
    }
}

/// One result row, its columns read by position.
public struct Row: Sendable {
    private let values: [SQLValue]

    init(_ stmt: OpaquePointer) {
        values = (0..<sqlite3_column_count(stmt)).map { i in
            switch sqlite3_column_type(stmt, i) {
            case SQLITE_INTEGER: return .int(sqlite3_column_int64(stmt, i))
            case SQLITE_FLOAT: return .double(sqlite3_column_double(stmt, i))
            case SQLITE_TEXT: return .text(String(cString: sqlite3_column_text(stmt, i)))
            case SQLITE_BLOB:
                let n = Int(sqlite3_column_bytes(stmt, i))
                guard n > 0, let p = sqlite3_column_blob(stmt, i) else { return .blob([]) }
                return .blob(Array(UnsafeRawBufferPointer(start: p, count: n)))
            default: return .null
            }
        }
    }

    public func int(_ i: Int) -> Int64? {
        switch values[i] {
        case .int(let n): return n
        case .double(let d): return Int64(d)
        default: return nil
        }
    }

    public func double(_ i: Int) -> Double? {
        switch values[i] {
        case .double(let d): return d
        case .int(let n): return Double(n)
        default: return nil
        }
    }

    public func text(_ i: Int) -> String? {
        switch values[i] {
        case .text(let s): return s
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        case .int(let n): return String(n)
        default: return nil
        }
    }

    public func blob(_ i: Int) -> [UInt8] {
        switch values[i] {
        case .blob(let b): return b
        case .text(let s): return Array(s.utf8)
        default: return []
        }
    }
}
