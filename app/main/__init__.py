"""The search home page and /healthz."""
