"""The Python API's additions: facts as data, one engine per thread, located question errors,
and the proof as an SVG picture."""

from __future__ import annotations

import datetime as dt
import threading
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from kb.api import LoadErrors, QueryError
from kb.pool import EnginePool
from kb.render import answer_json
from kb.svg import proof_svg

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 23)
BOLT = (ROOT / "facts/examples/ks_bolt_failing.dl").read_text("utf-8")


def test_records_are_read_by_the_declared_types(base):
    facts = base.facts_from_records([
        {"pred": "ks_experience_stars", "args": ["acme", 4.5]},
        {"pred": "ks_violation_date", "args": ["v1", "2026-03-10"]},
        {"pred": "ks_onboarded", "args": ["acme", True]},
    ])
    assert [str(f.head) for f in facts] == ["ks_experience_stars(acme, 4.5)", "ks_violation_date(v1, 2026-03-10)",
                                            "ks_onboarded(acme, true)"]
    assert facts[1].head.args[1].value == dt.date(2026, 3, 10)
    assert base.ask("ks_c3_experience_stars_ok(acme)", facts=facts).answer == "yes"


def test_dict_form_equals_records(base):
    a = base.facts_from_dict({"ks_experience_stars": ["acme", 3.8], "ks_store_type": [["acme", "enterprise"]]})
    b = base.facts_from_records([{"pred": "ks_experience_stars", "args": ["acme", 3.8]},
                                 {"pred": "ks_store_type", "args": ["acme", "enterprise"]}])
    assert [f.head for f in a] == [f.head for f in b]


@pytest.mark.parametrize("records, message, line, column", [
    ([{"pred": "ks_experience_stars", "args": ["acme", 9]}],
     "record 0, args[1]: ks_experience_stars stars must be between 0 and 5 stars, got 9", 1, 2),
    ([{"pred": "ks_experience_star", "args": ["acme", 4]}], "record 0: unknown input ks_experience_star/2", 1, 1),
    ([{"pred": "ks_experience_stars", "args": ["acme"]}],
     "record 0: arity mismatch: ks_experience_stars takes 2", 1, 1),
    ([{}, {"pred": "ks_violation_date", "args": ["v1", "last week"]}],
     "record 0: field 'pred' must be an input name", 1, 1),
    ([{"pred": "ks_c3_experience_stars_ok", "args": ["acme"]}],
     "record 0: ks_c3_experience_stars_ok is derived by the rules, not stated", 1, 1),
    ([{"pred": "ks_experience_stars", "args": ["a", 4]}, {"pred": "ks_experience_stars", "args": ["a", 3]}],
     "ks_experience_stars(a, 3) contradicts ks_experience_stars(a, 4)", 2, 1),
    ([{"pred": "ks_experience_stars", "args": ["a", {"x": 1}]}],
     "record 0, args[1]: ks_experience_stars expects", 1, 2),
])
def test_record_errors_name_the_record_and_field(base, records, message, line, column):
    with pytest.raises(LoadErrors) as e:
        base.facts_from_records(records)
    first = e.value.errors[0]
    assert first.message.startswith(message), first.message
    assert (first.pos.file, first.pos.line, first.pos.column) == ("<records>", line, column)


def test_question_errors_carry_their_position(base):
    with pytest.raises(QueryError) as e:
        base.ask("?- ks_distribution_eligible(acme")
    assert (e.value.pos.file, e.value.pos.line, e.value.pos.column) == ("<question>", 1, 26)
    assert not e.value.render().startswith("<question>")  # the caret shows it; the CLI line is unchanged
    with pytest.raises(QueryError) as e:
        base.ask("can store bolt fly to the moon?")
    assert e.value.pos.column == 11


def test_for_thread_gives_each_thread_its_own_engine(base):
    assert base.for_thread() is base
    seen = []

    def work() -> None:
        mine = base.for_thread()
        seen.append((mine is not base, mine.for_thread() is mine, mine.program is base.program))

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert seen == [(True, True, True)]


def test_pool_answers_equal_sequential_answers(base):
    questions = ["can store bolt join kuaishou distribution?", "bolt能入驻快分销吗？", "ks_c2_store_type_ok(bolt)",
                 "what does bolt need to join kuaishou distribution?"]
    facts = base.facts_from_text(BOLT)
    alone = [answer_json(base.ask(q, facts=facts, as_of=AS_OF), base.program) for q in questions]

    def one(q: str):
        return lambda kb: answer_json(kb.ask(q, facts=kb.facts_from_text(BOLT), as_of=AS_OF), kb.program)

    with EnginePool(threads=3) as pool, ThreadPoolExecutor(6) as clients:
        got = list(clients.map(lambda i: pool.run(one(questions[i % 4])).result(), range(24)))
    assert got == [alone[i % 4] for i in range(24)]


def test_proof_svg_draws_the_failing_conditions_in_red(base):
    ans = base.ask("can store bolt join kuaishou distribution?", facts=base.facts_from_text(BOLT), as_of=AS_OF)
    svg = proof_svg(ans, base.program)
    root = ET.fromstring(svg)  # well-formed XML
    ns = {"s": "http://www.w3.org/2000/svg"}
    fails = [" ".join(t.text or "" for t in g.iter("{http://www.w3.org/2000/svg}text"))
             for g in root.iterfind(".//s:g", ns) if "fail" in g.get("class", "").split()]
    assert any("3.8 ≥ 4" in f and "observed 3.8, needs ≥ 4" in f for f in fails)
    assert any(t.get("id", "").startswith("q-") and "購物體會星級≥4" in "".join(t.itertext())
               for t in root.iter("{http://www.w3.org/2000/svg}text"))  # the legend of quotes
    yes = base.ask("ks_c3_experience_stars_ok(a)", facts=base.facts_from_text("ks_experience_stars(a, 4.5)."))
    assert 'class="node yes"' in proof_svg(yes, base.program)
