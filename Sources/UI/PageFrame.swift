/// What every page shares: the document head (title, the one stylesheet), the header with the
/// navigation, and the end of the document.
enum PageFrame {
    static func start(_ w: inout HTMLWriter, title: String) {
        w.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        w.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
        w.text(title)
        w.raw(" · slod</title>\n<link rel=\"stylesheet\" href=\"")
        w.raw(UIRoutes.stylesheetPath)
        w.raw("\">\n</head>\n<body>\n<header><h1>slod</h1><nav aria-label=\"Pages\"><a href=\"/\">SLOs</a><a href=\"/ui/alerts\">Alerts</a>")
        w.raw("<a href=\"/api/v1/slos\">JSON</a><a href=\"/api/v1/alerts\">Alerts (JSON)</a></nav></header>\n<main>\n")
    }

    static func end(_ w: inout HTMLWriter) {
        w.raw("</main>\n</body>\n</html>\n")
    }
}
