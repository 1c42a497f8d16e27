import Foundation

/// The one page shell of every HTML report (inspect --html, diff --html):
/// self-contained (inline style and script, nothing fetched, a CSP that
/// forbids fetching), a header of who/where/when facts and totals, then the
/// body. The inline script only adds "expand all"/"collapse all" and marks the
/// page `data-ready` with the number of `<details>`, so a headless browser can
/// tell it ran without an error.
///
/// `facts` and `totals` are (label, HTML) pairs: the caller escapes values
/// with ``DisplayEscaping/html(_:)``.
public enum ReportPage {
    public static func render(title: String, heading: String, facts: [(String, String)], totals: String, body: String) -> String {
        let h = DisplayEscaping.html
        var header = "<table class=\"facts\">"
        for (label, value) in facts {
            header += "<tr><th>\(h(label))</th><td>\(value)</td></tr>"
        }
        header += "<tr><th>Report made</th><td>\(h(UTCText.format(Date()))) by kubectl-evidence</td></tr></table>"
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
            <title>\(h(title))</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:90em}
            summary{cursor:pointer;font-weight:600}small{font-weight:400;color:#666}
            ul{list-style:none;padding-left:1em;font-family:ui-monospace,monospace}
            .add{color:#1a7f37}.del{color:#cf222e}.chg{color:#9a6700}.note{color:#9a6700;font-style:italic}
            .warning{color:#cf222e}.notice{color:#9a6700}.ok{color:#1a7f37}.bad{color:#cf222e;font-weight:600}
            details{border:1px solid #ddd;border-radius:4px;padding:.3em .6em;margin:.4em 0}
            table{border-collapse:collapse;margin:.4em 0}th,td{text-align:left;padding:.15em .8em .15em 0;vertical-align:top}
            table.facts th{color:#555;font-weight:600;white-space:nowrap}
            table.grid td,table.grid th{border-bottom:1px solid #eee;font-family:ui-monospace,monospace;font-size:.9em}
            pre{font-family:ui-monospace,monospace;font-size:.9em;white-space:pre-wrap;margin:.3em 0}
            .totals{font-size:1.1em;font-weight:600;margin:.8em 0}
            </style></head>
            <body><h1>\(heading)</h1>
            \(header)
            <p class="totals">\(totals)</p>
            <p><button type="button" id="expand">expand all</button> <button type="button" id="collapse">collapse all</button></p>
            \(body)
            <script>
            (function () {
              function all(open) { document.querySelectorAll("details").forEach(function (d) { d.open = open; }); }
              document.getElementById("expand").addEventListener("click", function () { all(true); });
              document.getElementById("collapse").addEventListener("click", function () { all(false); });
              document.documentElement.setAttribute("data-ready", String(document.querySelectorAll("details").length));
            })();
            </script>
            </body></html>

            """
    }
}
