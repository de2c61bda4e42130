"""Search: one box for every kind of ID, and suggestions while typing."""
