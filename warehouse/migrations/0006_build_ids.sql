-- 0006: each indicator build is named, with the build before it and the annual-report years it
-- recomputed, so that publishing can bring the previous snapshot's units up to date instead of
-- copying them all (pipelines/publish/snapshot.py).
alter table meta.indicator_build add column build_id varchar;
alter table meta.indicator_build add column previous_build_id varchar;
alter table meta.indicator_build add column recomputed integer[];  -- null: every year of everything
