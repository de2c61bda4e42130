"""Search: one box for every kind of ID, suggestions while typing, and the agent's recently
viewed customers and sessions. The models are imported here so db.create_all() sees them."""

from . import models  # noqa: F401
