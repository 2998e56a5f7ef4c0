import Foundation
import Testing

/// The built-in pages in a real browser: headless Chromium (Debian's `chromium`, installed by
/// `.ci/run`) loads each page with the Content-Security-Policy slod sends. A console message
/// (a blocked stylesheet, a CSP violation, a failed load) fails the test; the screenshot must
/// not be blank; a label value `<script>…` must stay text; the pages render with script
/// forbidden by their policy.
extension Integration {
    @Suite struct UIBrowser {
        static let chromium = "/usr/bin/chromium"

        /// Chromium's output for `url` with `extra` flags: stdout, and the console messages it
        /// logged (`--v=1` logs each as `INFO:CONSOLE`).
        static func browse(_ url: String, _ extra: [String], profile: TempDir) throws -> (stdout: String, console: [String]) {
            let r = try runTool(chromium, ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=\(profile.path)",
                                           "--enable-logging=stderr", "--v=1", "--window-size=1280,900"] + extra + [url], timeout: 60)
            #expect(r.exitCode == 0, "chromium \(url): \(r.description.suffix(2000))")
            return (r.stdout, r.stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init))
        }

        static func fileSize(_ path: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
        }

        @Test func pagesLoadCleanlyAndRenderAsText() throws {
            guard Paths.peer(Self.chromium) else { return }
            let slod = try SlodServer(config: testConfig() + UIPages.sloConfig)
            defer { slod.stop() }
            let profile = try TempDir()
            let shots = try TempDir()
            let blank = shots.file("blank.png")
            _ = try Self.browse("about:blank", ["--screenshot=\(blank)"], profile: profile)
            // (path, a text the page shows, whether it shows the SLO's label)
            let pages = [("/", "</table>", true), ("/ui/alerts", "No alert is pending or firing.", false),
                         ("/ui/slo/shop/availability", "</table>", true), ("/?state=no_data&sort=name", "</table>", true)]
            for (path, shows, showsLabel) in pages {
                let url = slod.url + path
                let dom = try Self.browse(url, ["--dump-dom"], profile: profile)
                #expect(dom.console.isEmpty, "\(path): console messages:\n\(dom.console.joined(separator: "\n"))")
                #expect(dom.stdout.contains("<main>") && dom.stdout.contains(shows), "\(path): \(dom.stdout.prefix(2000))")
                #expect(!dom.stdout.contains("<script"), "\(path): a script element in the DOM")
                if showsLabel {
                    // Chromium serialises text back with `<` escaped: the label stayed text.
                    #expect(dom.stdout.contains("team=&lt;script&gt;alert(1)&lt;/script&gt;"), "\(path)")
                }
                // A blank 1280×900 PNG compresses to a few KB; text, tables and the stylesheet's
                // colours make it several times larger. This is also the page without JavaScript:
                // the policy slod sends (`default-src 'none'`, no `script-src`) lets the browser
                // run no script at all. (`--blink-settings=scriptEnabled=false` would stop headless
                // Chromium's own screenshot and DOM dump, which run as script.)
                let shot = shots.file("page.png")
                let picture = try Self.browse(url, ["--screenshot=\(shot)"], profile: profile)
                #expect(picture.console.isEmpty, "\(path): \(picture.console)")
                #expect(Self.fileSize(shot) > 3 * max(1, Self.fileSize(blank)),
                        "\(path): screenshot \(Self.fileSize(shot)) bytes, blank \(Self.fileSize(blank))")
                let csp = try slod.get(path).header("Content-Security-Policy") ?? ""
                #expect(csp.contains("default-src 'none'") && !csp.contains("script-src"), "\(path): \(csp)")
            }
        }
    }
}
