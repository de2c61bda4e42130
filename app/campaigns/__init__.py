"""Campaigns area: the campaign test bench, saved test cases and suites.

Importing the models here lets db.create_all() see their tables.
"""

from . import models  # noqa: F401
