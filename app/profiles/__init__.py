"""Changes to one customer profile (attributes with a dry-run preview, audience memberships,
referral codes, erasure of personal data) and the object-history partial behind
templates/_history.html. Changes are sent through app.upstream (audited changes, failure
messages and once-only submissions), shared with every other area."""
