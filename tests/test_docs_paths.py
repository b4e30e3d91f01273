"""Every repository path the docs name exists: docs/*.md, README.md, config/*.yml, the dbt models and macros, and the
docstrings and comments of the Python code. A reader who follows `release/screener.py` or a test file named in a
doc must find it.

A path counts when it starts with a folder of this repository (or of the package, for `quality/frames.py`-style
names) and is found from the repository root, `orchestration/`, `orchestration/scr_warehouse/`, `dashboards/`,
`dbt_project/`, or the naming file's own folder. Paths with placeholders (`<release>/...`, `*.csv`, `{name}`) name
outputs and are not checked."""
from __future__ import annotations

import ast
import io
import re
import tokenize
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "orchestration" / "scr_warehouse"
BASES = (ROOT, ROOT / "orchestration", PACKAGE, ROOT / "dashboards", ROOT / "dbt_project")
# First segments that make a token a repository path (any extension): the repository's own folders.
TOP = {"orchestration", "dashboards", "tests", "tools", "docs", "config", "dbt_project", "scr_warehouse", "models",
       "macros", "seeds", "expectations", ".ci"}
EXT = r"(?:py|md|yml|yaml|sql|csv|toml|json|js|html|css|txt|cfg)"
# A path token: segments joined by '/', ending in a file with a known extension; placeholders are caught whole.
TOKEN = re.compile(r"(?<![\w./<>*{}$-])[\w.<>*{}$-]+(?:/[\w.<>*{}$-]+)+\." + EXT + r"\b")
PLACEHOLDER = re.compile(r"[<>*{}$]")


def _python_prose(path: Path) -> str:
    """The docstrings and comments of one Python file."""
    text = path.read_text(encoding="utf-8")
    parts = [t.string for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type == tokenize.COMMENT]
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node, clean=False)
            if doc:
                parts.append(doc)
    return "\n".join(parts)


def _sources() -> list[Path]:
    files = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "config").glob("*.yml"))]
    for folder in ("models", "macros", "tests"):
        files += sorted(p for p in (ROOT / "dbt_project" / folder).rglob("*") if p.suffix in (".sql", ".yml"))
    for folder in ("orchestration", "dashboards", "tests", "tools"):
        files += sorted(p for p in (ROOT / folder).rglob("*.py") if "__pycache__" not in p.parts)
    return files


def _prose(path: Path) -> str:
    return _python_prose(path) if path.suffix == ".py" else path.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _subpackages() -> frozenset[str]:
    return frozenset(p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists())


def named_paths(text: str) -> list[str]:
    """The repository paths one text names (placeholders and non-repository paths left out)."""
    out = []
    for token in TOKEN.findall(text):
        token = token.lstrip("./")
        first = token.split("/", 1)[0]
        if PLACEHOLDER.search(token) or "://" in token:
            continue
        if first in TOP or (first in _subpackages() and token.endswith(".py")):
            out.append(token)
    return out


def exists(token: str, named_in: Path) -> bool:
    return any((base / token).exists() for base in (*BASES, named_in.parent))


def test_named_paths_finds_what_a_doc_names():
    text = ("see `scr_warehouse/release.py`, tests/release/test_screener.py and quality/frames.py; "
            "not <release>/restricted/x.csv, landing/*.csv, data/demo/x.csv or quality/steward_queue.csv")
    assert named_paths(text) == ["scr_warehouse/release.py", "tests/release/test_screener.py", "quality/frames.py"]
    assert not exists("scr_warehouse/release.py", ROOT / "README.md")
    assert exists("scr_warehouse/release/screener.py", ROOT / "README.md")


def test_every_path_the_docs_name_exists():
    missing = []
    for path in _sources():
        for token in named_paths(_prose(path)):
            if not exists(token, path):
                missing.append(f"{path.relative_to(ROOT)}: {token}")
    if missing:
        pytest.fail("paths named in docs, config or docstrings that do not exist:\n" + "\n".join(sorted(set(missing))))
