"""An independent proof checker.

It reads the *published* answer (the ``guize.answer/1`` JSON object), not the prover's
objects, and shares no code with the prover or the engine: goals are re-read with the rule
grammar, every step is re-instantiated from the program's clauses, built-ins are re-evaluated,
and ``absent`` leaves and aggregates are checked against the reference evaluator's model.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, assert_never, cast

from grammar.errors import KbError
from grammar.model import (
    VALUE_TYPES,
    Aggregate,
    Atom,
    Clause,
    Compare,
    Const,
    Literal,
    Neg,
    Subst,
    Var,
    format_value,
    json_value,
    match,
    subst_atom,
    subst_literal,
    value_from_json,
)
from grammar.rules import parse_text
from kb import builtins
from kb.analysis import aggregate_group, clause_outer_vars
from kb.codec import SchemaError, read_answer
from kb.kinds import FAILURE_KINDS, FailureKind
from kb.loader import FactGroups, Program
from kb.reference import evaluate


def _ground_goal(text: str) -> Atom | None:
    """The answer's goal when it is ground (a fact's syntax), else None."""
    try:
        m = parse_text(text.strip().removeprefix("?-").strip().rstrip(".") + ".", "<goal>")
    except KbError:
        return None
    c = m.statements[0] if m.statements else None
    return c.head if isinstance(c, Clause) and c.is_fact and c.head.is_ground() else None


def _atom(text: str) -> Atom:
    m = parse_text(text + ".", "<proof>")
    c = m.statements[0]
    assert isinstance(c, Clause) and c.is_fact
    return c.head


_value = builtins.evaluate  # the term model's own evaluator and matcher: no prover code
_match = match


class Checker:
    def __init__(self, program: Program, facts: Sequence[Atom], as_of: _dt.date) -> None:
        self.p = program
        self.stated = set(facts)
        self.as_of = as_of
        self.rule_facts = {c.head for c in program.clauses if c.is_fact}
        self.model = evaluate(program, list(facts), as_of)

    def true(self, a: Atom) -> bool:
        return a.values() in self.model.get(a.pred, set())

    # ---------------------------------------------------------------- proofs
    def proof(self, node: dict[str, Any], path: str = "proof") -> list[str]:
        kind = node.get("kind")
        if kind == "fact":
            a = _atom(node["goal"])
            ok = a in self.stated or a in self.rule_facts or (
                a.pred == "as_of" and a.args == (Const(self.as_of),))
            return [] if ok else [f"{path}: {a} is not a stated fact"]
        if kind != "derived":
            return [f"{path}: a proof must start with a fact or a derived step, not {kind}"]
        goal = _atom(node["goal"])
        clause = self.p.clause(node.get("clause", ""))
        if clause is None or clause.is_fact:
            return [f"{path}: no clause with id {node.get('clause')!r}"]
        env = _match(clause.head, goal, {})
        if env is None:
            return [f"{path}: {goal} does not match the head of {clause.id}"]
        premises = node.get("premises", [])
        if len(premises) != len(clause.body):
            return [f"{path}: {clause.id} has {len(clause.body)} conditions, the proof gives {len(premises)}"]
        problems: list[str] = []
        for i, (lit, prem) in enumerate(zip(clause.body, premises)):
            where = f"{path}.{clause.id}[{i}]"
            env, errs = self._premise(lit, prem, env, clause, i, where)
            problems += errs
            if env is None:
                return problems or [f"{where}: does not follow"]
        for k, v in node.get("bindings", {}).items():
            if Var(k) in env and json_value(env[Var(k)]) != v:
                problems.append(f"{path}: binding {k} = {v} but the premises give {format_value(env[Var(k)])}")
        if not {c.file for c in clause.notes.sources} <= {c["file"] for c in node.get("cites", [])}:
            problems.append(f"{path}: the citations of {clause.id} are missing")
        return problems

    def _premise(self, lit: Literal, prem: dict[str, Any], env: Subst, clause: Clause, idx: int,
                 where: str) -> tuple[Subst | None, list[str]]:
        if isinstance(lit, Atom):
            a = _atom(prem["goal"])
            new = _match(lit, a, env)
            if new is None:
                return None, [f"{where}: {a} is not an instance of {lit}"]
            return new, self.proof(prem, where)
        if isinstance(lit, Neg):
            a = subst_atom(lit.atom, env)
            if prem.get("kind") != "absent" or prem.get("goal") != str(Neg(a)):
                return None, [f"{where}: expected an absent leaf for not {a}"]
            problems = []
            for k, alt in enumerate(prem.get("because", [])):
                problems += self.alternative(alt, f"{where}.because[{k}]")
            if not a.is_ground():
                holds = bool(self._solve(a, {}))
                return env, problems + ([f"{where}: some {a} holds, so 'not {a}' is false"] if holds else [])
            return env, problems + ([f"{where}: {a} does hold, so 'not {a}' is false"] if self.true(a) else [])
        if isinstance(lit, Compare):
            try:
                if lit.op == "=" and isinstance(lit.lhs, Var) and lit.lhs not in env:
                    env = {**env, lit.lhs: _value(lit.rhs, env)}
                elif lit.op == "=" and isinstance(lit.rhs, Var) and lit.rhs not in env:
                    env = {**env, lit.rhs: _value(lit.lhs, env)}
                ok = builtins.compare(lit.op, _value(lit.lhs, env), _value(lit.rhs, env))
            except (builtins.BuiltinError, KeyError) as e:
                return None, [f"{where}: cannot evaluate {lit}: {e}"]
            if prem.get("kind") != "builtin" or prem.get("goal") != str(subst_literal(lit, env)):
                return None, [f"{where}: expected the calculation {subst_literal(lit, env)}"]
            return env, ([] if ok else [f"{where}: {subst_literal(lit, env)} is false"])
        assert isinstance(lit, Aggregate)
        group = aggregate_group(lit, clause_outer_vars(clause, idx))
        value = self._aggregate(lit, {v: env[v] for v in group})
        env = {**env, lit.result: value}
        got = prem.get("values", {}).get("result")
        if prem.get("kind") != "aggregate" or got != json_value(value):
            return None, [f"{where}: the aggregate is {format_value(value)}, the proof says {got}"]
        return env, []

    def _aggregate(self, agg: Aggregate, env: Subst):
        envs = [dict(env)]
        for lit in agg.body:
            nxt = []
            for e in envs:
                nxt += self._solve(lit, e)
            envs = nxt
        items = set()
        for e in envs:
            key = tuple(e[v] for v in agg.vars)
            items.add(key + ((_value(agg.expr, e),) if agg.expr is not None else ()))
        if agg.fn == "count":
            return Decimal(len(items))
        return sum((x[-1] for x in items), Decimal(0))

    def _solve(self, lit: Literal, env: Subst) -> list[Subst]:
        if isinstance(lit, Atom):
            out = []
            for row in self.model.get(lit.pred, set()):
                m = _match(lit, Atom(lit.pred, tuple(Const(v) for v in row)), env)
                if m is not None:
                    out.append(m)
            return out
        if isinstance(lit, Neg):
            return [] if self._solve(lit.atom, env) else [env]
        if isinstance(lit, Compare):
            try:
                if lit.op == "=" and isinstance(lit.lhs, Var) and lit.lhs not in env:
                    return [{**env, lit.lhs: _value(lit.rhs, env)}]
                return [env] if builtins.compare(lit.op, _value(lit.lhs, env), _value(lit.rhs, env)) else []
            except (builtins.BuiltinError, KeyError):
                return []
        return []

    # ---------------------------------------------------------------- why not
    def alternative(self, alt: dict[str, Any], path: str) -> list[str]:
        clause = self.p.clause(alt.get("clause", ""))
        if clause is None:
            return [f"{path}: no clause with id {alt.get('clause')!r}"]
        problems: list[str] = []
        for j, f in enumerate(alt.get("failures", [])):
            problems += self.failure(f, f"{path}.{clause.id}[{j}]")
        return problems

    def failure(self, f: dict[str, Any], path: str) -> list[str]:
        kind = f.get("kind")
        cond = f.get("condition", "")
        if kind not in FAILURE_KINDS:
            return [f"{path}: unknown failure kind {kind!r}"]
        k = cast(FailureKind, kind)
        if k == "threshold":
            if "observed" in f:
                a, b = value_from_json(f["observed"]), value_from_json(f["threshold"])
                try:
                    if builtins.compare(f["op"], a, b):
                        return [f"{path}: {cond} is true, not a failure"]
                except builtins.BuiltinError:
                    pass
            return []
        if k == "missing" or k == "mismatch" or k == "not_listed" or k == "none_stated":
            return self._input_failure(k, cond, path)
        if k == "holds":
            if "proof" not in f:
                return [f"{path}: a failed negation must prove the atom it negates"]
            problems = self.proof(f["proof"], path + ".holds")
            for i, alt in enumerate(f.get("because", [])):
                problems += self.alternative(alt, f"{path}.because[{i}]")
            return problems
        if k == "derived":
            pattern = _parse_pattern(cond)
            if pattern.is_ground() and self.true(pattern):
                return [f"{path}: {cond} holds in the reference model"]
            problems = []
            for i, alt in enumerate(f.get("because", [])):
                problems += self.alternative(alt, f"{path}.because[{i}]")
            return problems
        assert_never(k)

    def _input_failure(self, kind: FailureKind, cond: str, path: str) -> list[str]:
        """A condition on an input: missing, stated otherwise, not listed, or none stated."""
        pattern = _parse_pattern(cond)
        decl = self.p.inputs.get(pattern.pred)
        keys = [i for i, (arg, t) in enumerate(zip(decl.args, pattern.args))
                if isinstance(t, Const) and arg.type not in VALUE_TYPES] if decl else []
        same = [s for s in self.stated
                if s.pred == pattern.pred and all(s.args[i] == pattern.args[i] for i in keys)]
        if kind in ("missing", "none_stated") and decl is None:
            return [f"{path}: {cond} is not an input, it cannot be missing"]
        if kind == "missing" and decl is not None and decl.optional:
            return [f"{path}: {pattern.pred} is optional: stating none means none, not unknown"]
        if kind in ("missing", "none_stated") and same:
            return [f"{path}: {cond} is said to be missing but {same[0]} is stated"]
        if kind == "mismatch" and not same:
            return [f"{path}: {cond} is said to be stated differently but nothing is stated"]
        if kind in ("mismatch", "not_listed") and pattern.is_ground() and (
                pattern in self.stated or pattern in self.rule_facts):
            return [f"{path}: {cond} is stated, so it does not fail"]
        return []

    # ---------------------------------------------------------------- whole answers
    def rule_items(self, ans: dict[str, Any]) -> list[str]:
        """A question about the rules: each item must be what its clause says. Conditions are
        literals of the asked predicate's clauses; thresholds are comparisons on the input."""
        goal = _parse_pattern(ans["goal"])
        by_id = {c.id: c for c in self.p.clauses}
        problems: list[str] = []
        literal_preds = {getattr(getattr(lit, "atom", lit), "pred", None) for d in self.p.clauses_for(goal.pred)
                         for lit in d.body}  # the conditions a "conditions" answer may list
        if not ans.get("rule") and ans["kind"] == "conditions":
            problems.append("a rule's conditions, none listed")
        for k, item in enumerate(ans.get("rule") or []):
            c = by_id.get(item["clause"])
            if c is None:
                problems.append(f"rule[{k}]: no clause {item['clause']}")
                continue
            quotes = {(x.file, x.quote) for x in c.notes.sources}
            if any((s["file"], s["quote"]) not in quotes for s in item["sources"]):
                problems.append(f"rule[{k}]: a source that clause {c.id} does not cite")
            if ans["kind"] == "conditions":
                if item["pred"] not in literal_preds and item["pred"] != goal.pred:
                    problems.append(f"rule[{k}]: {item['pred']} is no condition of {goal.pred}")
            else:
                uses = [lit for lit in c.body if isinstance(lit, Atom) and lit.pred == item["pred"]]
                counted = [a for a in c.body if isinstance(a, Aggregate)
                           and any(isinstance(b, Atom) and b.pred == item["pred"] for b in a.body)]
                if not uses and not counted:
                    problems.append(f"rule[{k}]: clause {c.id} does not read {item['pred']}")
                elif item["op"] is not None:
                    var = uses[0].args[-1] if uses else counted[0].result  # its value, or how many
                    want = value_from_json(item["value"])
                    ok = any(isinstance(lit, Compare) and (
                        (lit.lhs == var and isinstance(lit.rhs, Const) and lit.op == item["op"]
                         and lit.rhs.value == want)
                        or (lit.rhs == var and isinstance(lit.lhs, Const) and lit.lhs.value == want))
                        for lit in c.body)
                    if not ok:
                        problems.append(f"rule[{k}]: clause {c.id} sets no {item['pred']} {item['op']} {want}")
        return problems

    def answer(self, ans: dict[str, Any]) -> list[str]:
        goal = _parse_pattern(ans["goal"])
        problems: list[str] = []
        if ans.get("kind") in ("conditions", "threshold"):
            return self.rule_items(ans)
        if ans["answer"] == "yes":
            if not self.true(goal):
                problems.append(f"answer yes, but {goal} does not hold in the reference model")
            if ans.get("proof") is None:
                problems.append("answer yes without a proof")
            else:
                problems += self.proof(ans["proof"])
                if ans["proof"]["goal"] != str(goal):
                    problems.append("the proof proves another goal")
        elif ans["answer"] in ("no", "unknown"):
            if ans["answer"] == "unknown" and ans.get("unknown_because"):
                # closed-world proof that rests on negating an unknown: check both halves
                problems += self.proof(ans["proof"]) if ans.get("proof") else ["unknown without its proof"]
                for k, u in enumerate(ans["unknown_because"]):
                    neg = _parse_pattern(u["negated"])
                    if (self.true(neg) if neg.is_ground() else bool(self._solve(neg, {}))):
                        problems.append(f"unknown_because[{k}]: {neg} holds, so it is not unknown")
                    if not any(a.get("unknown") for a in u["why_not"]):
                        problems.append(f"unknown_because[{k}]: no alternative of {neg} is unknown")
                    for j, alt in enumerate(u["why_not"]):
                        problems += self.alternative(alt, f"unknown_because[{k}].why_not[{j}]")
                return problems
            if goal.is_ground() and self.true(goal):
                problems.append(f"answer {ans['answer']}, but {goal} holds in the reference model")
            derived = [c for c in self.p.clauses_for(goal.pred) if not c.is_fact]
            if goal.is_ground() and derived and not ans.get("why_not"):
                problems.append(f"answer {ans['answer']} without a why-not")
            if ans["answer"] == "unknown" and not ans.get("missing"):
                problems.append("answer unknown without naming the missing inputs")
            for k, alt in enumerate(ans.get("why_not", [])):
                problems += self.alternative(alt, f"why_not[{k}]")
        elif ans["answer"] == "list":
            expected = set()
            for row in self.model.get(goal.pred, set()):
                m = _match(goal, Atom(goal.pred, tuple(Const(v) for v in row)), {})
                if m is not None:
                    expected.add(tuple(sorted((k.name, format_value(v)) for k, v in m.items())))
            got = {tuple(sorted((k, format_value(value_from_json(v))) for k, v in b.items())) for b in ans["bindings"]}
            if got != expected:
                problems.append(f"list answer {sorted(got)} differs from the reference model {sorted(expected)}")
            for k, p in enumerate(ans.get("proofs", [])):
                problems += self.proof(p, f"proofs[{k}]")
        return problems


def _parse_pattern(text: str) -> Atom:
    """A possibly non-ground goal: read it as the body of a throw-away clause."""
    m = parse_text(f"gz_pattern :- {text}.", "<goal>")
    c = m.statements[0]
    assert isinstance(c, Clause)
    lit = c.body[0]
    assert isinstance(lit, Atom)
    return lit


def check_answer(ans: dict[str, Any], program: Program, facts: Sequence[Atom], as_of: _dt.date) -> list[str]:
    """Every problem found in a published answer (empty when every step checks out).

    A what-if answer is checked against the stated facts with its published changes applied:
    each removed fact must have been stated, and the added ones replace them."""
    try:
        ans = read_answer(ans)  # the published object, read as every reader reads it
    except SchemaError as e:
        return [str(e)]
    facts = list(facts)
    problems: list[str] = []
    for change in (ans.get("what_if") or {}).get("changes", []):
        removed = [_atom(x) for x in change["removed"]]
        for r in removed:
            if r not in facts:
                problems.append(f"what-if removes {r}, which was not stated")
        facts = [f for f in facts if f not in removed] + [_atom(x) for x in change["added"]]
    goal = _ground_goal(str(ans.get("goal") or ""))
    if goal is not None:
        # a ground answer rests on the facts linked to its goal (kb.loader.FactGroups), as asked
        facts = [facts[i] for i in FactGroups(program, facts).relevant(goal)]
    return problems + Checker(program, facts, as_of).answer(ans)


