"""Staff account administration: the /admin/users page (routes.py) and the `flask users ...`
CLI (cli.py), both on the app.auth.accounts functions; models.py holds the pending forced
password changes."""

from . import models  # noqa: F401  (so db.create_all() sees the table)
