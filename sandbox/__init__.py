"""Talon Desk's embedded Talon.One: a stateful, spec-faithful emulator of the Integration API
and the Management API reads the console needs. Never imported by `app/`.

Layout (shaped like moto): models/ hold the state and the rules over it, api/ holds thin HTTP
handlers, errors.py the typed errors, app.py the WSGI app, server.py the threaded server used by
tests, engine.py and rules_*.py the rule engine, demo.py the deterministic demo data.
"""
