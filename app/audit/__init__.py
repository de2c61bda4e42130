"""The audit log page (/audit, managers and admins): filters, paging and the CSV export. Entries
are written by app.audit_log.record, from every area and the core."""
