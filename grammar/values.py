"""Numbers, units, dates and times as people type them, found in normalised text.

4.5星, 5w, 5万, 50k, 2%, 两小时 (already 2小时), 120分钟, 150 minutes, ¥300; 2025-11-20, 12月1日,
12月1号0点, Dec 1 00:00, October 2025, 去年3月, 上个月, last month, 3 days ago, 6个月前, today,
今天下午2点. Relative dates are resolved against the as-of date, which the caller passes in.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    text: str
    kind: str  # number | date | datetime | month | string | time
    value: object
    unit: str | None = None  # canonical unit: stars, %, hours, minutes, days, points, yuan, sessions, count


_UNITS = {
    "星": "stars", "颗星": "stars", "star": "stars", "stars": "stars",
    "%": "%", "percent": "%",
    "小时": "hours", "个小时": "hours", "钟头": "hours", "h": "hours", "hr": "hours", "hrs": "hours",
    "hour": "hours", "hours": "hours",
    "分钟": "minutes", "min": "minutes", "mins": "minutes", "minute": "minutes", "minutes": "minutes",
    "天": "days", "day": "days", "days": "days",
    "分": "points", "points": "points", "point": "points", "pts": "points",
    "元": "yuan", "块": "yuan", "块钱": "yuan", "yuan": "yuan", "rmb": "yuan", "cny": "yuan",
    "场": "sessions", "session": "sessions", "sessions": "sessions",
    "个": "count", "次": "times", "times": "times", "个月": "months", "months": "months", "month": "months",
    "字": "characters", "characters": "characters", "chars": "characters",
}
_MULT = {"w": Decimal(10000), "万": Decimal(10000), "k": Decimal(1000), "千": Decimal(1000), "亿": Decimal(100000000)}

_NUM = re.compile(
    r"(?<![A-Za-z0-9_.\-:/])[¥$]?(?P<n>\d{1,3}(?:,\d{3})+|\d+)(?P<f>\.\d+)?\s?(?P<m>w|万|k|千|亿)?(?![\d])"
    r"\s?(?P<u>颗星|星|%|percent|个小时|小时|钟头|hrs|hr|hours|hour|h|分钟|mins|min|minutes|minute|天|days|day|"
    r"分|points|point|pts|块钱|元|块|yuan|rmb|cny|场|sessions|session|个月|months|month|个|次|times|字|characters|chars|"
    r"stars|star)?(?![a-z])")

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_MON = "|".join(sorted(_MONTHS, key=len, reverse=True))


def _dec(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def _safe_date(y: int, m: int, d: int) -> _dt.date | None:
    try:
        return _dt.date(y, m, d)
    except ValueError:
        return None


def _shift_months(day: _dt.date, months: int) -> _dt.date:
    y, m = divmod(day.year * 12 + (day.month - 1) + months, 12)
    return _dt.date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


def _time(h: str | None, mi: str | None, pm: bool) -> _dt.time | None:
    if h is None:
        return None
    hour, minute = int(h), int(mi or 0)
    if pm and hour < 12:
        hour += 12
    if hour > 23 or minute > 59:
        return None
    return _dt.time(hour, minute)


_PM = r"(?P<pm>下午|晚上|傍晚|pm|p\.m\.)?"
_ZH_TIME = r"(?:" + _PM + r"(?P<h>\d{1,2})(?:[点:时](?P<mi>\d{1,2})?分?|:(?P<mi2>\d{2})))?"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso_dt", re.compile(r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})[t ](?P<h>\d{1,2}):(?P<mi>\d{2})")),
    ("iso", re.compile(r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})")),
    ("zh_ymd", re.compile(r"(?P<rel>去年|今年|明年)?(?:(?P<y>\d{4})年)?(?P<mo>\d{1,2})月(?P<d>\d{1,2})[日号]?"
                          r"(?:\s?(?:" + _PM + r"(?P<h>\d{1,2})(?:[点:时](?P<mi>\d{1,2})?分?)"
                          r"|\s?(?P<h2>\d{1,2}):(?P<mi2>\d{2})))?")),
    ("zh_month", re.compile(r"(?P<rel>去年|今年|明年|上个|下个|这个|本)?(?:(?P<y>\d{4})年)?(?P<mo>\d{1,2})月份?")),
    ("en_md", re.compile(r"(?P<mon>" + _MON + r")\.? (?P<d>\d{1,2})(?:st|nd|rd|th)?(?:,? (?P<y>\d{4}))?"
                         r"(?: (?:at )?(?P<h>\d{1,2}):(?P<mi>\d{2}))?(?![\d])")),
    ("en_dm", re.compile(r"(?P<d>\d{1,2})(?:st|nd|rd|th)? (?:of )?(?P<mon>" + _MON + r")(?:,? (?P<y>\d{4}))?")),
    ("en_month", re.compile(r"(?:in )?(?P<mon>" + _MON + r")(?: (?P<y>\d{4}))?(?![a-z])")),
    ("ago", re.compile(r"(?P<n>\d+|a|an|one) (?P<u>day|days|week|weeks|month|months|year|years) ago")),
    ("zh_ago", re.compile(r"(?P<n>\d+)(?P<u>天|周|个星期|星期|个月|月|年)(?:前|之前)")),
    ("rel", re.compile(r"(?P<w>last month|this month|next month|last week|this week|next week|last year|this year|"
                       r"yesterday|today|tomorrow|上个月|上月|这个月|本月|下个月|下月|上周|上星期|本周|这周|下周|去年|今年|明年|"
                       r"昨天|今天|今日|明天|前天)(?:\s?(?P<d>\d{1,2})[号日])?" + r"(?:\s?" + _PM +
                       r"(?P<h>\d{1,2})(?:[点:时](?P<mi>\d{1,2})?分?)|\s?(?:at )?(?P<h2>\d{1,2}):(?P<mi2>\d{2}))?")),
    ("clock", re.compile(r"(?<![\d.])(?:" + _PM + r")(?P<h>\d{1,2})(?:点|:(?P<mi>\d{2}))(?P<mi3>\d{1,2})?分?")),
    ("clock2", re.compile(r"(?<![\d.:])(?P<h>\d{1,2}):(?P<mi>\d{2})(?![\d])")),
    ("clock3", re.compile(r"(?<![\d.])(?P<h>\d{1,2})(?:点|时)(?:(?P<mi>\d{1,2})分)?(?!钟)")),
]


def _rel_day(word: str, as_of: _dt.date) -> tuple[_dt.date, str]:
    """A relative expression -> (its first day, granularity: day | week | month | year)."""
    w = word
    if w in ("today", "今天", "今日"):
        return as_of, "day"
    if w in ("yesterday", "昨天"):
        return as_of - _dt.timedelta(days=1), "day"
    if w == "前天":
        return as_of - _dt.timedelta(days=2), "day"
    if w in ("tomorrow", "明天"):
        return as_of + _dt.timedelta(days=1), "day"
    if w in ("last week", "上周", "上星期"):
        return as_of - _dt.timedelta(days=7), "week"
    if w in ("this week", "本周", "这周"):
        return as_of, "week"
    if w in ("next week", "下周"):
        return as_of + _dt.timedelta(days=7), "week"
    if w in ("last month", "上个月", "上月"):
        return _shift_months(as_of.replace(day=1), -1), "month"
    if w in ("this month", "这个月", "本月"):
        return as_of.replace(day=1), "month"
    if w in ("next month", "下个月", "下月"):
        return _shift_months(as_of.replace(day=1), 1), "month"
    if w in ("last year", "去年"):
        return _dt.date(as_of.year - 1, 1, 1), "year"
    if w in ("this year", "今年"):
        return _dt.date(as_of.year, 1, 1), "year"
    return _dt.date(as_of.year + 1, 1, 1), "year"  # next year / 明年


def _year(rel: str | None, y: str | None, as_of: _dt.date) -> int:
    if y:
        return int(y)
    return {"去年": as_of.year - 1, "明年": as_of.year + 1}.get(rel or "", as_of.year)


def find_dates(text: str, as_of: _dt.date) -> list[Found]:
    found: list[Found] = []
    taken = [False] * len(text)

    def add(m: re.Match, kind: str, value: object) -> None:
        if any(taken[m.start():m.end()]):
            return
        for i in range(m.start(), m.end()):
            taken[i] = True
        found.append(Found(m.start(), m.end(), m.group(0), kind, value))

    for name, pat in _PATTERNS:
        for m in pat.finditer(text):
            g = m.groupdict()
            if name in ("iso_dt", "iso"):
                day = _safe_date(int(g["y"]), int(g["mo"]), int(g["d"]))
                if day is None:
                    continue
                if name == "iso_dt":
                    t = _time(g["h"], g["mi"], False)
                    if t:
                        add(m, "datetime", _dt.datetime.combine(day, t))
                else:
                    add(m, "date", day)
            elif name == "zh_ymd":
                day = _safe_date(_year(g["rel"], g["y"], as_of), int(g["mo"]), int(g["d"]))
                if day is None:
                    continue
                t = _time(g["h"] or g.get("h2"), g["mi"] or g.get("mi2"), bool(g["pm"]))
                add(m, "datetime" if t else "date", _dt.datetime.combine(day, t) if t else day)
            elif name == "zh_month":
                rel, mo = g["rel"], int(g["mo"])
                if not 1 <= mo <= 12:
                    continue
                if rel in ("上个", "下个", "这个", "本"):
                    continue  # "上个3月" is not a thing; "上个月" is handled as relative
                y = _year(rel, g["y"], as_of)
                if not g["y"] and not rel and mo > as_of.month:
                    y -= 1  # "8月份播了15场" asked in November means this year's August, not next
                add(m, "month", _dt.date(y, mo, 1))
            elif name in ("en_md", "en_dm"):
                day = _safe_date(int(g["y"]) if g.get("y") else as_of.year, _MONTHS[g["mon"]], int(g["d"]))
                if day is None:
                    continue
                t = _time(g.get("h"), g.get("mi"), False)
                add(m, "datetime" if t else "date", _dt.datetime.combine(day, t) if t else day)
            elif name == "en_month":
                mon = g["mon"]
                if mon in ("may", "mar", "jan", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "feb", "apr") \
                        and not g["y"] and not m.group(0).startswith("in "):
                    continue  # "may" is a modal; bare abbreviations need "in" or a year
                y = int(g["y"]) if g["y"] else as_of.year
                if not g["y"] and _MONTHS[mon] > as_of.month:
                    y -= 1
                add(m, "month", _dt.date(y, _MONTHS[mon], 1))
            elif name in ("ago", "zh_ago"):
                n = {"a": 1, "an": 1, "one": 1}.get(g["n"]) or int(g["n"])
                u = g["u"]
                if u in ("day", "days", "天"):
                    day = as_of - _dt.timedelta(days=n)
                elif u in ("week", "weeks", "周", "个星期", "星期"):
                    day = as_of - _dt.timedelta(days=7 * n)
                elif u in ("month", "months", "个月", "月"):
                    day = _shift_months(as_of, -n)
                else:
                    day = _safe_date(as_of.year - n, as_of.month, min(as_of.day, 28)) or as_of
                add(m, "date", day)
            elif name == "rel":
                day, grain = _rel_day(g["w"], as_of)
                if g.get("d"):
                    day = _safe_date(day.year, day.month, int(g["d"])) or day
                    grain = "day"
                t = _time(g.get("h") or g.get("h2"), g.get("mi") or g.get("mi2"), bool(g.get("pm")))
                if t and grain == "day":
                    add(m, "datetime", _dt.datetime.combine(day, t))
                else:
                    add(m, "month" if grain == "month" else "date", day)
            else:  # a clock time with no date: today at that time
                t = _time(g["h"], g.get("mi") or g.get("mi3"), bool(g.get("pm")))
                if t:
                    add(m, "time", t)
    return found


_HOURS_MINUTES = re.compile(r"(?P<h>\d+)\s?(?:个)?(?:小时|h|hours?|hrs?)\s?(?P<m>\d+)\s?(?:分钟|分|min|mins|minutes?)")


def find_numbers(text: str, taken: list[bool]) -> list[Found]:
    out = []
    for m in _HOURS_MINUTES.finditer(text):  # 1小时59分 = 119 minutes
        if not any(taken[m.start():m.end()]):
            out.append(Found(m.start(), m.end(), m.group(0), "number",
                             Decimal(int(m.group("h")) * 60 + int(m.group("m"))), "minutes"))
            for i in range(m.start(), m.end()):
                taken[i] = True
    for m in _NUM.finditer(text):
        if any(taken[m.start():m.end()]):
            continue
        value = _dec(m.group("n") + (m.group("f") or ""))
        if value is None:
            continue
        if m.group("m"):
            value *= _MULT[m.group("m")]
        unit = _UNITS.get(m.group("u") or "")
        end = m.end() if m.group("u") else m.end("m") if m.group("m") else m.end("f") if m.group("f") else m.end("n")
        out.append(Found(m.start(), end, text[m.start():end], "number", value, unit))
    return out


_STRING = re.compile(r'"([^"]{1,200})"|「([^」]{1,200})」|『([^』]{1,200})』|《([^》]{1,200})》|\'([^\']{1,200})\'')


def find_values(text: str, as_of: _dt.date, original: str | None = None) -> list[Found]:
    """Quoted strings (case kept from ``original``), dates and times, then numbers."""
    found: list[Found] = []
    taken = [False] * len(text)
    for m in _STRING.finditer(text):
        inner = next(g for g in m.groups() if g is not None)
        if original is not None and len(original) == len(text):
            inner = original[m.start() + 1:m.end() - 1]
        found.append(Found(m.start(), m.end(), m.group(0), "string", inner))
        for i in range(m.start(), m.end()):
            taken[i] = True
    for f in find_dates(text, as_of):
        if not any(taken[f.start:f.end]):
            found.append(f)
            for i in range(f.start, f.end):
                taken[i] = True
    found += find_numbers(text, taken)
    return sorted(found, key=lambda f: f.start)
