"""Random populations of subjects for the screening differential tests, drawn from the input
declarations: values near the rule files' own thresholds and dates near the as-of date, so
that every condition is met, failed and left unstated in some subjects."""

from __future__ import annotations

import datetime as _dt
import random
from decimal import Decimal

from grammar.model import Atom, Call, Compare, Const
from kb.loader import Program
from kb.screen.compile import BASE_TYPES

AS_OF = _dt.date(2026, 11, 23)
STRINGS = ("x1", "x2", "x3")


def _constants(program: Program) -> tuple[list[Decimal], list[str]]:
    nums: set[Decimal] = {Decimal(0), Decimal(1)}
    strs: set[str] = set()

    def walk(t) -> None:
        if isinstance(t, Const):
            if isinstance(t.value, Decimal):
                nums.add(t.value)
            elif isinstance(t.value, str):
                strs.add(t.value)
        elif isinstance(t, Call):
            for a in t.args:
                walk(a)

    for c in program.clauses:
        for lit in c.body:
            if isinstance(lit, Compare):
                walk(lit.lhs)
                walk(lit.rhs)
            atom = getattr(lit, "atom", lit)
            if isinstance(atom, Atom):
                for a in atom.args:
                    walk(a)
        for a in c.head.args:
            walk(a)
    return sorted(nums), sorted(strs)


def population(program: Program, inputs: set[str], rnd: random.Random, per_type: int = 4,
               p_stated: float = 0.75) -> tuple[list[Atom], dict[str, list[str]]]:
    """Facts about ``per_type`` subjects of every type (ids t0, t1 ...), for the given inputs."""
    nums, strs = _constants(program)
    types = sorted(program.types)
    ids = {t: [f"{t.split('_')[-1][:3]}{i}" for i in range(per_type)] for t in types}
    facts: list[Atom] = []

    def value(arg):
        t = arg.type
        if t not in BASE_TYPES:
            return rnd.choice(ids[t])
        if t == "enum":
            return rnd.choice(arg.values)
        if t == "bool":
            return rnd.choice(("true", "false"))
        if t == "number":
            base = rnd.choice(nums)
            v = base + rnd.choice((Decimal(0), Decimal(0), Decimal("0.5"), Decimal(-1), Decimal(1), Decimal(2)))
            if arg.low is not None:
                v = max(v, arg.low)
            if arg.high is not None:
                v = min(v, arg.high)
            return v
        if t == "date":
            return AS_OF + _dt.timedelta(days=rnd.choice((-800, -366, -365, -364, -200, -30, -1, 0, 1, 40)))
        if t == "datetime":
            day = AS_OF + _dt.timedelta(days=rnd.choice((-40, -3, -1, 0, 1, 5)))
            return _dt.datetime(day.year, day.month, day.day, rnd.choice((0, 9, 16, 17, 23)), rnd.choice((0, 30, 59)))
        pool = [s for s in strs if len(s) < 30][:6] + list(STRINGS)
        return rnd.choice(pool)

    for pred in sorted(inputs):
        d = program.inputs[pred]
        first = d.args[0].type
        if first in BASE_TYPES or len(d.args) != 2:  # a table of its own: a few rows
            for _ in range(rnd.randint(0, per_type)):
                facts.append(Atom(pred, tuple(Const(value(a)) for a in d.args)))
            continue
        for s in ids[first]:
            if rnd.random() > p_stated:
                continue
            n = 1 if d.single else rnd.choice((1, 1, 2))
            vals = {value(d.args[1]) for _ in range(n)}
            for v in sorted(vals, key=str):
                facts.append(Atom(pred, (Const(s), Const(v))))
    return facts, ids
