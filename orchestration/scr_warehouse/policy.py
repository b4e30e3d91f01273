"""Readers for policy kept as data (dbt seeds) and configuration. Python code reads the same CSV files dbt loads,
through this module only, so each rule lives once. A setting missing from its seed is an error, never a default."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

from .paths import POLICY_SEEDS_DIR, REFERENCE_SEEDS_DIR


@dataclass(frozen=True)
class LandingColumn:
    feed: str
    column_name: str
    ordinal: int
    required: bool
    kind: str  # id, text, date, code, int, la_code, timestamp
    code_list: str | None
    min_value: int | None
    max_value: int | None
    is_identifier: bool
    correctable: bool


def _int_or_none(text: str) -> int | None:
    return int(text) if text.strip() else None


@lru_cache(maxsize=None)
def landing_columns() -> dict[str, tuple[LandingColumn, ...]]:
    """feed -> its columns in contract order (seeds/policy/landing_columns.csv)."""
    out: dict[str, list[LandingColumn]] = {}
    with open(POLICY_SEEDS_DIR / "landing_columns.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            col = LandingColumn(
                feed=row["feed"],
                column_name=row["column_name"],
                ordinal=int(row["ordinal"]),
                required=row["required"] == "Y",
                kind=row["kind"],
                code_list=row["code_list"] or None,
                min_value=_int_or_none(row["min_value"]),
                max_value=_int_or_none(row["max_value"]),
                is_identifier=row["is_identifier"] == "Y",
                correctable=row["correctable"] == "Y",
            )
            out.setdefault(col.feed, []).append(col)
    return {feed: tuple(sorted(cols, key=lambda c: c.ordinal)) for feed, cols in out.items()}


def identifier_columns(feed: str) -> tuple[str, ...]:
    """The column(s) that identify a record of the feed (population: la_code + year)."""
    return tuple(c.column_name for c in landing_columns()[feed] if c.is_identifier)


@lru_cache(maxsize=None)
def code_lists() -> dict[str, dict[str, str]]:
    """code_list -> {code: label} (seeds/policy/code_lists.csv)."""
    out: dict[str, dict[str, str]] = {}
    with open(POLICY_SEEDS_DIR / "code_lists.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            out.setdefault(row["code_list"], {})[row["code"]] = row["label"]
    return out


@lru_cache(maxsize=None)
def publication_settings() -> dict[str, str]:
    """setting -> value (seeds/policy/publication_settings.csv): disclosure threshold, GSS symbols, rate base,
    time identifier and country."""
    with open(POLICY_SEEDS_DIR / "publication_settings.csv", newline="", encoding="utf-8") as f:
        return {row["setting"]: row["value"] for row in csv.DictReader(f)}


def setting(name: str) -> str:
    """One publication setting; a setting the seed lacks stops the build with its name."""
    try:
        return publication_settings()[name]
    except KeyError:
        raise KeyError(f"seeds/policy/publication_settings.csv has no setting {name!r}") from None


def disclosure_threshold() -> int:
    """Counts from 1 to this value are primary-suppressed (contract 2.6)."""
    return int(setting("disclosure_threshold"))


def protection_whole_numbers() -> int:
    """How many whole numbers the range of every suppressed count must span (contract 2.6)."""
    return int(setting("protection_whole_numbers"))


def regional_rounding_base() -> int:
    """Regional counts are published rounded to this base (contract 2.6); 0 publishes them exactly."""
    return int(setting("regional_rounding_base"))


def earliest_plausible_date() -> str:
    """Event dates before this (YYYY-MM-DD) are invalid values; so are event dates after the day of the build."""
    return setting("earliest_plausible_date")


def dates_that_may_be_future() -> set[tuple[str, str]]:
    """(feed, column) of the dates that may lie after the day of the build (due and agreed dates)."""
    return {tuple(item.split(".", 1)) for item in setting("dates_that_may_be_future").split()}


def max_landing_file_bytes() -> int:
    """A landing file larger than this is rejected whole (read only to hash it): setting max_landing_file_mib."""
    return int(setting("max_landing_file_mib")) * (1 << 20)


@dataclass(frozen=True)
class TimescaleRule:
    rule: str  # notification_due, decision_due, completion_due
    applies_from: str  # YYYY-MM-DD or "" (open-ended)
    applies_to: str
    measured_from: str
    amount: int
    unit: str  # calendar_month, working_day
    source: str


@lru_cache(maxsize=None)
def timescale_rules() -> tuple[TimescaleRule, ...]:
    """The dated timescale rules (seeds/policy/timescale_rules.csv) the models judge timeliness by, in seed order."""
    with open(POLICY_SEEDS_DIR / "timescale_rules.csv", newline="", encoding="utf-8") as f:
        return tuple(TimescaleRule(r["rule"], r["applies_from"], r["applies_to"], r["measured_from"], int(r["amount"]),
                                   r["unit"], r["source"]) for r in csv.DictReader(f))


@dataclass(frozen=True)
class GuidanceItem:
    kind: str  # setting, definition, footnote, revisions_policy
    name: str  # a setting's name, a defined term, a footnote's dataset
    value: str
    source: str


@lru_cache(maxsize=None)
def release_guidance() -> tuple[GuidanceItem, ...]:
    """What the data guidance says beyond the figures (seeds/policy/release_guidance.csv): the release's settings
    (producer, contact, publication and next release dates), definitions, footnotes per dataset and the revisions
    policy, each with its source, in seed order."""
    with open(POLICY_SEEDS_DIR / "release_guidance.csv", newline="", encoding="utf-8") as f:
        return tuple(GuidanceItem(r["kind"], r["name"], r["value"], r["source"]) for r in csv.DictReader(f))


def release_setting(name: str) -> str:
    """One setting of seeds/policy/release_guidance.csv; a setting the seed lacks stops the build with its name."""
    for item in release_guidance():
        if item.kind == "setting" and item.name == name:
            return item.value
    raise KeyError(f"seeds/policy/release_guidance.csv has no setting {name!r}")


@lru_cache(maxsize=None)
def age_bands(band_set: str) -> dict[str, tuple[int, int] | None]:
    """band label -> (first month, last month) of one band set of seeds/policy/age_bands.csv, in sort order
    (None for a band without months, such as Not known)."""
    with open(POLICY_SEEDS_DIR / "age_bands.csv", newline="", encoding="utf-8") as f:
        rows = sorted((r for r in csv.DictReader(f) if r["band_set"] == band_set), key=lambda r: int(r["sort_order"]))
    return {r["band"]: (int(r["min_months"]), int(r["max_months"])) if r["min_months"] else None for r in rows}


@lru_cache(maxsize=None)
def bank_holidays() -> tuple[str, ...]:
    """England and Wales bank holidays, YYYY-MM-DD (seeds/policy/bank_holidays.csv)."""
    with open(POLICY_SEEDS_DIR / "bank_holidays.csv", newline="", encoding="utf-8") as f:
        return tuple(r["holiday_date"] for r in csv.DictReader(f) if r.get("holiday_date"))


@lru_cache(maxsize=None)
def reference_rows(name: str) -> tuple[dict[str, str], ...]:
    """The rows of a reference seed (seeds/reference/<name>.csv): LA codes, regions, the hex layout."""
    with open(REFERENCE_SEEDS_DIR / f"{name}.csv", newline="", encoding="utf-8-sig") as f:
        return tuple(csv.DictReader(f))


@lru_cache(maxsize=None)
def _seed_yml(path) -> dict:
    import yaml

    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}


@lru_cache(maxsize=None)
def seed_table(name: str) -> tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str | None, ...], ...]]:
    """A seed as dbt loads it, for SQL that runs outside the warehouse (`scr-warehouse check`): its schema (policy or
    reference), its columns with the types its yml gives (`column_types`; varchar otherwise) and its rows (an empty
    cell is NULL, as dbt loads it)."""
    for schema, folder in (("policy", POLICY_SEEDS_DIR), ("reference", REFERENCE_SEEDS_DIR)):  # noqa: B007 (returned)
        path = folder / f"{name}.csv"
        if path.exists():
            break
    else:
        raise KeyError(f"no seed {name!r} in seeds/policy or seeds/reference")
    types: dict[str, str] = {}
    for yml in sorted(folder.glob("_*.yml")):
        for seed in _seed_yml(yml).get("seeds", []):
            if seed.get("name") == name:
                types = (seed.get("config") or {}).get("column_types") or {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = tuple(tuple(v if v != "" else None for v in r) for r in reader if r)
    return schema, tuple((c, types.get(c, "varchar")) for c in header), rows


@lru_cache(maxsize=None)
def explorer_security() -> dict[str, int]:
    """The explorer's sign-in limits and session lifetimes, in seconds and counts (config/explorer_security.yml)."""
    import yaml

    from .paths import CONFIG_DIR

    doc = yaml.safe_load((CONFIG_DIR / "explorer_security.yml").read_text(encoding="utf-8"))
    return {key: int(value) for key, value in doc.items()}
