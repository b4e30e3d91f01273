import sys

from .server import hash_cli, run

if sys.argv[1:2] == ["hash-password"]:
    raise SystemExit(hash_cli())
if len(sys.argv) >= 3:
    raise SystemExit(run(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 8050))
print("usage: python -m dashboards.explorer hash-password | WAREHOUSE RELEASE [PORT]", file=sys.stderr)
raise SystemExit(2)
