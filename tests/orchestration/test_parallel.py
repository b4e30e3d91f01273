"""fork_map: results in item order whatever the scheduling, work really done in other processes when asked, and
`beside` run once in the calling process in both the parallel and the serial path."""
import os

import pytest

from scr_warehouse.parallel import fork_map


@pytest.mark.parametrize("workers", [1, 2])
def test_fork_map_keeps_item_order_and_runs_beside_once(workers):
    ran = []
    items = list(range(7))
    out = fork_map(lambda i: (i * i, os.getpid()), items, workers=workers, cost=lambda i: i % 3,
                   beside=lambda: ran.append(os.getpid()))
    assert [v for v, _ in out] == [i * i for i in items]
    assert ran == [os.getpid()]
    pids = {pid for _, pid in out}
    if workers == 1:
        assert pids == {os.getpid()}
    else:
        assert os.getpid() not in pids


def test_fork_map_reraises_a_worker_error():
    def boom(i):
        if i == 2:
            raise ValueError("item 2")
        return i

    with pytest.raises(ValueError, match="item 2"):
        fork_map(boom, [0, 1, 2, 3], workers=2)


def test_fork_map_waits_for_the_imports_started_beside_dbt():
    """The build imports GX on a thread while dbt runs (scr_warehouse.preload); a fork in the middle of that import
    would give the workers a half-imported GX. In a fresh interpreter, a fork_map started right after the import
    begins gets workers that see GX whole."""
    import subprocess
    import sys
    import textwrap
    from pathlib import Path

    script = textwrap.dedent("""
        import sys
        from scr_warehouse import preload
        from scr_warehouse.parallel import fork_map
        assert "great_expectations" not in sys.modules
        preload.start()
        seen = fork_map(lambda i: hasattr(sys.modules.get("great_expectations"), "get_context"), [0, 1], workers=2)
        print(seen)
    """)
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), str(root / "orchestration")])}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[True, True]"
