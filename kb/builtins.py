"""Built-in functions and comparisons: part of the language definition, so they live beside
the term model and are shared by the engine, the reference evaluator and the proof checker.

Every function is total over its declared argument types and raises ``BuiltinError`` (never
returns an exception value) on anything else.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from grammar.model import Value


class BuiltinError(ValueError):
    """A built-in applied to values it is not defined for."""


def _num(v: Value, fn: str) -> Decimal:
    if not isinstance(v, Decimal):
        raise BuiltinError(f"{fn} expects a number, got {v!r}")
    return v


def _date(v: Value, fn: str) -> _dt.date:
    if not isinstance(v, _dt.date):
        raise BuiltinError(f"{fn} expects a date, got {v!r}")
    return v


def _int(v: Value, fn: str) -> int:
    n = _num(v, fn)
    if n != n.to_integral_value():
        raise BuiltinError(f"{fn} expects a whole number, got {v}")
    return int(n)


def _shift_months(d: _dt.date, months: int) -> _dt.date:
    """Calendar month shift; the 31st (or 29 February) falls back to the month's last day."""
    total = d.year * 12 + (d.month - 1) + months
    year, month = divmod(total, 12)
    day = min(d.day, calendar.monthrange(year, month + 1)[1])
    return d.replace(year=year, month=month + 1, day=day)


def _add(a: Value, b: Value) -> Value:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a + b
    raise BuiltinError(f"cannot add {a!r} and {b!r}")


def _sub(a: Value, b: Value) -> Value:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return a - b
    raise BuiltinError(f"cannot subtract {b!r} from {a!r}")


def _mul(a: Value, b: Value) -> Value:
    return _num(a, "*") * _num(b, "*")


def _div(a: Value, b: Value) -> Value:
    d = _num(b, "/")
    if d == 0:
        raise BuiltinError("division by zero")
    try:
        return _num(a, "/") / d
    except InvalidOperation as e:  # pragma: no cover - Decimal context traps
        raise BuiltinError(str(e)) from None


def _add_days(d: Value, n: Value) -> Value:
    return _date(d, "add_days") + _dt.timedelta(days=_int(n, "add_days"))


def _add_hours(d: Value, n: Value) -> Value:
    if not isinstance(d, _dt.datetime):
        raise BuiltinError(f"add_hours expects a date-time, got {d!r}")
    return d + _dt.timedelta(hours=float(_num(n, "add_hours")))


def _add_months(d: Value, n: Value) -> Value:
    return _shift_months(_date(d, "add_months"), _int(n, "add_months"))


def _add_years(d: Value, n: Value) -> Value:
    return _shift_months(_date(d, "add_years"), 12 * _int(n, "add_years"))


def _days_between(a: Value, b: Value) -> Value:
    x, y = _date(a, "days_between"), _date(b, "days_between")
    if isinstance(x, _dt.datetime) or isinstance(y, _dt.datetime):
        secs = (_as_dt(y) - _as_dt(x)).total_seconds()
        return Decimal(str(secs)) / Decimal(86400)
    return Decimal((y - x).days)


def _hours_between(a: Value, b: Value) -> Value:
    x, y = _as_dt(_date(a, "hours_between")), _as_dt(_date(b, "hours_between"))
    return Decimal(str((y - x).total_seconds())) / Decimal(3600)


def _as_dt(d: _dt.date) -> _dt.datetime:
    return d if isinstance(d, _dt.datetime) else _dt.datetime(d.year, d.month, d.day)


def _date_of(d: Value) -> Value:
    x = _date(d, "date_of")
    return x.date() if isinstance(x, _dt.datetime) else x


def _len(s: Value) -> Value:
    if not isinstance(s, str):
        raise BuiltinError(f"len expects a string, got {s!r}")
    return Decimal(len(s))  # Unicode code points: "开卡有礼" is 4


def _month_of(d: Value) -> Value:
    x = _date(d, "month_of")
    return f"{x.year:04d}-{x.month:02d}"


def _dt_of(v: Value, fn: str) -> _dt.datetime:
    if not isinstance(v, _dt.datetime):
        raise BuiltinError(f"{fn} expects a date-time (YYYY-MM-DDTHH:MM), got {v!r}")
    return v


def _time_of(d: Value) -> Value:
    return _dt_of(d, "time_of").strftime("%H:%M")


def _at_time(d: Value, hhmm: Value) -> Value:
    day = _date(d, "at_time")
    if isinstance(day, _dt.datetime):
        day = day.date()
    if not isinstance(hhmm, str):
        raise BuiltinError(f"at_time expects a time such as \"17:00\", got {hhmm!r}")
    try:
        t = _dt.time.fromisoformat(hhmm)
    except ValueError:
        raise BuiltinError(f"at_time expects a time such as \"17:00\", got {hhmm!r}") from None
    return _dt.datetime.combine(day, t)


def _contains(s: Value, part: Value) -> Value:
    if not (isinstance(s, str) and isinstance(part, str)):
        raise BuiltinError(f"contains expects two strings, got {s!r}, {part!r}")
    return "true" if part.casefold() in s.casefold() else "false"


def _min(a: Value, b: Value) -> Value:
    if not _comparable(a, b):
        raise BuiltinError(f"cannot compare {a!r} and {b!r}")
    return a if a <= b else b  # type: ignore[operator]  # _comparable: one ordered kind


def _max(a: Value, b: Value) -> Value:
    if not _comparable(a, b):
        raise BuiltinError(f"cannot compare {a!r} and {b!r}")
    return a if a >= b else b  # type: ignore[operator]  # _comparable: one ordered kind


FUNCTIONS: dict[str, tuple[int, Callable[..., Value], str]] = {
    "+": (2, _add, "sum of two numbers"),
    "-": (2, _sub, "difference of two numbers"),
    "*": (2, _mul, "product of two numbers"),
    "/": (2, _div, "quotient of two numbers (exact decimal)"),
    "add_days": (2, _add_days, "date plus N days"),
    "add_hours": (2, _add_hours, "date-time plus N hours"),
    "add_months": (2, _add_months, "date plus N calendar months"),
    "add_years": (2, _add_years, "date plus N calendar years (29 Feb falls back to 28 Feb)"),
    "days_between": (2, _days_between, "days from the first date to the second"),
    "hours_between": (2, _hours_between, "hours from the first date-time to the second"),
    "date_of": (1, _date_of, "the calendar date of a date-time"),
    "month_of": (1, _month_of, "the month of a date, as YYYY-MM"),
    "len": (1, _len, "length of a string in Unicode characters"),
    "time_of": (1, _time_of, "the clock time of a date-time, as \"HH:MM\""),
    "at_time": (2, _at_time, "the date-time of a date at a clock time \"HH:MM\""),
    "contains": (2, _contains, "true if the first string contains the second (case-insensitive)"),
    "min": (2, _min, "the smaller of two numbers, dates or strings"),
    "max": (2, _max, "the larger of two numbers, dates or strings"),
}


def evaluate(t, env: dict) -> Value:
    """The value of a term under ``env``: raises KeyError for an unbound variable and
    BuiltinError where a built-in is undefined."""
    from grammar.model import Call, Const, Var

    if isinstance(t, Var):
        return env[t]
    if isinstance(t, Const):
        return t.value
    assert isinstance(t, Call)
    return call(t.fn, tuple(evaluate(a, env) for a in t.args))


def call(fn: str, args: tuple[Value, ...]) -> Value:
    arity, impl, _ = FUNCTIONS[fn]
    if len(args) != arity:
        raise BuiltinError(f"{fn} takes {arity} argument(s), got {len(args)}")
    return impl(*args)


def _comparable(a: Value, b: Value) -> bool:
    if isinstance(a, Decimal) and isinstance(b, Decimal):
        return True
    if isinstance(a, str) and isinstance(b, str):
        return True
    if isinstance(a, _dt.datetime) or isinstance(b, _dt.datetime):
        return isinstance(a, _dt.datetime) and isinstance(b, _dt.datetime)
    return isinstance(a, _dt.date) and isinstance(b, _dt.date)


def compare(op: str, a: Value, b: Value) -> bool:
    """Evaluate a ground comparison. Equality across types is simply false."""
    if op == "=":
        return type(a) is type(b) and a == b
    if op == "!=":
        return not (type(a) is type(b) and a == b)
    if not _comparable(a, b):
        raise BuiltinError(f"cannot compare {a!r} {op} {b!r}")
    if op == "<":
        return a < b  # type: ignore[operator]  # _comparable: one ordered kind
    if op == "=<":
        return a <= b  # type: ignore[operator]  # _comparable: one ordered kind
    if op == ">":
        return a > b  # type: ignore[operator]  # _comparable: one ordered kind
    if op == ">=":
        return a >= b  # type: ignore[operator]  # _comparable: one ordered kind
    raise BuiltinError(f"unknown comparison {op}")
