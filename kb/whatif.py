"""What-if (hypothetical facts on a copy) and what-needed (the smallest verified set of changes
that turns a no/unknown into yes).

Nothing here changes the loaded facts: every hypothesis is a new list of facts, and every
proposed change is re-checked by running the engine on the changed facts before it is shown.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import assert_never

from grammar.errors import QueryError
from grammar.model import Annotations, Atom, Clause, Compare, Const, Pos, Value, Var, format_value
from grammar.question import Assignment
from kb.kinds import ChangeKind, Verdict
from kb.loader import Program, check_value
from kb.proof import Alternative, Failure, Node

_UNITS = {"%": "%", "星": "stars", "star": "stars", "stars": "stars", "天": "days", "day": "days",
          "days": "days", "小时": "hours", "hour": "hours", "hours": "hours", "h": "hours", "分": "points",
          "point": "points", "points": "points", "元": "yuan", "块": "yuan", "yuan": "yuan", "cny": "yuan",
          "rmb": "yuan", "场": "sessions", "session": "sessions", "sessions": "sessions", "分钟": "minutes",
          "minute": "minutes", "minutes": "minutes"}
WHAT_IF_POS = Pos("<what-if>", 1, 1)


# ---------------------------------------------------------------------------------------- what-if

@dataclass(frozen=True)
class Hypothesis:
    removed: list[Atom]
    added: list[Atom]
    text: str


def hypothetical(program: Program, facts: Sequence[Clause], subject: Value,
                 assignments: Sequence[Assignment]) -> tuple[list[Clause], list[Hypothesis]]:
    """A copy of ``facts`` with each assignment applied to ``subject``: the input's old facts
    about the subject are replaced by the new value (checked against the declaration)."""
    out = list(facts)
    changes = []
    for a in assignments:
        decl = program.inputs.get(a.pred)
        if decl is None or len(decl.args) != 2:
            raise QueryError(f"a what-if can set an input of the form input(subject, value); {a.pred} is not one",
                             hint="state the facts in a facts file instead")
        arg = decl.args[1]
        value = a.value
        if arg.type == "number" and isinstance(value, Decimal) and a.unit:
            unit = _UNITS.get(a.unit.lower(), a.unit)
            declared = _UNITS.get((arg.unit or "").lower(), arg.unit)
            if declared and unit != declared:
                raise QueryError(f"{a.text}: {decl.pred} is in {arg.unit}, not {a.unit}",
                                 hint=f"write the value in {arg.unit}")
        if arg.type == "bool" and value in ("yes", "no"):
            value = "true" if value == "yes" else "false"
        why = check_value(value, arg, decl)
        if why:
            raise QueryError(f"{a.text}: {decl.pred} {why}")
        new = Atom(a.pred, (Const(subject), Const(value)))
        removed = [f.head for f in out if f.head.pred == a.pred and f.head.args[0] == Const(subject)]
        out = [f for f in out if f.head not in removed]
        out.append(Clause(new, (), Annotations(), WHAT_IF_POS))
        changes.append(Hypothesis(removed, [new], a.text))
    return out, changes


# ---------------------------------------------------------------------------------------- what-needed

@dataclass(frozen=True)
class Change:
    """One change to the subject's situation.

    kind: ``set`` (replace a stated value), ``add`` (state a fact), ``state`` (state an input
    that is missing, value yours to choose), ``wait`` (until ``date``, when a record stops
    counting), ``remove`` (a record that would have to go; no waiting period ends it).
    """

    kind: ChangeKind
    input: str | None = None
    remove: list[Atom] = field(default_factory=list)
    add: list[Atom] = field(default_factory=list)
    date: _dt.date | None = None
    op: str | None = None
    target: Value | None = None
    current: Value | None = None
    because: str = ""  # the condition it fixes
    controlled: bool = True
    controlled_by: str | None = None


@dataclass(frozen=True)
class Plan:
    changes: list[Change]
    verified: bool
    result: Verdict  # the answer after the changes ("yes" when verified)


class Planner:
    def __init__(self, program: Program, facts: Sequence[Clause], as_of: _dt.date,
                 ask: Callable[[list[Clause], _dt.date], Verdict], holds_at: Callable[[Atom, _dt.date], bool]) -> None:
        self.p = program
        self.facts = list(facts)
        self.as_of = as_of
        self.ask = ask
        self.holds_at = holds_at

    # ---- candidates
    def plans(self, alts: list[Alternative]) -> list[list[Change]]:
        out = []
        for alt in alts:
            changes = self.alternative(alt)
            if changes is not None:
                out.append(changes)
        return sorted(out, key=lambda cs: (sum(not c.controlled for c in cs), len(cs)))

    def alternative(self, alt: Alternative) -> list[Change] | None:
        changes: list[Change] = []
        for f in alt.failures:
            c = self.failure(f, alt)
            if c is None:
                return None
            changes += c
        return changes

    def failure(self, f: Failure, alt: Alternative) -> list[Change] | None:
        kind = f.kind
        if kind == "threshold":
            return self._threshold(f)
        if kind == "mismatch" or kind == "none_stated":
            if isinstance(f.literal, Atom) and f.literal.is_ground():
                return [self._change("set" if f.observed else "add", f.literal, remove=list(f.observed),
                                     add=[f.literal])]
            return None
        if kind == "missing":
            return [self._missing(f, alt)] if isinstance(f.literal, Atom) else None
        if kind == "holds":
            return self._holds(f)
        if kind == "derived":
            options = self.plans(list(f.because))
            return options[0] if options else None
        if kind == "not_listed":
            return self._not_listed(f)
        assert_never(kind)

    def _change(self, kind: ChangeKind, atom: Atom, **kw) -> Change:
        decl = self.p.inputs.get(atom.pred)
        by = decl.notes.controlled_by if decl else None
        return Change(kind, atom.pred, because=str(atom), controlled=by is None, controlled_by=by, **kw)

    def _threshold(self, f: Failure) -> list[Change] | None:
        src = f.source
        if not isinstance(src, Compare) or not f.values:
            return None
        op = src.op
        if isinstance(src.lhs, Var) and src.lhs in f.inputs:
            var, bound = src.lhs, f.values["rhs"]
        elif isinstance(src.rhs, Var) and src.rhs in f.inputs:
            var, bound = src.rhs, f.values["lhs"]
            op = {">=": "=<", "=<": ">=", ">": "<", "<": ">"}.get(op, op)
        else:
            return None
        fact, idx = f.inputs[var]
        target = _meet(op, bound)
        if target is None:
            return None
        new = Atom(fact.pred, tuple(Const(target) if i == idx else a for i, a in enumerate(fact.args)))
        c = self._change("set", fact, remove=[fact], add=[new], op=op, target=bound, current=_value_at(fact, idx))
        return [replace(c, because=str(f.literal))]

    def _missing(self, f: Failure, alt: Alternative) -> Change:
        pattern = f.literal
        assert isinstance(pattern, Atom)
        # a later comparison on the missing value says what value would do
        for lit in alt.skipped:
            if isinstance(lit, Compare) and isinstance(lit.lhs, Var) and lit.lhs in pattern.args \
                    and isinstance(lit.rhs, Const):
                target = _meet(lit.op, lit.rhs.value)
                if target is not None:
                    new = Atom(pattern.pred, tuple(Const(target) if a == lit.lhs else a for a in pattern.args))
                    if new.is_ground():
                        return self._change("add", pattern, add=[new], op=lit.op, target=lit.rhs.value)
        if pattern.is_ground():
            return self._change("add", pattern, add=[pattern])
        return self._change("state", pattern)

    def _holds(self, f: Failure) -> list[Change] | None:
        atom = f.proof.goal if f.proof is not None else None
        if not isinstance(atom, Atom):
            return None
        day = self._wait_until(atom)
        ids = {a for a in atom.args[1:] if isinstance(a, Const)}  # the record(s) the condition is about
        leaves = _stated_leaves(f.proof)
        records = [x for x in leaves if ids & set(x.args)] or leaves
        if day is not None:
            return [Change("wait", atom.pred, date=day, because=str(atom), controlled=False,
                           controlled_by="time", remove=records)]
        return [Change("remove", atom.pred, remove=records, because=str(atom), controlled=False,
                       controlled_by="the platform's records")]

    def _wait_until(self, atom: Atom, years: int = 10) -> _dt.date | None:
        """The first day the atom no longer holds (it is assumed to stop for good then)."""
        lo, hi = self.as_of, self.as_of + _dt.timedelta(days=366 * years)
        if self.holds_at(atom, hi):
            return None
        while (hi - lo).days > 1:
            mid = lo + (hi - lo) / 2
            if self.holds_at(atom, mid):
                lo = mid
            else:
                hi = mid
        return hi

    def _not_listed(self, f: Failure) -> list[Change] | None:
        lit = f.source
        if not isinstance(lit, Atom):
            return None
        listed = sorted({_value_at(c.head, i) for c in self.p.clauses_for(lit.pred) if c.is_fact
                         for i, a in enumerate(lit.args) if isinstance(a, Var) and a in f.inputs},
                        key=format_value)
        var = next((a for a in lit.args if isinstance(a, Var) and a in f.inputs), None)
        if var is None or not listed:
            return None
        fact, idx = f.inputs[var]
        new = Atom(fact.pred, tuple(Const(listed[0]) if i == idx else a for i, a in enumerate(fact.args)))
        choices = ", ".join(map(format_value, listed))
        return [self._change("set", fact, remove=[fact], add=[new], op="in", target=choices,
                             current=_value_at(fact, idx))]

    # ---- verification
    def best(self, alts: list[Alternative]) -> Plan | None:
        candidates = self.plans(alts)
        first: Plan | None = None
        for changes in candidates[:8]:
            facts, as_of = self.apply(changes)
            if any(c.kind == "state" for c in changes):
                plan = Plan(changes, False, "unknown")
            else:
                result = self.ask(facts, as_of)
                plan = Plan(changes, result == "yes", result)
            if plan.verified:
                return plan
            first = first or plan
        return first

    def apply(self, changes: list[Change]) -> tuple[list[Clause], _dt.date]:
        facts = list(self.facts)
        as_of = self.as_of
        for c in changes:
            if c.kind == "wait" and c.date:
                as_of = max(as_of, c.date)
                continue
            facts = [f for f in facts if f.head not in c.remove]
            facts += [Clause(a, (), Annotations(), WHAT_IF_POS) for a in c.add]
        return facts, as_of


def _value_at(fact: Atom, i: int) -> Value:
    """The value of argument ``i`` of a ground fact."""
    arg = fact.args[i]
    assert isinstance(arg, Const), f"{fact} is not ground"
    return arg.value


def _meet(op: str, bound: Value) -> Value | None:
    """The value closest to ``bound`` that satisfies ``value op bound``."""
    if op in (">=", "=<", "="):
        return bound
    if isinstance(bound, Decimal):
        exponent = bound.as_tuple().exponent
        places = exponent if isinstance(exponent, int) else 0  # not a finite number: whole steps
        step = Decimal(1).scaleb(min(places, -1) - 1)
        return bound + step if op == ">" else bound - step if op == "<" else None
    if isinstance(bound, _dt.date) and not isinstance(bound, _dt.datetime):
        return bound + _dt.timedelta(days=1) if op == ">" else bound - _dt.timedelta(days=1) if op == "<" else None
    return None


def _stated_leaves(node: Node | None) -> list[Atom]:
    if node is None:
        return []
    if node.kind == "fact" and not node.cites and isinstance(node.goal, Atom) and node.where != "--as-of":
        return [node.goal]
    return [a for p in node.premises for a in _stated_leaves(p)]


# ---------------------------------------------------------------------------------------- text

def _fmt(v: Value | None) -> str:
    return format_value(v) if v is not None else "?"


def _greater(a: Value | None, b: Value | None) -> bool:
    """a > b for two values of one comparable kind (numbers, or dates); False otherwise."""
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a > b
    if isinstance(a, _dt.date) and isinstance(b, _dt.date) and type(a) is type(b):
        return a > b
    return False


def describe(c: Change, program: Program, lang: str = "en") -> str:
    decl = program.inputs.get(c.input or "")
    name = (decl.notes.name(lang) or decl.notes.name("en")) if decl else None
    label = f"{name} ({c.input})" if name else (c.input or "")
    zh = lang == "zh"
    if c.kind == "set" and c.op == "in":
        return (f"把{label}从 {_fmt(c.current)} 改为以下之一：{c.target}" if zh else
                f"change {label} from {_fmt(c.current)} to one of: {c.target}")
    if c.kind == "set" and c.op:
        up = _greater(c.target, c.current)
        ops = {">=": "≥", "=<": "≤", ">": ">", "<": "<", "=": "="}
        if zh:
            verb = "提高" if up else "降低" if c.op in ("=<", "<") else "改"
            return f"把{label}从 {_fmt(c.current)} {verb}到 {ops.get(c.op, c.op)} {_fmt(c.target)}"
        verb = "raise" if up else "lower" if c.op in ("=<", "<") else "change"
        return f"{verb} {label} from {_fmt(c.current)} to {ops.get(c.op, c.op)} {_fmt(c.target)}"
    if c.kind == "set":
        was = "; ".join(map(str, c.remove))
        return (f"把 {was} 改为 {'; '.join(map(str, c.add))}" if zh else
                f"change {was} to {'; '.join(map(str, c.add))}")
    if c.kind == "add":
        what = "; ".join(map(str, c.add))
        if c.op:
            ops = {">=": "≥", "=<": "≤", ">": ">", "<": "<", "=": "="}
            return (f"填写{label}（需要 {ops.get(c.op, c.op)} {_fmt(c.target)}），例如 {what}" if zh else
                    f"state {label} (needs {ops.get(c.op, c.op)} {_fmt(c.target)}), e.g. {what}")
        return f"补充 {what}" if zh else f"state {what}"
    if c.kind == "state":
        return f"填写{label}：{c.because}" if zh else f"state {label}: {c.because}"
    if c.kind == "wait":
        records = ", ".join(map(str, c.remove))
        return (f"等到 {c.date}：届时 {c.because} 不再成立（{records}）" if zh else
                f"wait until {c.date}: from then on {c.because} no longer holds ({records})")
    records = ", ".join(map(str, c.remove))
    return (f"{c.because} 成立，且不会随时间失效：需要撤销记录 {records}（店铺自己做不到）" if zh else
            f"{c.because} holds and no waiting period ends it: the record(s) {records} would have to be "
            "removed, which the store cannot do")


