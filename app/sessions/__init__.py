"""The session pages: the session itself, the dry-run preview, returns, reopen and cancel."""
