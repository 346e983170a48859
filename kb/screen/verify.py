"""``--verify N``: re-ask a random sample of screened subjects through the prover and the
independent checker; every difference is reported (and fails the run)."""

from __future__ import annotations

import datetime as _dt
import random
from dataclasses import dataclass, field

from grammar.model import Atom, Const
from kb.screen.facts import facts_of_many


@dataclass
class Verified:
    checked: int = 0
    differences: list[str] = field(default_factory=list)


def verify(base, con, plan, rows: list[dict], n: int, as_of: _dt.date, seed: int = 0) -> Verified:
    """``rows``: the screened rows to re-ask (subject, answer, missing), a sample already or
    sampled here; ``con``: the DuckDB connection holding the typed input relations. The prover
    answers each subject from the stated facts linked to it (read for the whole sample at once)."""
    from kb.checker import check_answer
    from kb.render import answer_json

    rnd = random.Random(seed)
    sample = rows if len(rows) <= n else rnd.sample(rows, n)
    out = Verified()
    facts = facts_of_many(con, base.program, plan.subject_type, [r["subject"] for r in sample],
                          inputs=set(plan.inputs) | _linking_inputs(base.program))
    heads = [f.head for f in facts]
    groups = base.fact_groups(facts)
    for r in sample:
        subject = r["subject"]
        ans = base.ask(Atom(plan.goal, (Const(subject),)), facts=facts, as_of=as_of)
        out.checked += 1
        if ans.answer != r["answer"]:
            out.differences.append(f"{subject}: screened {r['answer']}, the prover says {ans.answer}")
            continue
        mine = [heads[i] for i in groups.relevant(Atom(plan.goal, (Const(subject),)))]
        problems = check_answer(answer_json(ans, base.program), base.program, mine, as_of)
        out.differences += [f"{subject}: the checker: {p}" for p in problems]
        if ans.answer == "unknown":
            asked = sorted({m.pred for m in ans.missing})
            if asked and not set(asked) <= set(r.get("missing") or []) and r.get("missing") is not None:
                out.differences.append(f"{subject}: the prover asks for {', '.join(asked)}; screened "
                                       f"{', '.join(r.get('missing') or []) or 'nothing'}")
    return out


def _linking_inputs(program) -> set[str]:
    """Inputs that name a subject: they link a subject's facts to other subjects' facts."""
    return {d.pred for d in program.inputs.values() if any(a.type in program.types for a in d.args)}
