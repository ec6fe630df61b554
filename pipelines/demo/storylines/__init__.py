"""What the demo's senders send: one storyline per report type, then the files that are not reports.

Each storyline is a function `(inbox, world) -> None` writing its files into the inbox. They all
draw from one random generator, in the order of `STORYLINES`: changing the order, or what one
draws, changes every file after it (`make seeds` then regenerates seeds/demo).
"""

from __future__ import annotations

from pipelines.demo.storylines.not_reports import not_reports
from pipelines.demo.storylines.r0_registry import r0_registry
from pipelines.demo.storylines.r1_science_high_schools import r1_science_high_schools
from pipelines.demo.storylines.r2_flagship_bases import r2_flagship_bases
from pipelines.demo.storylines.r3_youth_programme import r3_youth_programme
from pipelines.demo.storylines.r4_alliance import r4_alliance
from pipelines.demo.storylines.r5_annual_reports import r5_annual_reports

STORYLINES = (
    r0_registry,
    r1_science_high_schools,
    r2_flagship_bases,
    r3_youth_programme,
    r4_alliance,
    r5_annual_reports,
    not_reports,
)
