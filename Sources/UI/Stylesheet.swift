/// The UI's one stylesheet (served at `UIRoutes.stylesheetPath`, so the pages' Content-Security-
/// Policy needs no inline styles): light and dark themes from `prefers-color-scheme`, colours
/// with a contrast ratio of at least 4.5:1 against their background.
public enum Stylesheet {
    public static let css: StaticString = """
    :root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--head:#f6f8fa;
    --ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--bar:#eaeef2;--link:#0550ae}
    @media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--head:#161b22;
    --ok:#3fb950;--warn:#d29922;--bad:#f85149;--bar:#21262d;--link:#58a6ff}}
    body{margin:0 auto;max-width:90rem;padding:0 1rem 2rem;background:var(--bg);color:var(--fg);
    font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif}
    a{color:var(--link)}a:focus,button:focus,input:focus,select:focus,summary:focus{outline:2px solid var(--link);outline-offset:2px}
    header{display:flex;gap:1.5rem;align-items:baseline;border-bottom:1px solid var(--line);margin-bottom:1rem}
    header h1{font-size:1.25rem;margin:.75rem 0}nav a{margin-right:1rem}
    form.filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:end;margin:0 0 1rem}
    form.filters label{display:flex;flex-direction:column;font-size:.85rem;color:var(--muted)}
    input,select,button{font:inherit;color:var(--fg);background:var(--bg);border:1px solid var(--line);border-radius:4px;padding:.2rem .4rem}
    table{border-collapse:collapse;width:100%;margin-bottom:1rem}caption{text-align:left;font-weight:600;padding:.25rem 0}
    th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;white-space:nowrap}
    th{background:var(--head);font-weight:600}tbody th{background:transparent}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
    details{margin-bottom:.75rem}summary{cursor:pointer;padding:.25rem 0}
    .bar{display:inline-block;vertical-align:middle;width:6rem;height:.6rem;background:var(--bar);margin-right:.4rem}
    .bar svg{display:block}.ok{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}.muted{color:var(--muted)}
    .state{font-weight:600}.pages{display:flex;gap:1rem}.error{color:var(--bad);font-weight:600}
    """
}
