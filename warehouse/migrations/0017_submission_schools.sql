-- The schools a file's rows are sent for (R1 school, R2 host school, R3 host university, R5
-- school), as resolved while judging it, accepted or not: a file refused as a whole through the
-- shared inbox is then visible to the school it was for (issue 16 #7). NULL for files judged
-- before this column, and for files with no such rows (registry, alliance roster, unreadable).
alter table raw.submissions add column if not exists schools_named varchar[];
