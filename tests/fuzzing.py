"""The fuzz corpus of issue 11: hypothesis strategies for every kind of input, and the one
property they all share — only the project's own errors (the KbError family), exit codes
0/1/2, no internal error, bounded time. tests/test_fuzz.py runs a bounded share;
benchmarks/fuzz.py runs a longer corpus and counts."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "facts" / "examples").glob("*.dl")) + sorted((ROOT / "facts").glob("*/*.dl"))
SEED_BYTES = [p.read_bytes() for p in SEEDS]
QUESTION_BOUND_S = 5.0  # generous: a hang, not a slow answer


# ---------------------------------------------------------------------------------------- facts files
def _flip(data: bytes, i: int, b: int) -> bytes:
    i %= max(len(data), 1)
    return data[:i] + bytes([b]) + data[i + 1:]


@st.composite
def facts_files(draw) -> bytes:
    """A facts or rule file of the project, mutated: byte flips, dropped lines, a BOM, CRLF,
    NUL, huge numbers, bad dates, stray bytes."""
    data = draw(st.sampled_from(SEED_BYTES))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "drop", "bom", "crlf", "nul", "huge", "date", "insert", "cut"]))
        lines = data.split(b"\n")
        if kind == "flip" and data:
            data = _flip(data, draw(st.integers(0, len(data))), draw(st.integers(0, 255)))
        elif kind == "drop" and lines:
            del lines[draw(st.integers(0, len(lines) - 1))]
            data = b"\n".join(lines)
        elif kind == "bom":
            data = b"\xef\xbb\xbf" + data
        elif kind == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif kind == "nul":
            i = draw(st.integers(0, len(data)))
            data = data[:i] + b"\0" + data[i:]
        elif kind == "huge":
            data += b"\nks_experience_stars(acme, " + b"9" * draw(st.integers(20, 5000)) + b".5).\n"
        elif kind == "date":
            bad = draw(st.sampled_from([b"2026-02-30", b"2026-13-01", b"0000-00-00", b"9999-99-99T99:99",
                                        b"2026-1-1", b"-2026-01-01"]))
            data += b"\nks_violation_date(v9, " + bad + b").\n"
        elif kind == "insert":
            i = draw(st.integers(0, len(data)))
            data = data[:i] + draw(st.binary(min_size=1, max_size=8)) + data[i:]
        elif kind == "cut":
            data = data[: draw(st.integers(0, len(data)))]
    return data


# ---------------------------------------------------------------------------------------- text
CONTROLS = st.characters(min_codepoint=0, max_codepoint=0x9F).filter(lambda c: not c.isprintable())
ANY_CHAR = st.one_of(st.characters(), CONTROLS, st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF))
EN = ["can store bolt join kuaishou distribution?", "why can't bolt join kuaishou distribution?",
      "which 会员通 modes need a contract?", "what does bolt need to join kuaishou distribution?",
      "if bolt had experience stars 4.5, could it join kuaishou distribution?", "?- ks_distribution_eligible(S).",
      "ks_c3_experience_stars_ok(bolt)", "can bolt join taobao live?"]
ZH = ["bolt能入驻快分销吗？", "活动a2为什么无效？", "哪些模式需要签合同？", "bolt需要什么才能入驻快分销？",
      "如果bolt的体验星级是4.5星，能入驻快分销吗？"]


@st.composite
def questions(draw) -> str:
    """English, Chinese, mixed, or random Unicode (surrogates and controls included)."""
    kind = draw(st.sampled_from(["en", "zh", "mixed", "random", "mutated"]))
    if kind == "en":
        return draw(st.sampled_from(EN))
    if kind == "zh":
        return draw(st.sampled_from(ZH))
    if kind == "mixed":
        return draw(st.sampled_from(EN)) + " " + draw(st.sampled_from(ZH))
    if kind == "random":
        return draw(st.text(ANY_CHAR, max_size=80))
    q = draw(st.sampled_from(EN + ZH))
    i = draw(st.integers(0, len(q)))
    return q[:i] + draw(st.text(ANY_CHAR, max_size=6)) + q[i:]


DIRECTIVES = ["@facts ", "@as-of ", "@lang ", "@", "#", ""]
REPL_WORDS = [":load ", ":save ", ":save --force ", ":assert ", ":retract ", ":whatif ", ":needed ", ":why ",
              ":whynot ", ":lang ", ":as-of ", ":facts ", ":vocab ", ":rules ", ":help ", ":json", ":nonsense ", ""]
PATHS = ["/dev/zero", "/dev/null", "/etc/passwd", "/nonexistent", "", "a\0b", "../" * 5, "/proc/self/status", ".",
         str(ROOT / "facts/examples/ks_bolt_failing.dl")]  # read only: :save gets SAVE_PATHS
SAVE_PATHS = ["out.dl", "a\0b", "", "sub/x.dl", ".", "out.dl\x1b[31m"]  # relative to a scratch folder


@st.composite
def batch_lines(draw) -> str:
    head = draw(st.sampled_from(DIRECTIVES))
    tail = draw(st.one_of(st.sampled_from(PATHS + EN + ZH + ["today", "zh", "2026-02-30", "en"]),
                          st.text(ANY_CHAR, max_size=30)))
    return head + tail


@st.composite
def repl_inputs(draw) -> str:
    """A REPL line. Run them in a scratch folder (``check_repl``): :save writes there only."""
    word = draw(st.sampled_from(REPL_WORDS))
    if word.startswith(":save"):
        return word + draw(st.sampled_from(SAVE_PATHS))
    arg = draw(st.one_of(st.sampled_from(PATHS + EN + ZH + ["ks_experience_stars(bolt, 4.5).",
                                                            "ks_experience_stars(bolt, 4.5). ; " + EN[0]]),
                         st.text(ANY_CHAR, max_size=30)))
    return word + arg


ENV_VALUES = st.one_of(st.sampled_from(["", "abc", "nan", "inf", "-inf", "1e12", "0", "-1", "10", "0.5", "1e-9",
                                        "\x1b[31m", " 5 "]), st.text(st.characters(blacklist_categories=("Cs",)),
                                                                    max_size=12).filter(lambda s: "\0" not in s))


# ---------------------------------------------------------------------------------------- the property
class Internal(AssertionError):
    """An input that produced something other than the project's own error."""


def check_facts_file(base, data: bytes, tmp: Path) -> str:
    """Load mutated bytes as a facts file: ok, or one of our errors. Returns the outcome."""
    from grammar.errors import KbError

    path = tmp / "fuzz.dl"
    path.write_bytes(data)
    try:
        base.facts_from_path(str(path))
        return "ok"
    except KbError:
        return "error"
    except Exception as e:  # noqa: BLE001 - the property under test
        raise Internal(f"{type(e).__name__}: {e} on {data[:200]!r}") from e


def check_question(base, text: str, facts=()) -> str:
    from grammar.errors import KbError

    started = time.perf_counter()
    try:
        base.ask(text, facts=list(facts))
        outcome = "ok"
    except KbError:
        outcome = "error"
    except Exception as e:  # noqa: BLE001
        raise Internal(f"{type(e).__name__}: {e} on {text!r}") from e
    took = time.perf_counter() - started
    if took > QUESTION_BOUND_S:
        raise Internal(f"took {took:.1f} s on {text!r}")
    return outcome


def check_batch(session, lines: list[str], folder: Path) -> str:
    from repl.batch import run_batch

    out, err = io.StringIO(), io.StringIO()
    try:
        outcome = run_batch(lines, "fuzz.q", folder, session, out, err, fmt="tree")
    except Exception as e:  # noqa: BLE001
        raise Internal(f"{type(e).__name__}: {e} on {lines!r}") from e
    if "internal error" in err.getvalue() or outcome.code not in (0, 1):
        raise Internal(f"{err.getvalue()[-300:]} on {lines!r}")
    return "error" if outcome.code else "ok"


def check_repl(session, text: str, folder: Path) -> str:
    from repl.app import one_iteration
    from repl.output import make_console

    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        one_iteration(session, text, make_console(out, terminal=False), make_console(err, terminal=False))
    except Exception as e:  # noqa: BLE001
        raise Internal(f"{type(e).__name__}: {e} on {text!r}") from e
    finally:
        os.chdir(cwd)
    said = out.getvalue() + err.getvalue()
    if "internal error" in said or "\x1b" in said:
        raise Internal(f"{said[-300:]} on {text!r}")
    return "error" if err.getvalue() else "ok"


def check_env(name: str, value: str, tmp: Path) -> str:
    """GUIZE_TIMEOUT and GUIZE_CACHE_DIR with any value: a number, our error, or no cache."""
    from grammar.errors import KbError
    from kb import cache
    from kb.limits import env_timeout

    old = os.environ.get(name)
    os.environ[name] = value if name != "GUIZE_CACHE_DIR" else str(tmp / value.replace("/", "_"))[:200]
    try:
        if name == "GUIZE_TIMEOUT":
            try:
                t = env_timeout()
            except KbError:
                return "error"
            if not 0 < t <= 86_400:
                raise Internal(f"GUIZE_TIMEOUT={value!r} gave {t}")
            return "ok"
        cache.cache_dir()
        return "ok"
    except Internal:
        raise
    except Exception as e:  # noqa: BLE001
        raise Internal(f"{type(e).__name__}: {e} on {name}={value!r}") from e
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old
