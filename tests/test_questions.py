"""The question language (the seam the full bilingual grammar of issue 4 builds on)."""

from __future__ import annotations

import pytest

from grammar.errors import QueryError
from grammar.model import Atom, Const, Var

FACTS = "ks_experience_stars(acme, 4.5).\nks_experience_stars(\"店铺甲\", 4.5).\n"


@pytest.fixture(scope="module")
def parse(base):
    facts = base.facts_from_text(FACTS)
    return lambda text: base.parse(text, facts)


E = Atom("ks_distribution_eligible", (Const("acme"),))


@pytest.mark.parametrize("text, kind, goal", [
    ("can store acme join kuaishou distribution?", "yes_no", E),
    ("Can Acme join Kuaishou distribution", "yes_no", E),  # known subjects match case-insensitively
    ("can the shop acme apply for kuaishou distribution？", "yes_no", E),
    ("may acme enter kuaishou distribution.", "yes_no", E),
    ("why can't acme join kuaishou distribution?", "why_not", E),
    ("Why cannot store acme join kuaishou distribution", "why_not", E),
    ("why can acme join kuaishou distribution?", "why", E),
    ("which stores can join kuaishou distribution?", "which", Atom("ks_distribution_eligible", (Var("S"),))),
    ("acme能入驻快分销吗？", "yes_no", E),
    ("acme可以开通分销吗", "yes_no", E),
    ("店铺acme能否加入快分销?", "yes_no", E),
    ("为什么acme不能入驻快分销？", "why_not", E),
    ("為什麼acme不能入驻快分销", "why_not", E),
    ("哪些店铺可以入驻快分销？", "which", Atom("ks_distribution_eligible", (Var("S"),))),
    ("店铺甲能入驻快分销吗？", "yes_no", Atom("ks_distribution_eligible", (Const("店铺甲"),))),
    ("「新店」能入驻快分销吗？", "yes_no", Atom("ks_distribution_eligible", (Const("新店"),))),
    ("ks_c3_experience_stars_ok(acme)", "goal", Atom("ks_c3_experience_stars_ok", (Const("acme"),))),
    ("ks_c3_experience_stars_ok(S).", "goal", Atom("ks_c3_experience_stars_ok", (Var("S"),))),
])
def test_phrasings_map_to_goals(parse, text, kind, goal):
    q = parse(text)
    assert (q.kind, q.goal) == (kind, goal)


def test_question_language_follows_the_script(parse):
    assert parse("acme能入驻快分销吗？").lang == "zh"
    assert parse("can acme join kuaishou distribution?").lang == "en"


@pytest.mark.parametrize("text, words", [
    ("can acme fly to the moon?", ["cannot read this question", "^", "fly, moon"]),
    ("acme能飞到月球吗", ["看不懂这个问题", "^"]),
    ("ks_c3_experience_stars_okk(acme)", ["unknown predicate", "did you mean ks_c3_experience_stars_ok"]),
    ("ks_c3_experience_stars_ok(acme, 1)", ["takes 1 argument(s), got 2"]),
    ("__import__('os').system('true')", ["looks like code"]),
    ("", ["empty question"]),
])
def test_unreadable_questions_get_actionable_errors(parse, text, words):
    with pytest.raises(QueryError) as e:
        parse(text)
    for w in words:
        assert w in str(e.value)


def test_caret_is_aligned_for_wide_characters(parse):
    with pytest.raises(QueryError) as e:
        parse("acme能飞到月球吗")
    lines = str(e.value).splitlines()
    assert lines[-1].strip().startswith("^")


def test_typos_are_read_as_the_lexicon_word_and_said_so(parse):
    q = parse("can acme joinn kuaishou distrubution?")
    assert q.goal == E
    assert ("joinn", "join") in q.reading.corrections and ("distrubution", "distribution") in q.reading.corrections


def test_a_question_with_no_subject_asks_which_one_when_several_are_loaded(base):
    facts = base.facts_from_text("ks_store_type(s1, enterprise).\nks_store_type(s2, personal).")
    with pytest.raises(QueryError) as e:
        base.parse("can we join kuaishou distribution?", facts)
    assert "s1, s2" in str(e.value)


def test_pronouns_resolve_to_the_subject_of_the_goal_type_not_a_penalty_record(base):
    facts = base.facts_from_text("ks_store_type(bolt, personal).\nks_violation(bolt_v1, bolt).\n"
                                 "ks_violation_type(bolt_v1, counterfeit_sale).")
    q = base.parse("我们能入驻快分销吗？", facts)
    assert q.goal == Atom("ks_distribution_eligible", (Const("bolt"),))
