-- the viewer's scoped views live in the session's own catalog, over the attached snapshot
select table_schema || '.' || table_name as name from information_schema.tables
where table_catalog = current_database()
