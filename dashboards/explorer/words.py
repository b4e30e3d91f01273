"""The restricted views' values in words for people: column names as labels, dates as "27 September 2011", yes and
no instead of True/False, the queue's problem codes in words, and values neutralised for spreadsheets shown as they
are (submissions.shown). Every table is an HTML table whose cells wrap, so it fits the page."""
from __future__ import annotations

import datetime as dt
import math
import re

from .submissions import shown

LABELS = {
    "feed": "Kind of record", "record_id": "Record", "la_code": "LA code", "la_name": "Local authority",
    "source_file": "File", "source_line": "Line", "column_name": "Column", "problem": "Problem", "value": "Value sent",
    "message": "What to do", "lscb_la_code": "LSCB's LA code", "chase": "What is late", "what_is_late": "What is late",
    "who_must_act": "Who must act", "incident_id": "Incident", "review_id": "Review", "due_date": "Was due",
    "days_overdue": "Days late", "as_of_date": "As of", "action_id": "Action", "agency": "Agency", "focus": "About",
    "lead_officer_named": "Lead officer named", "status": "Status", "incident_date": "Incident date",
    "incident_type": "Incident type", "children": "Children", "notified_date": "Notified",
    "notified_on_time": "Notified on time", "notification_due_date": "Notification due", "decision": "Decision",
    "decision_date": "Decided", "decision_due_date": "Decision due", "review_status": "Review status",
    "completion_date": "Completed", "completion_due_date": "Completion due", "stuck_at": "Where it is now",
    "la_aware_date": "LA aware", "chair_aware_date": "LSCB chair aware", "financial_year": "Financial year",
    "in_statistics": "In the statistics", "reviews": "Reviews", "decision_on_time": "Decision on time",
    "completed_on_time": "Completed on time", "evaluations": "Evaluations", "latest_grade": "Latest grade",
    "latest_evaluation_date": "Latest evaluation", "action_items": "Action items",
    "actions_completed": "Actions completed", "actions_overdue": "Actions overdue",
    "actions_outstanding": "Actions outstanding", "region_name": "Region",
}
PROBLEMS = {
    "missing_required": "Required value missing", "invalid_value": "Value not allowed",
    "invalid_date": "Not a real date", "date_order": "Dates in an impossible order",
    "unknown_reference": "Unknown code or record", "rejected_file": "File not loaded",
    "rejected_row": "Row not loaded", "rejected_correction": "Correction not applied",
}
FEEDS = {"notifications": "Notification", "reviews": "Review", "evaluations": "Evaluation", "actions": "Action",
         "corrections": "Correction", "population": "Population"}
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00:00)?$")


def label(column: str) -> str:
    return LABELS.get(column, column.replace("_", " ").capitalize())


def readable(value: object, column: str = "") -> str:
    """One value as a person reads it."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or type(value).__name__ == "NaTType":
        return ""
    if isinstance(value, bool) or str(value) in ("True", "False"):
        return "Yes" if str(value) == "True" else "No"
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, (dt.date, dt.datetime)):
        if isinstance(value, dt.datetime) and (value.hour, value.minute, value.second) != (0, 0, 0):
            return f"{value.day} {value:%B %Y, %H:%M}"
        return f"{value.day} {value:%B %Y}"
    text = shown(value)
    if column == "problem":
        return PROBLEMS.get(text, text)
    if column == "feed":
        return FEEDS.get(text, text)
    m = _ISO.match(text)
    if m and column not in ("value", "record_id"):
        try:
            d = dt.date(int(m[1]), int(m[2]), int(m[3]))
            return f"{d.day} {d:%B %Y}"
        except ValueError:
            return text
    return text


def table(html, rows: list[dict], columns: list[str], caption: str, extra=None):
    """An HTML table of rows in words (cells wrap, so it fits the page); `extra(i, row)` adds a last cell."""
    head = [html.Th(label(c), scope="col") for c in columns] + ([html.Th("Act", scope="col")] if extra else [])
    body = [html.Tr([html.Td(readable(r.get(c), c)) for c in columns] + ([html.Td(extra(i, r))] if extra else []))
            for i, r in enumerate(rows)]
    return html.Table([html.Caption(caption), html.Thead(html.Tr(head)), html.Tbody(body)], className="plain")


def field_label(html, text: str, for_id: str):
    """A form field's visible label, tied to its control (WCAG 1.3.1, 3.3.2)."""
    return html.Label(text, htmlFor=for_id, className="filter-label")
