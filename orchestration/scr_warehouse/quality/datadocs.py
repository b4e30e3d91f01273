"""The GX Data Docs made safe to open offline: no CDN references, one local stylesheet, and every landing value
HTML-escaped before GX renders it."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

# ---------------------------------------------------------------------------------------------------------------
# Data Docs offline

EXTERNAL_TAG = re.compile(
    r"<link\b[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>"  # stylesheets from CDNs
    r"|<script\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>"  # scripts from CDNs
    r"|<img\b[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>",  # remote images (logo)
    re.IGNORECASE,
)
EXTERNAL_URL = re.compile(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'<>)]*", re.IGNORECASE)

OFFLINE_CSS = """
<style id="scr-offline">
/* Offline stand-in for the CDN stylesheets GX links to (stewards have no network). */
body{font-family:Arial,Helvetica,sans-serif;margin:0;color:#0b0c0c;background:#fff;font-size:15px}
.container,.container-fluid{padding:0 1.5rem}
nav,.navbar{background:#1d70b8;color:#fff;padding:.6rem 1.5rem;margin-bottom:1rem}
nav a,.navbar a{color:#fff}
a{color:#1d70b8}
h1,h2,h3,h4,h5{margin:.8rem 0 .4rem}
table{border-collapse:collapse;margin:.4rem 0 1rem;max-width:100%}
th,td{border:1px solid #b1b4b6;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f2f1}
.card{border:1px solid #b1b4b6;border-radius:4px;margin:0 0 1rem;padding:.5rem 1rem}
.card-header{font-weight:bold;border-bottom:1px solid #b1b4b6;margin-bottom:.5rem;padding:.3rem 0}
.row{display:flex;flex-wrap:wrap}
.col-md-2,.col-md-3,.col-lg-2,.col-lg-3{flex:0 0 22%;max-width:22%}
.col-md-9,.col-md-10,.col-lg-9,.col-lg-10{flex:1 1 70%}
.col-12,.col{flex:1 1 100%}
.text-success{color:#00703c}.text-danger{color:#d4351c}.text-warning{color:#b35900}
.badge{display:inline-block;padding:.1rem .4rem;border-radius:3px;background:#505a5f;color:#fff;font-size:85%}
.badge-success,.bg-success{background:#00703c;color:#fff}.badge-danger,.bg-danger{background:#d4351c;color:#fff}
.d-none,.sticky{} .collapse:not(.show){display:block}
code,pre{background:#f3f2f1;padding:0 .2rem;white-space:pre-wrap}
ul{padding-left:1.3rem}
.fas,.far,.fa{display:none}
</style>
"""


def offline_index(docs_dir: Path) -> str:
    """A plain list of every validation result and suite page. GX's index draws its tables with jQuery and
    bootstrap-table from a CDN, so offline it would show none; this list needs no script."""
    def link(path: Path, label: str) -> str:
        href = html.escape(path.relative_to(docs_dir).as_posix(), quote=True)
        return f'<li><a href="{href}">{html.escape(label)}</a></li>'

    items = [link(p, f"Validation result: {p.relative_to(docs_dir).parts[1]} ({p.parent.name})")
             for p in sorted(docs_dir.glob("validations/*/*/*/*.html"), reverse=True)]
    items += [link(p, f"Expectation suite: {p.stem}") for p in sorted(docs_dir.glob("expectations/*.html"))]
    return ('<nav id="scr-offline-index" aria-label="Data Docs pages"><h2>Pages</h2><ul>' + "".join(items)
            + "</ul></nav>")


def make_offline(docs_dir: Path) -> list[str]:
    """Make the Data Docs work without a network: drop CDN stylesheets/scripts/images, inline a plain stylesheet,
    add a script-free list of pages to the index, and neutralise any remaining external URL. Returns the external
    references still left (should be none)."""
    for p in docs_dir.rglob("*.html"):
        text = p.read_text(encoding="utf-8")
        text = EXTERNAL_TAG.sub("", text)
        text = EXTERNAL_URL.sub("#", text)
        if 'id="scr-offline"' not in text:
            text = re.sub(r"</head>", OFFLINE_CSS + "</head>", text, count=1, flags=re.IGNORECASE)
        if p == docs_dir / "index.html":
            text = re.sub(r'<nav id="scr-offline-index".*?</nav>', "", text, flags=re.S)
            anchor = text.find('<div id="section-1-content-block-2-1-body-table-toolbar"')
            at = anchor if anchor >= 0 else text.lower().find("<body")
            at = at if anchor >= 0 else text.find(">", at) + 1
            text = text[:at] + offline_index(docs_dir) + text[at:]
        p.write_text(text, encoding="utf-8")
    for p in docs_dir.rglob("*.css"):
        text = p.read_text(encoding="utf-8")
        text = re.sub(r"@import[^;]*;", "", text)
        text = re.sub(r"url\(\s*[\"']?(?:https?:)?//[^)]*\)", "none", text)
        p.write_text(text, encoding="utf-8")
    return external_references(docs_dir)


def external_references(docs_dir: Path) -> list[str]:
    """Every http(s):// or protocol-relative reference left in the Data Docs (file: reference)."""
    found = []
    pat = re.compile(r"(?:https?:)?//[A-Za-z0-9-]+\.[A-Za-z0-9.-]+", re.IGNORECASE)
    for p in list(docs_dir.rglob("*.html")) + list(docs_dir.rglob("*.css")) + list(docs_dir.rglob("*.js")):
        for m in pat.finditer(p.read_text(encoding="utf-8", errors="replace")):
            found.append(f"{p.relative_to(docs_dir)}: {m.group(0)}")
    return found


def html_escaped(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text value HTML-escaped (other types unchanged). Categorical columns escape their categories
    (escaping is one-to-one); in text columns only values holding a character that escaping changes are touched."""
    out = frame.copy()
    for c in out.columns:
        col = out[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            cats = col.cat.categories
            # categories of any text dtype (object, or pandas' own `str`/`string`)
            if (cats.dtype == object or pd.api.types.is_string_dtype(cats.dtype)) and any(
                    isinstance(v, str) and v != html.escape(v, quote=True) for v in cats):
                out[c] = col.cat.rename_categories([html.escape(v, quote=True) if isinstance(v, str) else v
                                                    for v in cats])
        elif col.dtype == object or pd.api.types.is_string_dtype(col):
            as_text = col.astype("string[pyarrow]")
            special = as_text.str.contains(r"[&<>\"']", regex=True).fillna(False).to_numpy(dtype=bool)
            if special.any():
                col = col.astype(object)
                col[special] = [html.escape(v, quote=True) if isinstance(v, str) else v for v in col[special]]
                out[c] = col
    return out
