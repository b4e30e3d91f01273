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
