"""Audiences area: list, create, rename, delete, members (one by one or bulk jobs), attributes.

Importing the models here lets db.create_all() see the bulk job tables (coupons use them too).
"""

from . import models  # noqa: F401
