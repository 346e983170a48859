"""Every JSON answer the tests see is validated against the published schema
(docs/answer.schema.json): in-process through the hook in conftest.py, from a subprocess
through ``answer_from`` / ``records_from``."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_FILE = ROOT / "docs" / "answer.schema.json"


@cache
def _validator():
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA_FILE.read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_problems(data: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            for e in sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))]


_VALID: set[bytes] = set()  # digests of answers already validated (the 1,000-line batch asks many twice)


def assert_valid_answer(data: Any) -> Any:
    key = hashlib.sha256(json.dumps(data, sort_keys=True, default=repr).encode()).digest()
    if key not in _VALID:
        problems = schema_problems(data)
        assert not problems, "not a valid guize.answer/1 object:\n" + "\n".join(problems[:20])
        _VALID.add(key)
    return data


def answer_from(text: str) -> dict[str, Any]:
    """One JSON answer (``kb ask --json``), validated."""
    return assert_valid_answer(json.loads(text))


def records_from(text: str) -> list[dict[str, Any]]:
    """``kb batch --jsonl`` output: every answer validated; error and summary records kept as they are."""
    out = [json.loads(x) for x in text.splitlines() if x.strip()]
    for record in out:
        if "schema" in record:
            assert_valid_answer(record)
        else:
            assert set(record) <= {"error", "summary"}, record
    return out
