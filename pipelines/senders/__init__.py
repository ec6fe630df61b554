"""The loop with the people who send the data (issue 13): templates to fill (templates.py), what
each sender owes and where it stands (obligations), the error lists of refused files and whom they
are for, and which accepted file replaced which. Built from the registry, the rows in force and the
verdicts of intake, before publication: the dashboard reads them from the snapshot, operations
(reminders, the overdue export) from the warehouse or the snapshot."""
