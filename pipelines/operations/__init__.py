"""Operations: what runs on its own (sensors, schedules), what happens when a run fails, and
what goes out (error workbooks to senders, the monthly briefing, the list of overdue reports)."""
