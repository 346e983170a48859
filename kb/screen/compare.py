"""Who flips when a rule or the date changes: two screenings of the same tables compared."""

from __future__ import annotations

from collections import Counter


def _conditions(row: dict) -> set[str]:
    return {f"{r['condition']} [{r['clause']}: {r['literal']}]" for r in row.get("reasons") or []}


def flips(before: list[dict], after: list[dict]) -> tuple[list[dict], Counter]:
    """The subjects whose answer differs, each with the conditions that fail on one side only
    (what made it change), and the counts per (before, after)."""
    after_by = {r["subject"]: r for r in after}
    changed: list[dict] = []
    counts: Counter = Counter()
    for r in before:
        o = after_by.get(r["subject"])
        if o is None or o["answer"] == r["answer"]:
            continue
        a, b = _conditions(r), _conditions(o)
        because = [f"no longer fails {c}" for c in sorted(a - b)] + [f"now fails {c}" for c in sorted(b - a)]
        changed.append({"subject": r["subject"], "before": r["answer"], "after": o["answer"],
                        "because": "; ".join(because) or "(the same conditions, other statuses)"})
        counts[(r["answer"], o["answer"])] += 1
    return changed, counts
