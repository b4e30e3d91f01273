"""The one resource every asset shares: where the landing folder, warehouse and release are, and the as-of date."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource


class WarehouseConfig(ConfigurableResource):
    landing_dir: str
    warehouse_path: str
    release_dir: str
    as_of: str = ""  # YYYY-MM-DD; empty means today

    @property
    def as_of_date(self) -> dt.date:
        return dt.date.fromisoformat(self.as_of) if self.as_of else dt.date.today()

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def release(self) -> Path:
        return Path(self.release_dir)

    @property
    def release_cache(self) -> Path:
        """Protected periods kept between builds (unsuppressed counts: beside the warehouse, not in the release)."""
        return Path(self.warehouse_path + ".release-cache")

    @contextmanager
    def connect(self, read_only: bool = False):
        """A DuckDB connection to the warehouse file, closed on exit (DuckDB allows one writer process)."""
        Path(self.warehouse_path).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(self.warehouse_path, read_only=read_only)
        try:
            yield con
        finally:
            con.close()

