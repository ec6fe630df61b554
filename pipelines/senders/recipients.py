"""Whom a refused file's error workbook is for, and its name in the outbox."""

from __future__ import annotations

import json
import re
from pathlib import Path

SUFFIX = "_错误清单.xlsx"
STEM_MAX_BYTES = 120


def recipient_of(inbox_path: str | None, sender: str | None) -> str:
    """Who a submission's error workbook is for, from the channel it came through:
    `upload:<identity>`, `district:<code>`, `data_team`, or `unknown`."""
    top = (inbox_path or "").split("/")[0] if "/" in (inbox_path or "") else ""
    if sender:
        try:
            return f"upload:{json.loads(sender)['identity']}"
        except (ValueError, KeyError, TypeError):
            return "unknown"
    if top == "datateam":
        return "data_team"
    if re.fullmatch(r"\d{6}", top):
        return f"district:{top}"
    return "unknown"


def workbook_name(submission_id: str, original_name: str) -> str:
    """The error workbook's file name in the outbox: the id's first 8 characters and the file's stem."""
    stem = Path(original_name).stem
    stem = re.sub(r"[\\/:*?\"<>|\x00-\x1f]+", "_", stem).strip(" .") or "file"
    # a file system takes 255 bytes a name: the stem keeps at most 120 bytes of UTF-8 (whole
    # characters), which leaves room for the id, the suffix and the temporary name's additions
    stem = stem[:80].encode("utf-8")[:STEM_MAX_BYTES].decode("utf-8", "ignore")
    return f"{submission_id[:8]}_{stem}{SUFFIX}"
