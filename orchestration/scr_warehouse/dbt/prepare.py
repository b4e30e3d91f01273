"""dbt outside a build: parse the project once (the manifest Dagster loads), tell when that manifest is stale, and
write the dbt docs site of a built warehouse."""
from __future__ import annotations

from pathlib import Path

from .project import scr_dbt_project
from .resource import dbt_resource, parse_warehouse, warehouse_env


def prepare() -> Path:
    """Parse the dbt project so Dagster can load its manifest (make install runs this once)."""
    with warehouse_env(parse_warehouse()):
        dbt_resource().cli(["parse", "--quiet"], target_path=Path("target")).wait()
    return scr_dbt_project.manifest_path


def write_dbt_docs(warehouse: str, out_dir: str) -> Path:
    """Generate the dbt docs site for a built warehouse as one self-contained page (no network needed)."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, warehouse_env(warehouse):
        dbt_resource().cli(["docs", "generate", "--static"], target_path=Path(tmp)).wait()
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(tmp) / "static_index.html", out / "index.html")
    return out / "index.html"


def manifest_stale(project) -> bool:
    """True when the dbt manifest is missing or older than any file of the dbt project."""
    manifest = Path(project.manifest_path)
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    root = Path(project.project_dir)
    files = [root / "dbt_project.yml",
             *[p for d in ("models", "seeds", "macros", "tests") for p in (root / d).rglob("*")]]
    return any(p.is_file() and p.stat().st_mtime > built for p in files)
