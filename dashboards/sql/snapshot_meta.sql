select as_of, published_at from meta.snapshot order by published_at desc limit 1
