/// Where the UI's pages live and the headers every UI response carries.
public enum UIRoutes {
    public static let stylesheetPath: StaticString = "/ui/style.css"

    /// No script, no frames, no third-party anything: the pages load only their stylesheet (and
    /// inline SVG, which is markup). `form-action 'self'` keeps the filter form on slod.
    public static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy",
         "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
    ]
}
