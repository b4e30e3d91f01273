"""The quality stage: GX suites generated from the policy seeds (suites), the frames GX validates (frames),
validation and quality.gx_failures (validate), offline and escaped Data Docs (datadocs), the stewards' files
(stewards) and the Dagster assets (assets)."""
from .datadocs import external_references, html_escaped, make_offline
from .frames import read_frames
from .suites import (
                     FEED_RELATIONS,
                     GX_FAILURE_COLUMNS,
                     GX_FEEDS,
                     PROBLEMS,
                     generate_suite,
                     load_suite,
                     suite_json,
                     suite_path,
                     write_suites,
)
from .validate import feed_groups, validate_all, write_failures

__all__ = ["FEED_RELATIONS", "GX_FAILURE_COLUMNS", "GX_FEEDS", "PROBLEMS", "external_references", "feed_groups",
           "generate_suite", "html_escaped", "load_suite", "make_offline", "read_frames", "suite_json", "suite_path",
           "validate_all", "write_failures", "write_suites"]
