"""The answer schema as a contract: docs/answer.schema.json, the codec that writes and reads
guize.answer/1, and the kinds the code knows (kb/kinds.py) say the same thing."""

from __future__ import annotations

import copy
import json

import pytest

from kb.codec import SCHEMA, SchemaError, read_answer
from kb.kinds import ANSWER_KINDS, CHANGE_KINDS, FAILURE_KINDS, NODE_KINDS, VERDICTS
from tests.schema import SCHEMA_FILE, schema_problems


def _schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text("utf-8"))


def test_the_schema_names_the_kinds_the_code_knows():
    s = _schema()
    assert s["properties"]["schema"]["const"] == SCHEMA
    assert tuple(s["properties"]["answer"]["enum"]) == VERDICTS
    assert tuple(s["properties"]["kind"]["enum"]) == ANSWER_KINDS
    assert tuple(s["$defs"]["node"]["properties"]["kind"]["enum"]) == NODE_KINDS
    assert tuple(s["$defs"]["failure"]["properties"]["kind"]["enum"]) == FAILURE_KINDS
    change = s["properties"]["needed"]["oneOf"][1]["properties"]["changes"]["items"]
    assert tuple(change["properties"]["kind"]["enum"]) == CHANGE_KINDS


@pytest.fixture(scope="module")
def bolt(base):
    import datetime as dt

    from tests.conftest import ROOT

    facts = base.facts_from_path(str(ROOT / "facts/examples/ks_bolt_failing.dl"))
    return base.to_json(base.ask("can store bolt join kuaishou distribution?", facts=facts,
                                 as_of=dt.date(2026, 11, 23)))


def test_a_published_answer_validates_and_reads_back(bolt):
    assert schema_problems(bolt) == []
    back = read_answer(json.loads(json.dumps(bolt)))
    assert back["answer"] == "no" and back["values"] == []
    reasons = bolt["explanation"]["reasons"]
    assert [r["label"] for r in reasons] == [f"Condition {n}" for n in (2, 3, 4, 5, 6)]
    stars = reasons[1]
    assert (stars["observed"], stars["op"], stars["threshold"]) == (3.8, "<", 4)
    assert stars["document"] == "快手快分销准入 · 004"


@pytest.mark.parametrize("path, value, words", [
    (("answer",), "maybe", "answer"),
    (("why_not", 0, "failures", 0, "kind"), "sort_of", "failures/0/kind"),
    (("explanation", "reasons", 1, "op"), "=<", "reasons/1/op"),
    (("as_of",), "23 Nov 2026", "as_of"),
])
def test_the_schema_refuses_what_the_contract_does_not_allow(bolt, path, value, words):
    bad = copy.deepcopy(bolt)
    node = bad
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert any(words in p for p in schema_problems(bad)), schema_problems(bad)


def test_the_codec_reads_only_its_own_version(bolt):
    with pytest.raises(SchemaError, match="not a guize.answer/1 answer"):
        read_answer({**bolt, "schema": "guize.answer/2"})
    with pytest.raises(SchemaError, match="needs why_not"):
        read_answer({k: v for k, v in bolt.items() if k != "why_not"})
    assert read_answer({**bolt, "a_field_added_later": 1})["answer"] == "no"  # unknown fields are kept
