"""The closed sets of kinds an answer is made of, in one place (the prover, the explanation, the
codec and the independent checker all name them from here, and share nothing else).

Adding a kind: add it here, make it in kb/proof.py, explain it in kb/explain.py and check it in
kb/checker.py. Every match on a kind ends in ``assert_never``, so the type checker (mypy, run by
.ci/run) names each place still without it; docs/answer.schema.json lists the kinds too.
"""

from __future__ import annotations

from typing import Literal, get_args

Verdict = Literal["yes", "no", "unknown", "list"]
NodeKind = Literal["fact", "derived", "builtin", "absent", "aggregate"]
FailureKind = Literal["missing", "mismatch", "none_stated", "threshold", "holds", "derived", "not_listed"]
ChangeKind = Literal["set", "add", "state", "wait", "remove"]
# what was asked (the question's frame): yes/no, why, why not, which, what-needed, what-if, a
# value, a raw goal, not covered, or a question about the rules themselves
AnswerKind = Literal["yes_no", "why", "why_not", "which", "needed", "what_if", "value", "goal", "uncovered",
                     "conditions", "threshold"]

VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
NODE_KINDS: tuple[NodeKind, ...] = get_args(NodeKind)
FAILURE_KINDS: tuple[FailureKind, ...] = get_args(FailureKind)
CHANGE_KINDS: tuple[ChangeKind, ...] = get_args(ChangeKind)
ANSWER_KINDS: tuple[AnswerKind, ...] = get_args(AnswerKind)


def answer_kind(kind: str) -> AnswerKind:
    """A question's kind as an answer kind (the question reader names one of these)."""
    if kind not in ANSWER_KINDS:
        raise ValueError(f"not a kind of answer: {kind!r}")
    return kind
