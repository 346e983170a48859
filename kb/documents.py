"""Seed documents by title, for people: "快手快分销准入 · 004", never "004_ab237df4ce40d813.txt".

The seeds are not shipped (only their quotes are), so their titles live here, read from each
seed's own page title. A rule file citing a document not listed shows its three-digit number.
"""

from __future__ import annotations

import os

# The documents' own titles (Chinese, as published), the same in every answer language.
_TITLES: dict[str, str] = {
    "000": "京东会员通接入",
    "001": "京东开卡有礼",
    "002": "京东POP开店与售后协商",
    "003": "京东京任务整合营销权限",
    "004": "快手快分销准入",
}


def document_number(file: str) -> str:
    """The seed's number: "004" for "004_ab237df4ce40d813.txt" (the whole name when it has none)."""
    head = file.split("_", 1)[0]
    return head if head.isdigit() else file


def document_title(file: str, lang: str = "en") -> str:
    """The document as people name it: its title and number (``lang`` is for a translated
    title; the titles kept are the published Chinese ones)."""
    number = document_number(file)
    title = _TITLES.get(number)
    return f"{title} · {number}" if title else number


def display_path(path: str) -> str:
    """A file as the user named it, never an absolute path: relative to the working directory
    when it is under it, else its name ("facts/examples/x.dl:3:1" stays as it is)."""
    file, sep, rest = path.partition(":") if not path.startswith("<") else (path, "", "")
    if not os.path.isabs(file):
        return path
    try:
        rel = os.path.relpath(file)
    except ValueError:  # another drive
        rel = file
    shown = rel if not rel.startswith("..") else os.path.basename(file)
    return shown + sep + rest
