"""Changes to one customer profile (attributes with a dry-run preview, audience memberships,
referral codes, erasure of personal data) and the object-history partial behind
templates/_history.html. Changes are sent through app.changes, shared with every other area."""
