// The error type lives in its own leaf target (no OpenSSL, no Foundation needed), so the
// pure model targets can throw it; re-exported here so `import Core` keeps bringing it.
@_exported import Errors
