"""Issue 27: a check that only informs (severity warn) and fails is counted in the build summary, not lost.
(No `from __future__ import annotations`: Dagster reads the checks' return annotations.)"""


def test_a_check_that_warns_is_counted_and_named_in_the_build_summary(tmp_path):
    from dagster import AssetCheckResult, AssetCheckSeverity, asset, asset_check, materialize

    from scr_warehouse.build import check_warnings
    from scr_warehouse.summary import build_summary

    @asset
    def queue() -> int:
        return 1

    @asset_check(asset=queue)
    def queue_key_unique() -> AssetCheckResult:
        return AssetCheckResult(passed=False, severity=AssetCheckSeverity.WARN)

    @asset_check(asset=queue)
    def queue_has_rows() -> AssetCheckResult:
        return AssetCheckResult(passed=True, severity=AssetCheckSeverity.WARN)

    @asset_check(asset=queue)
    def queue_columns() -> AssetCheckResult:
        return AssetCheckResult(passed=True)

    result = materialize([queue, queue_key_unique, queue_has_rows, queue_columns])
    assert result.success  # a warning never fails the run
    assert check_warnings(result) == ["queue:queue_key_unique"]
    out = {"warehouse": str(tmp_path / "warehouse.duckdb"), "release": str(tmp_path / "release"), "run_id": "r1",
           "warnings": check_warnings(result)}
    assert [line for line in build_summary(out, None) if line.startswith("warnings:")] == [
        "warnings:  1 check(s) warned: queue:queue_key_unique"]
    out["warnings"] = []
    assert "warnings:  0 check(s) warned" in build_summary(out, None)
