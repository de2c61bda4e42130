"""Bulk jobs: a list of profile IDs applied to Talon.One in chunks, with an outcome per row.

    reader.py   reading the list (an uploaded CSV or a pasted list): bounded, UTF-8 only, every
                unusable row kept with its reason; the form part shared by the bulk forms
    models.py   the app-database tables: a job and its staged rows
    claims.py   work claimed one step at a time and a run finished once (bulk jobs and the test
                bench's suite runs both step this way)
    tasks.py    the job in the queue's worker: one step per task, recovery of stopped chains
    notices.py  the owner's notice on their next page
    jobs.py     the engine: stage a job, step it one chunk at a time, pause, resume, cancel; what a kind of
                job does (Operation) and the per-app registry of them
    pages.py    the job pages an area mounts under its own URL and permission

Nothing registers itself on import: an area names its operations when it mounts the job pages
(pages.mount_job_pages), and they join the app's registry when create_app registers that
area's blueprint. The queue's worker steps a job (tasks.py), one chunk per task; the job page
only shows its progress.
"""
