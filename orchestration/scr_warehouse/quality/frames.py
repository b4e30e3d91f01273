"""The frames GX validates: one DuckDB query per feed gives the current text records, lineage and every `_chk_`
helper column (the date and whole-number patterns of the dbt macros, LA validity of int_las)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..ingest.parse import RECORD_ID_SEPARATOR
from ..policy import dates_that_may_be_future, earliest_plausible_date, identifier_columns, landing_columns
from .datadocs import html_escaped
from .suites import DATE_ORDER, FEED_RELATIONS, GX_FEEDS, REFERENCES, REQUIRED_WHEN, ROW, _chk

# ---------------------------------------------------------------------------------------------------------------
# Frames: one DuckDB query per feed gives the text records, lineage and every `_chk_` helper column, so the rules
# are evaluated set-wise in the warehouse (the date and whole-number patterns are those of the dbt macros
# parse_date and parse_int_in_range, LA validity that of int_las) and pandas only carries the result to GX.

# Where the current (corrected) text records of each feed are.
_SOURCES = {**FEED_RELATIONS, "population": "staging.stg_population"}
LA_COLUMN = {"notifications": "la_code", "reviews": "lscb_la_code", "population": "la_code"}
RECORD_LA = "_record_la_code"  # the LA a record belongs to, for the per-LA queue


def _date_sql(expr: str) -> str:
    """As the dbt macro parse_date: ISO YYYY-MM-DD or DD/MM/YYYY, impossible dates NULL."""
    return (f"(case when regexp_full_match({expr}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
            f"then try_strptime({expr}, '%Y-%m-%d') "
            f"when regexp_full_match({expr}, '[0-9]{{2}}/[0-9]{{2}}/[0-9]{{4}}') "
            f"then try_strptime({expr}, '%d/%m/%Y') end)")


def _int_sql(expr: str) -> str:
    """As the dbt macro parse_int_in_range without bounds (GX checks the bounds)."""
    return f"(case when regexp_full_match({expr}, '[+-]?[0-9]{{1,9}}') then try_cast({expr} as bigint) end)"


def _la_valid_sql(code: str, at: str | None) -> str:
    """NULL when the code is missing; an English LA code valid at the date (any date when there is none)."""
    ever = f"exists (select 1 from _las l where l.la_code = {code})"
    if at is None:
        return f"(case when {code} is null then null else {ever} end)"
    return (f"(case when {code} is null then null when not {ever} then false when {at} is null then true "
            f"else exists (select 1 from _las l where l.la_code = {code} "
            f"and (l.valid_from is null or {at} >= l.valid_from) and (l.valid_to is null or {at} <= l.valid_to)) end)")


def _relation_exists(con, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return bool(con.execute("select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
                            [schema, name]).fetchall()[0][0])


def _text_relation(con, feed: str) -> str:
    """SQL for the feed's current text records with lineage (an empty relation when the feed is not built)."""
    cols = [c.column_name for c in landing_columns()[feed]]
    if _relation_exists(con, _SOURCES[feed]):
        select = ", ".join(f'cast("{c}" as varchar) as "{c}"' for c in cols)
        return f"select {select}, cast(_source_file as varchar) as _source_file, _source_line from {_SOURCES[feed]}"
    select = ", ".join(f'cast(null as varchar) as "{c}"' for c in cols)
    return f"select {select}, cast(null as varchar) as _source_file, cast(null as integer) as _source_line where false"


def frame_sql(con, feed: str) -> str:
    """The query giving the frame GX validates for one feed: text columns, lineage, `_chk_` helper columns and the
    record's LA."""
    ctes = {f: _text_relation(con, f) for f in ("notifications", "reviews", feed)}
    has_las = _relation_exists(con, "intermediate.int_las")
    las = ("select la_code, valid_from, valid_to from intermediate.int_las" if has_las
           else "select cast(null as varchar) as la_code, cast(null as date) as valid_from, "
                "cast(null as date) as valid_to where false")
    with_sql = ", ".join([f"_las as ({las})", *(f"_{f} as ({sql})" for f, sql in ctes.items())])
    out = ["t.*", *_column_checks(feed)]
    joins: list[str] = []
    _add_date_order_checks(feed, out, joins)
    for f, column, when, value in REQUIRED_WHEN:
        if f == feed:
            out.append(f"(case when t.\"{when}\" = '{value}' then t.\"{column}\" is not null end) "
                       f'as "{_chk("present", column)}"')
    if feed in REFERENCES:
        column, target = REFERENCES[feed]
        tid = "incident_id" if target == "notifications" else identifier_columns(target)[0]
        out.append(f'(case when t."{column}" is null then null else exists (select 1 from _{target} k '
                   f'where k."{tid}" = t."{column}") end) as "{_chk("known", column)}"')
    _add_record_la(feed, out, joins)
    return (f"with {with_sql} select {', '.join(out)} from _{feed} t {' '.join(joins)} "
            f"order by t._source_file, t._source_line")


def _column_checks(feed: str) -> list[str]:
    """The `_chk_` columns of each landing column on its own: a whole number's value, a date's being a real date
    and its lying in the plausible window."""
    out = []
    for c in landing_columns()[feed]:
        col = f't."{c.column_name}"'
        if c.kind == "int":
            out.append(f'{_int_sql(col)} as "{_chk("int", c.column_name)}"')
        elif c.kind == "date":
            out.append(f'(case when {col} is null then null else {_date_sql(col)} is not null end) '
                       f'as "{_chk("real", c.column_name)}"')
            latest = "" if (feed, c.column_name) in dates_that_may_be_future() else " and d <= current_date"
            out.append(f"(select d >= date '{earliest_plausible_date()}'{latest} "
                       f'from (select cast({_date_sql(col)} as date) as d)) as "{_chk("window", c.column_name)}"')
    return out


def _add_date_order_checks(feed: str, out: list[str], joins: list[str]) -> None:
    """The parsed dates of the feed's DATE_ORDER rules (each date once), and the join a review's completion date
    needs."""
    dated: set[str] = set()  # a date in two rules (decision_date) is parsed once
    for f, earlier, later in DATE_ORDER:
        if f == feed:
            for col in (earlier, later):
                if col in dated:
                    continue
                dated.add(col)
                if col == "review_completion_date":
                    joins.append("left join (select review_id, max(" + _date_sql("completion_date") + ") as d "
                                 "from _reviews group by review_id) _rc on _rc.review_id = t.review_id")
                    out.append(f'_rc.d as "{_chk("date", col)}"')
                else:
                    out.append(f'{_date_sql("t." + col)} as "{_chk("date", col)}"')


def _add_record_la(feed: str, out: list[str], joins: list[str]) -> None:
    """The record's LA (RECORD_LA), and for a feed with an LA column its validity; with the joins they need."""
    la_col = LA_COLUMN.get(feed)
    if la_col:
        at = None
        if feed == "notifications":
            at = _date_sql("t.incident_date")
        elif feed == "reviews":
            # As int_reviews.lscb_la_valid: at the reviewed incident's date, else when the chair knew.
            joins.append("left join (select incident_id, min(" + _date_sql("incident_date") + ") as d "
                         "from _notifications group by incident_id) _inc on _inc.incident_id = t.incident_id")
            at = f"coalesce(_inc.d, {_date_sql('t.chair_aware_date')})"
        out.append(f'{_la_valid_sql("t." + la_col, at)} as "{_chk("valid", la_col)}"')
        out.append(f"t.{la_col} as {RECORD_LA}")
    else:  # evaluations, actions: the evaluated/actioned review's LSCB
        joins.append("left join (select review_id, max(lscb_la_code) as la from _reviews group by review_id) _rl "
                     "on _rl.review_id = t.review_id")
        out.append(f"_rl.la as {RECORD_LA}")


def read_frames(con, feeds: tuple[str, ...] | list[str] = GX_FEEDS) -> dict[str, pd.DataFrame]:
    """The frame of every GX feed (see frame_sql). Text columns other than identifiers arrive as pandas
    categoricals straight from Arrow (no Python string per cell), which is also what makes GX fast on them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    frames = {}
    for feed in feeds:
        table = con.sql(frame_sql(con, feed)).to_arrow_table()
        ids = set(identifier_columns(feed))
        for i, name in enumerate(table.column_names):
            typ = table.schema.field(i).type
            if name not in ids and name != "_source_file" and (pa.types.is_string(typ) or pa.types.is_boolean(typ)):
                table = table.set_column(i, name, pc.dictionary_encode(table.column(i)))
        df = table.to_pandas()
        for c in df.columns:
            if c in ids or c == "_source_file":
                df[c] = df[c].astype(object).where(df[c].notna(), None)
        df.insert(0, ROW, np.arange(len(df), dtype=np.int64))
        frames[feed] = df
    return frames


def record_ids(feed: str, df: pd.DataFrame) -> pd.Series:
    ids = identifier_columns(feed)
    if len(ids) == 1:
        return df[ids[0]].astype("object")
    return df[list(ids)].astype(str).agg(RECORD_ID_SEPARATOR.join, axis=1)


def gx_frame(feed: str, frame: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """Only what the suite reads, the identifiers and the row number, HTML-escaped (see Validator.validate)."""
    used = {ROW, *identifier_columns(feed)}
    for e in spec["expectations"]:
        k = e["kwargs"]
        used |= {k.get("column"), k.get("column_A"), k.get("column_B"), *k.get("column_list", [])}
    return html_escaped(frame[[c for c in frame.columns if c in used]])
