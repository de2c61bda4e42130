"""Logins: the /login and /logout views (routes.py), accounts (accounts.py) and the
Flask-Login wiring (session.py)."""
