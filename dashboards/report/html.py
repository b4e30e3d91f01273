"""The report's HTML: jinja2 templates (dashboards/report/templates/, every value autoescaped), the data tables
under the charts, the charts themselves, and the data guidance (markdown) as HTML with any HTML in it escaped."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import plotly.graph_objects as go
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True,
                 "modeBarButtonsToRemove": ["select2d", "lasso2d"], "toImageButtonOptions": {"format": "png"}}
HEADING = re.compile(r"<h([1-3])>(.*?)</h\1>")
CELL_CLASS = {"count": "num count", "num": "num", "text": ""}


@lru_cache(maxsize=None)
def environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                              undefined=jinja2.StrictUndefined, keep_trailing_newline=False)


def render(template: str, **context) -> Markup:
    """A template of dashboards/report/templates rendered with `context` (values escaped unless Markup)."""
    return Markup(environment().get_template(template).render(**context))


def table_html(table, caption: str, tier: str = "published", open_: bool = False) -> Markup:
    """A table of (headers, rows, kinds) in a <details> under its chart; kinds per column (count, num, text), or a
    list of them per row. The first cell of a row is its header."""
    headers, rows, kinds = table
    per_row = bool(kinds) and isinstance(kinds[0], list)
    head_kinds = kinds[0] if per_row else kinds
    head = [(h, "num" if k != "text" else "") for h, k in zip(headers, head_kinds)]
    body = [[(v, CELL_CLASS[k]) for v, k in zip(row, kinds[n] if per_row else kinds)] for n, row in enumerate(rows)]
    return render("table.html.j2", headers=head, rows=body, caption=caption, tier=tier, open=open_)


def fig_html(fig: go.Figure, div_id: str) -> Markup:
    return Markup(fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOTLY_CONFIG))


def markdown_html(text: str) -> Markup:
    """Markdown (the data guidance) as HTML: CommonMark with tables, raw HTML in it escaped, never passed through."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    out = md.render(text).replace("<table>", '<table data-tier="meta">')
    return Markup(HEADING.sub(lambda m: f'<h{m[1]} id="{slug(m[2])}">{m[2]}</h{m[1]}>', out))


def slug(heading_html: str) -> str:
    """A heading's anchor: its words, lower case, joined by hyphens ("Timescales (Working Together)" ->
    "timescales-working-together")."""
    words = re.findall(r"[a-z0-9]+", re.sub(r"<[^>]+>|&[a-z]+;|&#\d+;", " ", heading_html.lower()))
    return "-".join(words)
