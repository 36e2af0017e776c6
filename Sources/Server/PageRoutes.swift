import FlyingFox

/// The page for people: one HTML file, its script and its style sheet, compiled into the
/// binary (Page/, embedded by SwiftPM), so `serve` needs no file and the browser loads nothing
/// from elsewhere. The charts are drawn by the script on <canvas>.
struct PageRoutes: Sendable {
    func register(_ r: inout Router) {
        r.add(.GET, "/", isPublic: true) { _ in Reply.bytes(PackageResources.index_html, type: "text/html; charset=utf-8") }
        r.add(.GET, "/app.js", isPublic: true) { _ in Reply.bytes(PackageResources.app_js, type: "text/javascript; charset=utf-8") }
        r.add(.GET, "/app.css", isPublic: true) { _ in Reply.bytes(PackageResources.app_css, type: "text/css; charset=utf-8") }
        r.add(.GET, "/favicon.ico", isPublic: true) { _ in Reply.bytes(PackageResources.favicon_svg, type: "image/svg+xml") }
    }
}
