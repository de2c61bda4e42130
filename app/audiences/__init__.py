"""Audiences area: list, create, rename, delete, members (one by one or bulk jobs), attributes."""
