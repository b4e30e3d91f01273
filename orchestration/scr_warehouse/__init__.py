"""National statistics warehouse for notified child deaths and serious injuries and serious case reviews."""
import os

# No telemetry anywhere: the warehouse runs on machines with no network.
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
