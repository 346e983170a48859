"""A ground question is answered from the facts linked to its constants (kb.loader.FactGroups):
the same answer, proof and why-not as from the whole file, whatever else the file holds."""

from __future__ import annotations

import datetime as dt

from grammar.model import Atom, Const
from kb.loader import FactGroups
from kb.render import answer_json

AS_OF = dt.date(2026, 11, 23)

STORE = """ks_onboarded({s}, true). ks_opening_completed({s}, true). ks_store_status({s}, normal).
ks_store_type({s}, enterprise). ks_main_category({s}, other). ks_experience_stars({s}, {stars}).
ks_return_rate_30d({s}, 1.0). ks_category_avg_return_rate_30d({s}, 1.0). ks_negative_review_rate_30d({s}, 0.5).
ks_platform_avg_negative_review_rate_30d({s}, 0.5).
ks_violation({s}_v, {s}). ks_violation_type({s}_v, counterfeit_sale). ks_violation_date({s}_v, {date}).
ks_points_deducted({s}_v, 5).
"""


def _file(n: int) -> str:
    return "".join(STORE.format(s=f"s{i}", stars=("3.8", "4.6")[i % 2], date=("2026-06-01", "2024-06-01")[i % 3 == 0])
                   for i in range(n))


def _no_where(x):
    if isinstance(x, dict):
        return {k: _no_where(v) for k, v in x.items() if k != "where"}
    if isinstance(x, list):
        return [_no_where(v) for v in x]
    return x


def test_a_store_is_grouped_with_its_penalty_records_and_nothing_else(base):
    facts = base.facts_from_text(_file(3))
    groups = FactGroups(base.program, [f.head for f in facts])
    got = {str(facts[i].head) for i in groups.relevant(Atom("ks_distribution_eligible", (Const("s1"),)))}
    assert "ks_violation_date(s1_v, 2026-06-01)" in got and "ks_experience_stars(s1, 4.6)" in got
    assert not any("s0" in g or "s2" in g for g in got)


def test_the_answer_from_the_linked_facts_is_the_answer_from_the_whole_file(base):
    whole = base.facts_from_text(_file(30))
    for i in (0, 1, 2, 7):
        alone = base.facts_from_text(STORE.format(s=f"s{i}", stars=("3.8", "4.6")[i % 2],
                                                  date=("2026-06-01", "2024-06-01")[i % 3 == 0]))
        a = answer_json(base.ask(f"ks_distribution_eligible(s{i})", facts=whole, as_of=AS_OF), base.program)
        b = answer_json(base.ask(f"ks_distribution_eligible(s{i})", facts=alone, as_of=AS_OF), base.program)
        # C3 (stars) fails for even stores, C4 (a counterfeit penalty within the year) unless i % 3 == 0
        assert a["answer"] == b["answer"] == ("yes" if i % 2 and i % 3 == 0 else "no")
        # the same proof and why-not, but for where each stated fact was written (a line of another file)
        assert _no_where(a["why_not"]) == _no_where(b["why_not"]) and _no_where(a["proof"]) == _no_where(b["proof"])


def test_a_phone_number_links_the_applicants_that_share_it(base):
    # 002: one phone number may register a limited number of company accounts, so the accounts
    # of another applicant on the same phone bear on the question
    facts = base.facts_from_text('jd_pop_registration_phone(p1, "138").\njd_pop_registration_phone(p2, "139").\n'
                                 'jd_pop_phone_company_account("138", "acc1").\n'
                                 'jd_pop_phone_company_account("139", "acc9").')
    groups = FactGroups(base.program, [f.head for f in facts])
    got = {facts[i].head.values() for i in groups.relevant(Atom("jd_pop_may_register_company_account", (Const("p1"),)))}
    assert got == {("p1", "138"), ("138", "acc1")}
