"""Staff account administration: the /admin/users page (routes.py) and the `flask users ...`
CLI (cli.py), both on the app.auth.accounts functions."""
