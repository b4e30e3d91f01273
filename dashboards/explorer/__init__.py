"""The analysts' explorer: a Dash app served by waitress (`scr-warehouse explore --warehouse W --release R`).

Published views read the PUBLISHED release files only (`<release>/<dataset>.csv`, disclosure control applied).
Restricted views (one incident's journey from marts.incident_journey; an LA's stewards' queue from
`<release>/quality/by_la/<la>.csv`) exist only when users are configured: SCR_EXPLORER_USERS names a YAML file of
users with salted password hashes and roles (see config/explorer_users.example.yml). There are no default
passwords; without a valid users file the restricted views are not built at all. Every restricted callback checks
the signed-in user's role on the server. DuckDB is opened read-only.

Modules: auth (users, sign-in limits, sessions), views (what each view shows, cached), app (layout, URL state,
callbacks), server (waitress). Make a password hash with `scr-warehouse hash-password`."""
from .auth import Gate, User, UsersError, hash_password, load_users, verify_password
from .server import run

__all__ = ["Gate", "User", "UsersError", "hash_password", "load_users", "run", "verify_password"]
