"""The data guidance and methodology of a release (issue 26), as a Department release has them, written with the
release into `<release>/data_guidance.md` (and so into upload.zip), and shown in the report.

Every figure in it is read from the release's own files: the published data and meta files, disclosure_audit.json
and revisions_summary.json; every word of policy from the seeds through policy.py (definitions, timescales,
contact and dates, footnotes, the revisions policy: seeds/policy/release_guidance.csv, timescale_rules.csv). The
publication policy, the symbols and the datasets not published are the release writer's own sections (writer.py
writes them first): they are kept as the writer wrote them, so each has one home. Coverage and quality are shares
only (the published percentages of children whose characteristic is not known), never counts of children."""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import policy
from .datasets import Dataset, load_datasets
from .revisions import SUMMARY
from .writer import AUDIT, GUIDANCE, write_upload

NOT_KNOWN = ("Not known", "Unknown", "Not reported")  # the breakdown items that say a value is not known
WRITER_SECTIONS = ("Publication policy", "Symbols", "Datasets not published")
UNITS = {"calendar_month": ("calendar month", "calendar months"), "working_day": ("working day", "working days")}
RULES = {"notification_due": "National notification", "decision_due": "Review decision",
         "completion_due": "Serious case review completed"}
COVERAGE_YEARS = 3  # the latest years the coverage table shows


@dataclass
class PublishedFile:
    """One published dataset as the release wrote it: its rows (text cells) and its meta rows."""
    name: str
    rows: list[dict[str, str]]
    meta: list[dict[str, str]]

    @property
    def periods(self) -> list[str]:
        return sorted({r["time_period"] for r in self.rows})

    def column(self, col_type: str) -> list[dict[str, str]]:
        return [m for m in self.meta if m.get("col_type") == col_type]


@dataclass
class ReleaseFiles:
    """What the guidance reads from a release folder."""
    folder: Path
    files: dict[str, PublishedFile]
    audit: dict
    revisions: dict | None
    writer: dict[str, str] = field(default_factory=dict)  # the writer's sections: title -> markdown body


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def sections(markdown: str) -> dict[str, str]:
    """`## Title` -> its body, of a markdown document."""
    out: dict[str, str] = {}
    for part in ("\n" + markdown).split("\n## ")[1:]:
        title, _, body = part.partition("\n")
        out[title.strip()] = body.strip("\n")
    return out


def read_release(folder: Path, datasets: dict[str, Dataset]) -> ReleaseFiles:
    """The published files of `folder` (datasets in configuration order), its audit, its revisions summary (None
    when the release has none) and the sections the writer put in its data guidance."""
    folder = Path(folder)
    files = {name: PublishedFile(name, _csv(folder / f"{name}.csv"), _csv(folder / f"{name}.meta.csv"))
             for name in datasets if (folder / f"{name}.csv").is_file() and (folder / f"{name}.meta.csv").is_file()}
    audit = json.loads((folder / AUDIT).read_text(encoding="utf-8"))
    summary = folder / SUMMARY
    revisions = json.loads(summary.read_text(encoding="utf-8")) if summary.is_file() else None
    written = folder / GUIDANCE
    writer = sections(written.read_text(encoding="utf-8")) if written.is_file() else {}
    return ReleaseFiles(folder, files, audit, revisions, {k: v for k, v in writer.items() if k in WRITER_SECTIONS})


def _cell(text: str) -> str:
    """A value in a markdown table cell."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(_cell(h) for h in headers) + " |", "|" + "---|" * len(headers),
            *("| " + " | ".join(_cell(v) for v in r) + " |" for r in rows), ""]


def _period(tp: str) -> str:
    return f"{tp[:4]}-{tp[4:]}" if len(tp) == 6 and tp.isdigit() else tp


# ---------------------------------------------------------------------------------------------------- sections
def _publication() -> list[str]:
    s = policy.release_setting
    return ["# Data guidance and methodology", "",
            "Notified deaths and serious injuries of children where abuse or neglect is known or suspected, and the "
            "serious case reviews that follow: England, by financial year.", "",
            f"- Producer: {s('producer')}",
            f"- Published: {s('publication_date')}",
            f"- Next release: {s('next_release_date')} ({s('release_frequency').lower()})",
            f"- Contact: {s('contact_team')}, {s('contact_email')}", ""]


def _about() -> list[str]:
    lines = ["## What is counted and where it comes from", "",
             "Local authorities notify each child who died or was seriously injured where abuse or neglect is known or "
             "suspected; Local Safeguarding Children Boards (LSCBs) send their review decisions, their serious case "
             "reviews and the reviews' action plans; the inspectorate sends its evaluations of completed reviews. "
             "Each record is checked against the data contract, and problems go to data stewards, who correct them "
             "or ask the sender to; the figures are worked out from the records as they stand when the release is "
             "built, and a record that cannot be placed in a year or an area is left out of the figures and kept in "
             "the stewards' queue. Rates use the child population named in the population input.", "",
             "### Definitions", ""]
    for item in policy.release_guidance():
        if item.kind == "definition":
            lines.append(f"- **{item.name}**: {item.value} (Source: {item.source}.)")
    return lines + [""]


def _timescales() -> list[str]:
    rows = []
    for r in policy.timescale_rules():
        unit = UNITS.get(r.unit, (r.unit, r.unit))[r.amount != 1]
        when = ("always" if not (r.applies_from or r.applies_to) else
                " ".join(p for p in (f"from {r.applies_from}" if r.applies_from else "",
                                     f"to {r.applies_to}" if r.applies_to else "") if p))
        rows.append([RULES.get(r.rule, r.rule), f"within {r.amount} {unit} of {r.measured_from}", when, r.source])
    return ["## Timescales (Working Together)", "",
            "The timeliness figures judge each record against the timescale in force for it (the date the rule is "
            "measured from decides which applies). A serious case review with a completion date agreed with the "
            "inspectorate is judged against that date instead.", "",
            *table(["Stage", "Due", "Applies", "Source"], rows)]


def _not_known_share(f: PublishedFile, topic: str, period: str, pct_col: str) -> str:
    rows = [r for r in f.rows if r["geographic_level"] == "National" and r["time_period"] == period
            and r["breakdown_topic"] == topic and r["breakdown"] in NOT_KNOWN and r.get("outcome", "Total") == "Total"]
    return rows[0][pct_col] if rows else "z"


def _coverage(rel: ReleaseFiles) -> list[str]:
    lines = ["## Coverage and quality", "",
             "The figures cover every English local authority's notifications, by financial year; the published "
             "files hold these years: " + ", ".join(_period(p) for p in _all_periods(rel)) + ".", "",
             "Completeness is shown as shares, never as counts of children: the published percentage of children "
             "(and of completed reviews) whose characteristic is not known, England, from the published files "
             "(`c`: suppressed; `z`: not applicable).", ""]
    for name, pct_col in (("child_characteristics", "children_percent"), ("review_characteristics", "reviews_percent")):
        f = rel.files.get(name)
        if f is None or not f.rows:
            continue
        years = f.periods[-COVERAGE_YEARS:]
        topics = [t for t in dict.fromkeys(r["breakdown_topic"] for r in f.rows)
                  if any(r["breakdown"] in NOT_KNOWN for r in f.rows if r["breakdown_topic"] == t)]
        rows = [[t, *(_not_known_share(f, t, y, pct_col) for y in years)] for t in topics]
        lines += [f"Not known, % ({name}):", "", *table(["Breakdown topic", *map(_period, years)], rows)]
    nba = rel.files.get("notifications_by_area")
    if nba is not None and nba.rows:
        years = nba.periods[-COVERAGE_YEARS:]
        share = {r["time_period"]: r.get("notified_on_time_percent", "x") for r in nba.rows
                 if r["geographic_level"] == "National" and r["incident_type"] == "Total"}
        lines += ["Children notified within the notification timescale, % (notifications_by_area, England):", "",
                  *table(["Measure", *map(_period, years)],
                         [["Notified on time", *(share.get(y, "x") for y in years)]])]
    return lines


def _all_periods(rel: ReleaseFiles) -> list[str]:
    return sorted({p for f in rel.files.values() for p in f.periods})


def _disclosure(rel: ReleaseFiles) -> list[str]:
    a = rel.audit
    cells = sum(a.get("count_cells", {}).values())
    rows = [[f"`{name}`", str(n), str(a["primary_by_dataset"].get(name, 0)),
             str(a["secondary_by_dataset"].get(name, 0))] for name, n in a.get("count_cells", {}).items()
            if name in rel.files]
    narrowest = a.get("narrowest_whole_numbers")
    return ["## Publication policy", "", rel.writer.get("Publication policy", "").strip(), "",
            "## What the disclosure audit guarantees", "",
            "In plain words: nobody holding every file of this release, and the report, can work out a suppressed "
            f"count to within fewer than {a['whole_numbers_required']} whole numbers, however they combine the "
            "figures; and a suppressed small count could always be more than "
            f"{a['threshold']} (except where England's published figure alone bounds it more tightly), so a reader "
            "cannot tell how small it is.", "",
            f"- Count cells published: {cells}; suppressed: {a['suppressed']} ({a['primary']} primary, "
            f"{a['suppressed'] - a['primary']} secondary).",
            f"- England's headline figures published exactly: {a['headline_published']} of {a['headline_cells']}.",
            f"- Linear programmes solved by the audit: {a['linear_programmes']}; suppressed counts that could be "
            f"narrowed too far: {a['failing_count']}.",
            ("- The narrowest range of any suppressed count given everything published: "
             f"{narrowest} whole numbers, apart from {a.get('cells_bounded_by_headline', 0)} cells that England's "
             "published figure alone bounds more tightly: each of those can be any value that figure allows."
             if narrowest is not None else
             "- No count is suppressed, so no range is narrowed."), "",
            *table(["Dataset", "Count cells", "Primary suppression", "Secondary suppression"], rows)]


def _rounding(rel: ReleaseFiles) -> list[str]:
    base, n = rel.audit.get("regional_rounding_base", 0), rel.audit.get("rounded_cells", 0)
    if not base:
        return ["## Rounding", "", "No figure is rounded: regional figures are published exactly.", ""]
    return ["## Rounding", "",
            f"Regional counts are rounded to the nearest {base}, half up ({n} regional count cells in this release); "
            "regional percentages and rates are worked out from the rounded counts, so they give no unrounded "
            "count away, and a region's rounded figures need not add up to England's. National and local authority "
            "figures are not rounded. Percentages and rates are published to the decimal places each meta file "
            "gives.", ""]


def _revisions(rel: ReleaseFiles) -> list[str]:
    policy_text = [i.value for i in policy.release_guidance() if i.kind == "revisions_policy"]
    lines = ["## Revisions", "", "### Revisions policy", "", *policy_text, ""]
    if rel.revisions is None:
        return lines + ["This release was not compared with a previous one.", ""]
    body = [ln for ln in rel.revisions.get("guidance", []) if not ln.startswith("## ")]
    return lines + ["### Revisions since the previous release", "", *body, ""]


def _filter_items(f: PublishedFile, name: str) -> str:
    return "; ".join(dict.fromkeys(r[name] for r in f.rows if name in r))


def _dataset(f: PublishedFile, ds: Dataset) -> list[str]:
    levels = list(dict.fromkeys(r["geographic_level"] for r in f.rows))
    periods = f.periods
    filters = [[f"`{m['col_name']}`", m.get("label", ""), m.get("filter_hint", ""), _filter_items(f, m["col_name"])]
               for m in f.column("Filter")]
    indicators = [[f"`{m['col_name']}`", m.get("label", ""), m.get("indicator_unit", "") or "number",
                   m.get("indicator_dp", "")] for m in f.column("Indicator")]
    notes = [i.value for i in policy.release_guidance() if i.kind == "footnote" and i.name == f.name]
    notes += [f"`{m['col_name']}`: {m['label']}." for m in f.column("Indicator") if "rounded" in m.get("label", "")]
    return [f"### `{f.name}.csv`: {ds.title}", "",
            f"- Rows: {len(f.rows)}; geographic levels: {', '.join(levels)}; time periods: "
            f"{_period(periods[0]) if periods else 'none'} to {_period(periods[-1]) if periods else 'none'} "
            f"({len(periods)} financial years).", "",
            "Filters:", "", *table(["Column", "Label", "Hint", "Items"], filters),
            "Indicators:", "", *table(["Column", "Label", "Unit", "Decimal places"], indicators),
            "Footnotes:", "", *(f"- {text}" for text in notes), ""]


def _datasets(rel: ReleaseFiles, datasets: dict[str, Dataset]) -> list[str]:
    lines = ["## Data files", "",
             "Each data file is in the explore education statistics tidy format, with its meta file "
             "(`<dataset>.meta.csv`) describing every filter and indicator.", ""]
    for name, f in rel.files.items():
        lines += _dataset(f, datasets[name])
    for title in ("Symbols", "Datasets not published"):
        if rel.writer.get(title):
            lines += [f"## {title}", "", rel.writer[title], ""]
    return lines


def _api_names(rel: ReleaseFiles) -> list[str]:
    """The names the Department's data dictionary would need before the files can be API data sets: each file's
    columns it does not name, and the items of the filters it names that it does not hold (the screener's API rules,
    api_dict_col_name and api_dict_fil_item, find the same)."""
    import pandas as pd

    from .screen_rules.api_dict_col_name import non_dictionary_columns
    from .screen_rules.api_dict_fil_item import non_dictionary_items

    rows = []
    for name, f in rel.files.items():
        meta = pd.DataFrame(f.meta, dtype=str).fillna("")
        data = pd.DataFrame(f.rows, dtype=str).fillna("")
        columns = non_dictionary_columns(meta)
        items = non_dictionary_items(data, [m["col_name"] for m in f.column("Filter")])
        rows.append([f"`{name}.csv`", ", ".join(f"`{c}` ({k.lower()})" for k, c in columns) or "none",
                     "; ".join(f"`{c}`: {item}" for c, item in items) or "none"])
    if not rows:
        return []
    return ["## Names for the Department's API data sets", "",
            "The Department's data dictionary for API data sets does not yet hold these names; it would need them "
            "added (or the files would need to use names it holds) before the files can be API data sets. The "
            "screener warns about the same names.", "",
            *table(["File", "Columns not in the dictionary", "Filter items not in the dictionary"], rows)]


def compose(rel: ReleaseFiles, datasets: dict[str, Dataset]) -> str:
    """The data guidance and methodology of the release read into `rel`, as markdown."""
    parts = [_publication(), _about(), _timescales(), _coverage(rel), _disclosure(rel), _rounding(rel),
             _revisions(rel), _datasets(rel, datasets), _api_names(rel)]
    text = "\n".join(line for part in parts for line in part)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip("\n") + "\n"


def write_guidance(folder: Path, published: list[str], datasets: dict[str, Dataset] | None = None) -> Path:
    """data_guidance.md of the release in `folder`, from its own files (after the writer and revisions.py wrote
    theirs), and upload.zip written again so it carries it. `published`: the datasets with a published file."""
    folder = Path(folder)
    datasets = datasets or load_datasets()
    text = compose(read_release(folder, datasets), datasets)
    path = folder / GUIDANCE
    path.write_text(text, encoding="utf-8")
    write_upload(folder, published)
    return path
