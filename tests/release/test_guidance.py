"""The data guidance and methodology (issue 26, item 1; scr_warehouse/release/guidance.py), on releases the real
writer wrote from marts in a real DuckDB (the evaluations of tests/release/test_release_writer.py): a first release,
then a second after a late return changed one local authority's grades, compared by revisions.py for real. Every
figure the guidance gives is looked up in the release's own files (published and meta files, disclosure_audit.json,
revisions_summary.json) or in the policy seeds it quotes; the writer's own sections are kept as the writer wrote
them; upload.zip carries the guidance."""
from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import pytest

from scr_warehouse import policy
from scr_warehouse.paths import POLICY_SEEDS_DIR
from scr_warehouse.release import guidance, load_datasets, revisions, write_release
from scr_warehouse.release.writer import AUDIT, GUIDANCE, UPLOAD

from tests.release.test_release_writer import warehouse

NAMES = ("review_evaluations", "review_actions")
# a date, a financial year label, or a number (thousands separators, decimals)
NUMBER = re.compile(r"\d{4}-\d{2}-\d{2}|(?<![\d.])\d{4}-\d{2}(?![\d-])|(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w])")


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """(first, second) release folders; the second after a late return for Hartlepool in 2010-11."""
    root = tmp_path_factory.mktemp("guidance")
    datasets = {k: v for k, v in load_datasets().items() if k in NAMES}
    con = warehouse(root)
    first, second = root / "first", root / "second"
    write_release(con, first, datasets)
    revisions.write_revisions(first, None)
    guidance.write_guidance(first, ["review_evaluations"], datasets)
    # the late return: two more good reviews for Hartlepool in 2010-11 (its LA, region and England rows)
    con.execute("""update marts.release_review_evaluations set reviews = reviews + 2
                   where time_period = 201011 and grade in ('Total', 'Good')
                   and coalesce(new_la_code, 'E06000001') = 'E06000001'""")
    write_release(con, second, datasets)
    revisions.write_revisions(second, first)
    guidance.write_guidance(second, ["review_evaluations"], datasets)
    return first, second


def _numbers_in(text: str) -> set[str]:
    return set(NUMBER.findall(text))


def _json_numbers(value) -> set[str]:
    """Every number of a JSON document, and the sum of every object of numbers (a total over datasets)."""
    out: set[str] = set()
    if isinstance(value, dict):
        nums = [v for v in value.values() if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if nums:
            out.add(f"{sum(nums):g}")
        for v in value.values():
            out |= _json_numbers(v)
    elif isinstance(value, list):
        for v in value:
            out |= _json_numbers(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out |= {f"{value:g}", f"{value:,}"}
    elif isinstance(value, str):
        out |= _numbers_in(value)
    return out


def _release_numbers(folder: Path) -> set[str]:
    """Every number the release's own files hold (cells and labels of the published and meta files, the time periods
    as labels, each file's rows and years), its audit and revisions summary, and the seeds the guidance quotes."""
    out: set[str] = set()
    for path in folder.glob("*.csv"):
        if path.name == revisions.REVISIONS:
            continue
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        for r in rows:
            for v in r.values():
                out |= _numbers_in(v) | {v}
        periods = {r["time_period"] for r in rows if "time_period" in r}
        out |= {f"{p[:4]}-{p[4:]}" for p in periods} | {str(len(rows)), str(len(periods))}
    for name in (AUDIT, revisions.SUMMARY):
        out |= _json_numbers(json.loads((folder / name).read_text(encoding="utf-8")))
    for seed in ("release_guidance.csv", "timescale_rules.csv", "publication_settings.csv"):
        out |= _numbers_in((POLICY_SEEDS_DIR / seed).read_text(encoding="utf-8"))
    return out


def _own_text(folder: Path) -> str:
    """The guidance less the sections the writer wrote (checked apart: kept as written)."""
    text = (folder / GUIDANCE).read_text(encoding="utf-8")
    for body in guidance.read_release(folder, load_datasets()).writer.values():
        text = text.replace(body, "")
    return text


def test_every_figure_in_the_guidance_is_the_releases_own(releases):
    for folder in releases:
        known = _release_numbers(folder)
        found = _numbers_in(_own_text(folder))
        assert found, "the guidance gives no figures at all"
        assert sorted(found - known) == [], f"{folder.name}: figures the release's files do not hold"


def test_the_audit_and_the_revisions_are_told_with_their_own_numbers(releases):
    first, second = releases
    for folder in releases:
        audit = json.loads((folder / AUDIT).read_text(encoding="utf-8"))
        text = (folder / GUIDANCE).read_text(encoding="utf-8")
        assert (f"Count cells published: {sum(audit['count_cells'].values())}; suppressed: {audit['suppressed']} "
                f"({audit['primary']} primary, {audit['suppressed'] - audit['primary']} secondary)") in text
        assert f"fewer than {audit['whole_numbers_required']} whole numbers" in text
        assert f"given everything published: {audit['narrowest_whole_numbers']} whole numbers" in text
        assert f"narrowed too far: {audit['failing_count']}." in text
        assert f"rounded to the nearest {audit['regional_rounding_base']}, half up ({audit['rounded_cells']} " in text
        for name, n in audit["count_cells"].items():
            if not (folder / f"{name}.csv").is_file():
                assert f"| `{name}` |" not in text  # not published: no row
                continue
            row = (f"| `{name}` | {n} | {audit['primary_by_dataset'][name]} | "
                   f"{audit['secondary_by_dataset'][name]} |")
            assert row in text.splitlines(), row
    assert "first release of these statistics" in (first / GUIDANCE).read_text(encoding="utf-8")
    summary = json.loads((second / revisions.SUMMARY).read_text(encoding="utf-8"))
    with open(second / revisions.REVISIONS, newline="", encoding="utf-8") as f:
        changed = list(csv.DictReader(f))
    assert changed and summary["cells_changed"] == len(changed)
    text = (second / GUIDANCE).read_text(encoding="utf-8")
    assert f"- {len(changed):,} published cells changed since the previous release" in text
    lines = text.splitlines()
    assert lines.count("## Revisions") == 1 and lines.count("### Revisions since the previous release") == 1


def test_policy_words_come_from_the_seeds_and_the_writers_sections_are_kept(releases):
    _, second = releases
    text = (second / GUIDANCE).read_text(encoding="utf-8")
    for item in policy.release_guidance():
        if item.kind == "setting" and item.name != "release_frequency":
            assert item.value in text, item.name
        if item.kind == "definition":
            assert f"**{item.name}**: {item.value}" in text
        if item.kind == "footnote":
            assert (f"- {item.value}" in text) == (item.name == "review_evaluations"), item.value
    for rule in policy.timescale_rules():
        assert f"within {rule.amount} " in text and rule.source in text
    kept = guidance.read_release(second, load_datasets()).writer
    assert set(kept) == {"Publication policy", "Symbols", "Datasets not published"}
    assert all(body in text for body in kept.values())
    assert "`review_actions` (Action-plan items" in text.split("## Datasets not published")[1]
    with zipfile.ZipFile(second / UPLOAD) as z:
        assert z.read(GUIDANCE).decode("utf-8") == text


def test_each_datasets_filters_and_indicators_are_its_files(releases):
    _, second = releases
    text = (second / GUIDANCE).read_text(encoding="utf-8")
    with open(second / "review_evaluations.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    items = "; ".join(dict.fromkeys(r["grade"] for r in rows))
    assert "| `grade` | Grade |" in text and f"| {items} |" in text
    with open(second / "review_evaluations.meta.csv", newline="", encoding="utf-8") as f:
        for m in csv.DictReader(f):
            if m["col_type"] == "Indicator":
                unit = m["indicator_unit"] or "number"
                assert f"| `{m['col_name']}` | {m['label']} | {unit} | {m['indicator_dp']} |" in text
    assert f"- Rows: {len(rows)}; geographic levels: National, Regional, Local authority; time periods: 2009-10 to " \
           "2010-11 (2 financial years)." in text


def test_a_value_from_a_file_cannot_break_the_guidances_tables():
    assert guidance.table(["a", "b"], [["x | y", "line\nbreak"]])[2] == "| x \\| y | line break |"


def test_the_names_the_department_would_need_are_those_the_screener_warns_about(releases):
    """Issue 26: the guidance lists the names the Department's data dictionary would need; the screener's API rules
    warn about exactly these (and nothing else warns)."""
    from scr_warehouse.release import screener

    _, second = releases
    text = (second / GUIDANCE).read_text(encoding="utf-8")
    section = text.split("## Names for the Department's API data sets")[1]
    results = screener.screen_results(second)
    assert {r.rule for r in results} == {"api_dict_col_name", "api_dict_fil_item"}
    warned_columns = re.findall(r"'(\w+)'", next(r.message for r in results if r.rule == "api_dict_col_name"))
    warned_items = re.findall(r"'(\w+) / ([^']+)'", next(r.message for r in results if r.rule == "api_dict_fil_item"))
    row = next(line for line in section.splitlines() if line.startswith("| `review_evaluations.csv`"))
    columns, items = row.split(" | ")[1:3]
    assert sorted(re.findall(r"`(\w+)` \(", columns)) == sorted(warned_columns)
    assert sorted(re.findall(r"`(\w+)`: ([^;|]+?)(?:;|\s*\|?$)", items)) == sorted(warned_items)
