"""Step 1 of reading a message: one normal form for everything people type.

NFKC (full-width to half-width), Traditional to Simplified Chinese (OpenCC), lower case, single
spaces, and Chinese numerals written as digits where they count something (四星 -> 4星,
百分之二 -> 2%, 两小时 -> 2小时, 一个半小时 -> 1.5小时, 五万 -> 50000). Numerals inside words are
left alone (统一社会信用代码, 一致), so a lexicon term still matches. The text keeps its length
relation to the input only loosely; positions reported to users refer to the normalised text,
which is what the answer echoes.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CJK = re.compile(r"[\u3400-\u9fff]")
MAX_QUESTION = 2000  # characters; longer messages get a clear error before any work is done


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # the OpenCC project's own binding: dictionaries maintained upstream

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text) if _CJK.search(text) else text


def language_of(text: str) -> str:
    """zh when the message has any Chinese beyond a few embedded terms, else en."""
    cjk = len(_CJK.findall(text))
    latin = len(re.findall(r"[A-Za-z]+", text))
    return "zh" if cjk and cjk >= 2 * latin else ("en" if latin else ("zh" if cjk else "en"))


_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
          "八": 8, "九": 9}
_SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}
_BIG_UNIT = {"万": 10000, "亿": 100000000}
_NUMERAL = "零〇一二两俩三四五六七八九十百千万亿"
# what a counted numeral is followed by (a unit, a counter, a date part) or preceded by
_COUNTER = ("星|颗星|分钟|分|小时|个小时|钟头|天|日|号|月|个月|年|周|个星期|星期|次|场|个|份|种|步|条|项|倍|"
            "万|千|块|元|张|家|位|名|点|%|岁|w|k")
_NUM_RUN = re.compile(f"(第|近|前|后)?([{_NUMERAL}]+(?:点[{_NUMERAL}]+)?)(半)?(?=({_COUNTER}))")


def chinese_int(s: str) -> int | None:
    """一 -> 1, 十二 -> 12, 二十 -> 20, 一百零五 -> 105, 五万 -> 50000, 十万 -> 100000."""
    if not s or any(ch not in _NUMERAL for ch in s):
        return None
    if all(ch in _DIGIT for ch in s) and len(s) > 1:  # 二〇二五: digit by digit
        return int("".join(str(_DIGIT[ch]) for ch in s))
    total, section, digit = 0, 0, None
    for ch in s:
        if ch in _DIGIT:
            digit = _DIGIT[ch]
        elif ch in _SMALL_UNIT:
            section += (digit if digit is not None else 1) * _SMALL_UNIT[ch]
            digit = None
        elif ch in _BIG_UNIT:
            section += digit or 0
            total += (section or 1) * _BIG_UNIT[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


def _numeral(m: re.Match) -> str:
    prefix, run, half = m.group(1) or "", m.group(2), m.group(3)
    whole, _, frac = run.partition("点")
    n = chinese_int(whole)
    if n is None:
        return m.group(0)
    value = str(n)
    if frac:
        digits = "".join(str(_DIGIT.get(ch, "")) for ch in frac)
        if not digits:
            return m.group(0)
        value += "." + digits
    if half:
        value = str(n) + ".5" if not frac else value
    return prefix + value


def _percent(m: re.Match) -> str:
    run = m.group(1)
    if run[0].isdigit():
        return run + "%"
    whole, _, frac = run.partition("点")
    n = chinese_int(whole)
    if n is None:
        return m.group(0)
    digits = "".join(str(_DIGIT.get(ch, "")) for ch in frac)
    return f"{n}.{digits}%" if digits else f"{n}%"


_HALF = re.compile(r"(\d+)个半(小时|钟头|月)")


_ANY_NUMERAL = re.compile(f"[{_NUMERAL}半]")


def chinese_numerals(text: str) -> str:
    """Counted Chinese numerals as digits; 一个半小时 -> 1.5小时; 半小时 -> 0.5小时."""
    if not _ANY_NUMERAL.search(text):  # every rewrite below needs a numeral or 半
        return text
    text = re.sub(f"百分之([{_NUMERAL}]+(?:点[{_NUMERAL}]+)?|\\d+(?:\\.\\d+)?)", _percent, text)
    text = re.sub(f"([{_NUMERAL}]+)个(?=半)", lambda m: str(chinese_int(m.group(1)) or m.group(1)) + "个", text)
    text = _HALF.sub(lambda m: f"{m.group(1)}.5{m.group(2)}", text)
    text = re.sub(r"(?<![\d个])半(小时|个小时|钟头)", r"0.5\1", text)
    text = re.sub(r"(?<![\d个])半年", "6个月", text)
    text = re.sub(r"(?<![\d个])半个月", "15天", text)
    return _NUM_RUN.sub(_numeral, text)


# a numbered condition, however it is written, reads as the rule files name it: "第8条",
# "第八个条件", "8th condition", "condition no. 8" -> 条件8 / condition 8
_ZH_COND = re.compile(r"第(\d+)(?:个条件|项条件|条条件|条|项|个要求|点要求)")
_COND_WORD = re.compile(r"condition|requirement|criterion")
_EN_COND = (re.compile(r"\b(\d+)(?:st|nd|rd|th) (condition|requirement|criterion)\b"),
            re.compile(r"\b(condition|requirement|criterion) (?:no\.? ?|number |# ?)(\d+)\b"))


def condition_refs(text: str) -> str:
    if "第" not in text and not _COND_WORD.search(text):
        return text
    text = _ZH_COND.sub(r"条件\1", text)
    text = _EN_COND[0].sub(lambda m: f"condition {m.group(1)}", text)
    return _EN_COND[1].sub(lambda m: f"condition {m.group(2)}", text)


@lru_cache(maxsize=65536)  # the lexicon normalises the same phrases for every model it builds
def normalise(text: str, lower: bool = True) -> str:
    """The one normal form: NFKC, Simplified Chinese, lower case, single spaces, digits.
    ``lower=False`` keeps case, for quoted names ("Nike运动旗舰店")."""
    text = unicodedata.normalize("NFKC", text).replace("\u3000", " ")
    text = to_simplified(text)
    text = chinese_numerals(text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    text = re.sub(r"\s+", " ", text).strip()
    return condition_refs(text.lower()) if lower else text


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))
