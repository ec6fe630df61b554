"""Benchmarks of Kejiao 2030 at city and national scale (issue #6); run with `make bench`.

They report, never assert: see benchmarks/README.md and docs/scaling.md.
"""
