"""Every count a report page shows, read back from the page, and looked up in the published files (issue 23):
the numbers of headline cards, tables, the running text and the charts (bar labels, hover figures, the lengths of
bars on a count axis) that count children, incidents, reviews or action-plan items, each with the financial year it
belongs to (its row's or column's year, else the page's). A count the published files of that year do not hold is
a count the report must not show (from the restricted tier, the stewards' scoreboard, or worked back)."""
from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

from dashboards.common import COUNT_COLUMNS, DATASETS, period_label

YEAR = re.compile(r"^(\d{4})-(\d{2})$")
INTEGER = re.compile(r"^\d{1,3}(,\d{3})*$|^\d+$")
# a table column or headline that is not a count of children, incidents, reviews or actions
NOT_A_COUNT = re.compile(r"%|percent|rate|per 10,000|problem|local authorities with|population", re.I)
COUNT_WORDS = r"children|child|incidents?|reviews?|notifications?|deaths|actions?|items?"


def year_of(text: str) -> str | None:
    """'2016-17' -> '201617'."""
    m = YEAR.match(text.strip())
    return m.group(1) + m.group(2) if m else None


def published_counts(release: Path) -> dict[str, set[int]]:
    """financial year -> every count published in that year, over every published file (never restricted/)."""
    out: dict[str, set[int]] = {}
    for ds in DATASETS:
        path = release / f"{ds}.csv"
        if not path.is_file():
            continue
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                for col in COUNT_COLUMNS & set(row):
                    if row[col].isdigit():
                        out.setdefault(row["time_period"], set()).add(int(row[col]))
    return out


class _Page(HTMLParser):
    """Tables (caption, header, rows of cell text), headline cards and the running text of a report page."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self.cards: list[list[str]] = []  # [value, label, note] texts of each headline card
        self.text: list[str] = []
        self._cell = None
        self._card = None
        self._span = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "table":
            self.tables.append({"caption": "", "header": [], "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th", "caption") and self.tables:
            self._cell = []
            self._class = a.get("class") or ""
        elif tag == "div" and a.get("class") == "headline":
            self._card = ["", "", ""]
        elif tag == "span" and self._card is not None:
            self._span = {"value": 0, "note": 2}.get(a.get("class"))

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        if tag == "caption" and self._cell is not None:
            self.tables[-1]["caption"] = "".join(self._cell).strip()
            self._cell = None
        elif tag in ("td", "th") and self._cell is not None:
            # a cell's text, and whether it is a label (a text column's cell: "15" is an age band)
            self.tables[-1]["rows"][-1].append(("".join(self._cell).strip(), "num" not in self._class.split()))
            self._cell = None
        elif tag == "thead" and self.tables:
            self.tables[-1]["header"] = [c for c, _ in self.tables[-1]["rows"].pop()] if self.tables[-1]["rows"] else []
        elif tag == "span" and self._card is not None:
            self._span = None
        elif tag == "div" and self._card is not None:
            self.cards.append([t.strip() for t in self._card])
            self._card = None

    def handle_data(self, data):
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._card is not None:
            self._card[1 if self._span is None else self._span] += data
        else:
            self.text.append(data)


def _figures(html: str) -> list[tuple[str, list, dict]]:
    """(div id, data, layout) of every Plotly chart in the page."""
    out, dec = [], json.JSONDecoder()
    for m in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*', html):
        data, end = dec.raw_decode(html, m.end())
        layout, _ = dec.raw_decode(html, html.index("{", end))
        out.append((m.group(1), data, layout))
    return out


def _axis_title(layout: dict, name: str) -> str:
    title = (layout.get(name) or {}).get("title") or {}
    return title.get("text", "") if isinstance(title, dict) else str(title)


def counts_on_page(html: str, period: str,
                   labels: frozenset[str] | set[str] = frozenset()) -> list[tuple[str, str, str]]:
    """(where, year, number) for every count of children, incidents, reviews or actions on the page. A number in a
    table's text column is read too, unless it is one of `labels` (the published files' filter values, such as the
    age band "15")."""
    page = _Page()
    page.feed(html)
    found = []
    for t in page.tables:
        header = t["header"]
        for cells in t["rows"]:
            row = [c for c, _ in cells]
            row_year = year_of(row[0]) if row else None
            for j, (cell, label) in enumerate(cells[1:], start=1):
                head = header[j] if j < len(header) else ""
                if not INTEGER.match(cell) or NOT_A_COUNT.search(head) or NOT_A_COUNT.search(row[0]) \
                        or (label and cell in labels):
                    continue
                found.append((f"table '{t['caption']}', row '{row[0]}', column '{head}'",
                              row_year or year_of(head) or period, cell))
    for value, label, note in page.cards:
        if NOT_A_COUNT.search(label):
            continue
        if INTEGER.match(value):
            found.append((f"headline '{label}'", period, value))
        year, _, before = note.partition(": ")
        if INTEGER.match(before.strip()) and year_of(year):
            found.append((f"headline '{label}' ({year})", year_of(year), before.strip()))
    text = " ".join(page.text)
    # "12 children", "1,160 reviews": not "per 10,000 children", "under 1", a date's "-03", "aged 0 to 17"
    for m in re.finditer(r"(?<![\w.,/-])(?<!per )(?<!under )(?<!aged )(?<!to )(\d[\d,]*) (?:" + COUNT_WORDS
                         + r")\b", text):
        found.append((f"text '{text[max(m.start() - 40, 0):m.end() + 10].strip()}'", period, m.group(1)))
    for div, data, layout in _figures(html):
        for trace in data:
            if trace.get("name") == "c: suppressed" or trace.get("mode") == "lines":
                continue  # a hatched c mark's size is no figure; funnel limits are lines, not counts
            horizontal = trace.get("orientation") == "h"
            cats = trace.get("y" if horizontal else "x") or []
            values = trace.get("x" if horizontal else "y") or []
            value_axis = _axis_title(layout, "xaxis" if horizontal else "yaxis")
            n = max(len(cats), len(values), len(trace.get("text") or []), len(trace.get("customdata") or []))
            skip = {int(k) for k in re.findall(r"population %\{customdata\[(\d)\]\}", trace.get("hovertemplate", ""))}
            for i in range(n):
                # a point's year: its category's (charts by year), else its trace's (a year's bars), else the page's
                year = (year_of(str(cats[i])) if i < len(cats) else None) or year_of(str(trace.get("name", "")))
                where = f"chart {div}, trace '{trace.get('name')}', point {i}"
                texts = [trace["text"][i]] if i < len(trace.get("text") or []) else []
                custom = trace["customdata"][i] if i < len(trace.get("customdata") or []) else []
                custom = custom if isinstance(custom, list) else [custom]
                texts += [str(v) for k, v in enumerate(custom) if k not in skip]
                for v in texts:
                    if isinstance(v, str) and INTEGER.match(v.strip()):
                        found.append((where, year or period, v.strip()))
                if trace.get("type") == "bar" and i < len(values) and isinstance(values[i], (int, float)) \
                        and re.search(COUNT_WORDS, value_axis, re.I) and not NOT_A_COUNT.search(value_axis):
                    found.append((where + " (bar length)", year or period, f"{values[i]:g}"))
    return found


def published_labels(release: Path) -> set[str]:
    """Every filter value of the published files (the breakdowns, bands, grades... a page names its rows by)."""
    out: set[str] = set()
    for ds in DATASETS:
        path = release / f"{ds}.csv"
        if path.is_file():
            with open(path, newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                cols = [c for c in reader.fieldnames or [] if c not in COUNT_COLUMNS and not c.endswith(
                    ("_percent", "_per_10000")) and c != "time_period"]
                for row in reader:
                    out.update(row[c] for c in cols)
    return out


def unpublished(html: str, period: str, published: dict[str, set[int]],
                labels: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Every count on the page that the published files do not hold for its year."""
    def held(number: str, year: str) -> bool:
        value = float(number.replace(",", ""))  # a bar of 0.0001 on a count axis is no published count either
        return value.is_integer() and int(value) in published.get(year, set())

    return [f"{where}: {number} ({period_label(year)})" for where, year, number in
            counts_on_page(html, period, labels) if not held(number, year)]
