"""The REPL's pure parts, without a terminal: what to complete, what an input means, when Enter
submits, what to colour, and the explanation drawn as text, Markdown and HTML."""

from __future__ import annotations

import datetime as dt
import html.parser
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grammar.errors import QueryError
from repl import app, commands
from repl.commands import parse_input
from repl.highlight import tokenize
from repl.output import explain, make_console, md_code, md_escape, render_to_string, to_html, to_markdown, to_plain
from repl.session import build_catalog
from repl.suggest import Catalog, Entry, context, split_whatif, suggest

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def facts(base):
    return (base.facts_from_path(str(ROOT / "facts/examples/ks_bolt_failing.dl"))
            + base.facts_from_path(str(ROOT / "facts/examples/ks_acme_admitted.dl")))


@pytest.fixture(scope="module")
def catalog(base, facts) -> Catalog:
    return build_catalog(base, facts, commands.command_entries(), commands.command_arguments())


def texts(found) -> list[str]:
    return [s.text for s in found]


# ---------------------------------------------------------------------------------------- suggest
def test_english_phrases_complete_from_the_words_they_start_with(catalog):
    found = suggest("can store bolt join kuai", catalog)
    assert texts(found) == ["join kuaishou distribution"]
    assert found[0].replace == len("join kuai") and found[0].kind == "phrase"
    assert found[0].meta.startswith("ks_distribution_eligible: The store meets")
    assert texts(suggest("Can Store Bolt JOIN KUAI", catalog)) == ["join kuaishou distribution"]  # any case


def test_chinese_phrases_complete_without_spaces(catalog):
    found = suggest("bolt能入驻快", catalog)
    assert texts(found) == ["入驻快分销"] and found[0].replace == 3
    assert found[0].meta.startswith("ks_distribution_eligible: 店铺满足")  # the doc in the phrase's language
    assert "体验星级" in texts(suggest("如果bolt的体验", catalog))  # input phrases, for what-if questions
    assert texts(suggest("为什么bo", catalog))[:1] == ["bolt"]  # subjects after Chinese words


def test_the_longest_matching_fragment_wins(catalog):
    found = suggest("can store bolt have a custo", catalog)
    assert found and all(s.text.lower().startswith("have a custo") for s in found)


def test_goals_and_their_subjects(catalog):
    assert texts(suggest("ks_c3_exp", catalog)) == ["ks_c3_experience_stars_ok"]
    assert texts(suggest("?- ks_c3", catalog)) == ["ks_c3_experience_stars_ok"]
    assert suggest("?- ks_c3", catalog)[0].meta.startswith("derived/1: Condition 3")
    subjects = texts(suggest("ks_c3_experience_stars_ok(ac", catalog))
    assert subjects[0] == "acme" and all(t.startswith("ac") for t in subjects)
    assert suggest("ks_c3_experience_stars_ok(", catalog) == []  # nothing typed yet: only on Tab
    assert "bolt" in texts(suggest("ks_c3_experience_stars_ok(", catalog, explicit=True))


def test_commands_and_their_arguments(catalog):
    assert texts(suggest(":wh", catalog)) == [":why", ":whynot", ":whatif"]
    assert suggest(":wh", catalog)[0].meta == "Prove a goal: the rules and facts it rests on (or why it fails)."
    assert texts(suggest(":lang ", catalog, explicit=True)) == ["en", "zh", "auto"]
    assert texts(suggest(":rules 00", catalog)) == ["000", "001", "002", "003", "004"]
    assert texts(suggest(":help wh", catalog)) == ["why", "whynot", "whatif"]
    assert texts(suggest(":assert ks_experience_st", catalog)) == ["ks_experience_stars("]
    assert texts(suggest(":retract ks_experience_stars(b", catalog)) == ["ks_experience_stars(bolt, 3.8)."]
    assert texts(suggest(":retract ks_experience_st", catalog)) == ["ks_experience_stars(bolt, 3.8).",
                                                                    "ks_experience_stars(acme, 4.8)."]
    assert texts(suggest(":whatif ks_experience_stars(bolt, 4.5). ks_store_t", catalog)) == ["ks_store_type("]
    assert texts(suggest(":whatif ks_experience_stars(bolt, 4.5). ; can bolt join kuai", catalog)) == [
        "join kuaishou distribution"]
    assert texts(suggest(":why bolt能入驻快", catalog)) == ["入驻快分销"]
    assert context(":load facts/x", catalog).kind == "file"
    assert suggest(":json ", catalog, explicit=True) == []


def test_typing_offers_only_what_matches_tab_offers_what_comes_next(catalog):
    assert suggest("can store bolt ", catalog) == []
    after = suggest("can store bolt ", catalog, explicit=True)
    assert len(after) > 100 and all(s.replace == 0 for s in after)
    assert {s.kind for s in after} >= {"phrase", "subject"}
    start = suggest("", catalog, explicit=True)
    assert start[0].kind == "keyword" and "why can't store" in texts(start)


def test_nothing_is_offered_for_a_finished_question(catalog):
    assert suggest("can store bolt join kuaishou distribution?", catalog) == []
    assert suggest("bolt能入驻快分销吗？", catalog) == []


def test_suggest_needs_only_a_catalog():
    cat = Catalog(phrases=(Entry("整合营销", "phrase", "m", "zh"), Entry("integrated marketing", "phrase", "m")),
                  subjects=(Entry("店铺甲", "subject"),))
    assert texts(suggest("店铺甲能申请整合", cat)) == ["整合营销"]
    assert texts(suggest("can store x apply for integ", cat)) == ["integrated marketing"]
    assert texts(suggest("店铺", cat)) == ["店铺甲"]


def test_pure_modules_do_not_import_prompt_toolkit():
    code = ("import sys, repl.suggest, repl.highlight, repl.commands, repl.batch, repl.output; "
            "print('prompt_toolkit' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert r.stdout.strip() == "False", r.stderr


# ---------------------------------------------------------------------------------------- input
@pytest.mark.parametrize("text, kind, arg, name", [
    ("", "empty", "", ""),
    ("   \n ", "empty", "", ""),
    ("exit", "quit", "", ""),
    ("退出", "quit", "", ""),
    (" :Q ", "quit", "", ""),
    ("can acme join kuaishou distribution?", "question", "can acme join kuaishou distribution?", ""),
    ("ks_c3_ok(\n  acme\n)", "question", "ks_c3_ok(acme)", ""),
    ("can acme \\\n  join kuaishou distribution?", "question", "can acme join kuaishou distribution?", ""),
    (":load  facts/x.dl ", "command", "facts/x.dl", ":load"),
    (":LOAD facts/x.dl", "command", "facts/x.dl", ":load"),
    (":why-not p(a)", "command", "p(a)", ":whynot"),
    (":h", "command", "", ":help"),
    (":assert p(a).\nq(b).", "command", "p(a).\nq(b).", ":assert"),
])
def test_inputs_are_read_without_a_session(text, kind, arg, name):
    p = parse_input(text)
    assert (p.kind, p.text, p.command.name if p.command else "") == (kind, arg, name)


def test_an_unknown_command_says_what_was_meant():
    with pytest.raises(QueryError) as e:
        parse_input(":fatcs")
    assert e.value.render() == "unknown command :fatcs (did you mean :facts?; :help lists the commands)"


@pytest.mark.parametrize("text, complete", [
    ("", True),
    ("can acme join kuaishou distribution?", True),
    ("bolt能入驻快分销吗", True),
    ("ks_c3_experience_stars_ok(acme)", True),
    ("ks_c3_experience_stars_ok(acme).", True),
    ("?- ks_c3_experience_stars_ok(acme", False),
    ("ks_c3_experience_stars_ok(acme,", False),
    ('ks_c3_experience_stars_ok("a(b"', False),
    ('ks_c3_experience_stars_ok("a(b")', True),
    ("ks_c3_experience_stars_ok(acme) ,", False),
    ("can acme \\", False),
    ("ks_c3_experience_stars_ok(\n", True),  # an empty line submits what there is
    (":assert ks_experience_stars(acme, 4.5)", True),
    (":assert ks_experience_stars(acme, 4.5). ks_store_type(acme,", False),
    (":assert ks_experience_stars(acme, 4.5). ks_store_type(acme, x) ", True),
    (":whatif ks_experience_stars(acme, 4.5). ; can acme join kuaishou distribution?", True),
    (":whatif ks_experience_stars(acme, 4.5", False),
    (":help", True),
])
def test_when_enter_submits(text, complete):
    assert app.is_complete(text) is complete


def test_whatif_splits_at_the_first_semicolon_outside_quotes():
    assert split_whatif('p(a, "x;y"). ; can a b?') == ('p(a, "x;y"). ', True, " can a b?")
    assert split_whatif("p(a).；q(a)") == ("p(a).", True, "q(a)")
    assert split_whatif("p(a).") == ("p(a).", False, "")


# ---------------------------------------------------------------------------------------- colours
def test_tokens_cover_the_text_exactly(catalog):
    lines = (ROOT / "tests/questions/phrasings.tsv").read_text("utf-8").splitlines()[1:]
    for line in lines[::7] + [':whatif ks_x(a, "b c"). ; why can\'t acme join kuaishou distribution?']:
        text = line.split("\t")[0]
        assert "".join(t for _, t in tokenize(text, catalog)) == text


def test_tokens_name_what_they_are(catalog):
    toks = tokenize(':why ks_c3_experience_stars_ok(bolt) nosuch(X, "s", 2026-01-01, 4.5)', catalog)
    assert ("command", ":why") in toks and ("predicate", "ks_c3_experience_stars_ok") in toks
    assert ("unknown", "nosuch") in toks and ("variable", "X") in toks and ("string", '"s"') in toks
    assert ("number", "2026-01-01") in toks and ("number", "4.5") in toks
    toks = tokenize("为什么bolt不能入驻快分销？", catalog)
    assert toks == [("keyword", "为什么"), ("subject", "bolt"), ("keyword", "不能"), ("phrase", "入驻快分销"),
                    ("punct", "？")]
    assert ("", "canal") in tokenize("canal", catalog)  # a keyword only as a whole word


# ---------------------------------------------------------------------------------------- output
QUESTIONS = ["can store bolt join kuaishou distribution?", "bolt能入驻快分销吗", "can acme join kuaishou distribution?",
             "ks_distribution_eligible(S)", "which stores can join kuaishou distribution?",
             "how can bolt join kuaishou distribution?", "如果bolt的体验星级是4.5，能入驻快分销吗？",
             "can acme join douyin 精选联盟?", "ks_store_type(acme, T)"]


@pytest.fixture(scope="module")
def answers(base, facts):
    return [base.ask(q, facts, AS_OF) for q in QUESTIONS] + [base.what_needed(QUESTIONS[0], facts, AS_OF)]


def test_plain_text_is_what_rich_draws_when_piped(base, answers):
    for a in answers:
        ex = explain(a, base.program)
        assert to_plain(ex) == render_to_string(ex), a.question
        assert to_plain(ex, full=True) == render_to_string(ex, full=True), a.question


def test_the_full_tree_names_every_step_of_the_published_proof(base, answers):
    """Every goal and clause id of the JSON proof / why-not is drawn in the full view; the short
    view is the head of it (the same verdict and reasons) and no longer than 20 lines."""
    from kb.render import answer_json

    def ids(node, out):  # the clauses of derived steps and of why-not alternatives
        if isinstance(node, dict):
            if isinstance(node.get("clause"), str) and (node.get("kind") == "derived" or "failures" in node):
                out.add(node["clause"])
            for v in node.values():
                ids(v, out)
        elif isinstance(node, list):
            for v in node:
                ids(v, out)
        return out

    for a in answers:
        data = answer_json(a, base.program)
        full = to_plain(explain(a, base.program), full=True)
        wanted = ids({k: data[k] for k in ("proof", "proofs", "why_not", "unknown_because")}, set())
        drawn = set(re.findall(r"\[(?:by rule|rule|规则) ([^\]]+)\]", full))
        assert wanted <= drawn, (a.question, wanted - drawn)
        short = to_plain(explain(a, base.program))
        assert full.startswith("\n".join(short.splitlines()[:2])), a.question
        assert len(short.splitlines()) <= 20, a.question


def test_colours_only_on_a_terminal(base, answers):
    ex = explain(answers[0], base.program)
    piped, tty = io.StringIO(), io.StringIO()
    make_console(piped).print("x")
    make_console(tty, terminal=True, width=100).print(__import__("repl.output").output.to_rich(ex))
    assert "\x1b[" not in piped.getvalue() and "\x1b[" in tty.getvalue()


def test_chinese_lines_fit_the_terminal_width(base, answers):
    from rich.cells import cell_len

    from repl.output import to_rich

    buf = io.StringIO()
    make_console(buf, terminal=True, width=60).print(to_rich(explain(answers[1], base.program), full=True))
    plain = re.sub(r"\x1b\[[0-9;]*m", "", buf.getvalue())
    assert "不成立的原因" in plain and "条件3" in plain
    assert max(cell_len(x) for x in plain.splitlines()) <= 60


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.text: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += attrs

    def handle_data(self, data):
        self.text.append(data)


def test_markdown_and_html_escape_everything(base, facts):
    nasty = 'can store "<b>x</b>*y*_z_`q`|[l](http://e)" join kuaishou distribution?'
    a = base.ask(nasty, facts, AS_OF)
    ex = explain(a, base.program)
    md = to_markdown(ex)
    assert md.startswith("```text\n" + nasty + "\n```\n")
    from markdown_it import MarkdownIt

    rendered = MarkdownIt("commonmark").enable("table").enable("strikethrough").render(md)
    tags = set(re.findall(r"<(\w+)", rendered))
    assert tags <= {"p", "pre", "code", "strong", "ul", "ol", "li", "br"}, tags
    page = to_html(ex)
    parser = _Tags()
    parser.feed(page)
    assert "b" not in parser.tags and "a" not in parser.tags and "script" not in parser.tags
    assert nasty in "".join(parser.text)
    assert not [v for k, v in parser.attrs if k in ("src", "href")]  # self-contained
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page


def test_markdown_helpers():
    assert md_escape("a*b_c d_ e<f>|") == "a\\*b_c d\\_ e\\<f\\>\\|"
    assert md_code("x`y") == "`` x`y ``" and md_code("ks_a(b)") == "`ks_a(b)`"


def test_md_and_html_from_the_command_line():
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    args = [sys.executable, "-m", "repl", "why-not", "--as-of", "2026-11-23", "--facts",
            str(ROOT / "facts/examples/ks_bolt_failing.dl"), "ks_c3_experience_stars_ok(bolt)", "--format"]
    md = subprocess.run(args + ["md"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert md.stdout.startswith("```text\n?- ks_c3_experience_stars_ok(bolt)\n```")
    assert "star rating 3.8 \\< 4 stars" in md.stdout and "`3.8 ≥ 4`" not in md.stdout
    md = subprocess.run(args + ["md", "--full"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert "`3.8 ≥ 4`" in md.stdout and "快手快分销准入 · 004" in md.stdout
    page = subprocess.run(args + ["html"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert page.stdout.startswith("<!DOCTYPE html>") and "3.8 ≥ 4" in page.stdout  # the proof, folded
    assert '<article lang="en">' in page.stdout and "<details>" in page.stdout and "Noto Sans CJK SC" in page.stdout
    assert "=&lt;" not in page.stdout and "004_ab237df4ce40d813.txt" not in page.stdout.split("<details>")[0]
    pretty = subprocess.run(args + ["pretty", "--full"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert "└── ✗ 3.8 ≥ 4  is false" in pretty.stdout and "\x1b[" not in pretty.stdout


# ---------------------------------------------------------------------------------------- docs
def test_docs_list_every_command_as_the_registry_does():
    doc = (ROOT / "docs/repl.md").read_text("utf-8")
    start, end = "<!-- commands: generated by repl.commands.help_markdown() -->\n", "<!-- end commands -->"
    assert start in doc and end in doc, "docs/repl.md lost its commands markers"
    assert doc.split(start, 1)[1].split(end, 1)[0] == commands.help_markdown(), \
        "docs/repl.md is out of date: paste repl.commands.help_markdown() between the markers"


def test_every_command_has_a_one_line_help():
    for c in commands.ORDER:
        assert c.name.startswith(":") and c.help.endswith(".") and "\n" not in c.help, c.name
        for alias in c.aliases:
            assert commands.COMMANDS[alias] is c


# ---------------------------------------------------------------------------------------- pager and config
def test_the_pager_is_less_R_by_default_pager_when_set_and_never_when_off(monkeypatch):
    import shutil as sh

    from repl.pager import needs_paging, pager_command

    monkeypatch.setattr(sh, "which", lambda name: f"/usr/bin/{name}" if name in ("less", "most") else None)
    assert pager_command("auto", {}) == ["less", "-R"]
    assert pager_command("auto", {"PAGER": "less -S"}) == ["less", "-S", "-R"]  # colours kept
    assert pager_command("auto", {"PAGER": "most"}) == ["most"]
    assert pager_command("auto", {"PAGER": "nosuchpager"}) is None  # printed as it is
    assert pager_command("off", {"PAGER": "less"}) is None
    assert pager_command("most -s", {}) == ["most", "-s"]
    assert needs_paging("\n".join(["x"] * 30), 24) and not needs_paging("a\nb", 24)


def test_the_config_file_sets_pager_language_facts_and_style(tmp_path, monkeypatch):
    from repl.config import Config, config_path, load_config

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_path() == tmp_path / "guize" / "config.toml"
    assert load_config() == Config()  # no file: the defaults
    (tmp_path / "guize").mkdir()
    config_path().write_text('pager = "off"\nlang = "zh"\nfacts = ["~/a.dl"]\nstyle = "plain"\nfull = true\n', "utf-8")
    c = load_config()
    assert (c.pager, c.lang, c.style, c.full, c.problems) == ("off", "zh", "plain", True, ())
    assert c.facts[0].endswith("/a.dl") and not c.facts[0].startswith("~")
    config_path().write_text('lang = "fr"\ncolour = 1\n', "utf-8")
    c = load_config()
    assert c.lang is None and len(c.problems) == 2 and "lang = 'fr' is not valid" in c.problems[1]
    config_path().write_text("pager = \n", "utf-8")
    assert "not read" in load_config().problems[0]
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")  # ignored, as the XDG spec says
    assert config_path().parent.parent != Path("relative/dir")


def test_files_are_named_as_the_user_named_them(tmp_path, monkeypatch):
    from kb.documents import display_path, document_title

    monkeypatch.chdir(tmp_path)
    assert display_path("facts/x.dl:3:1") == "facts/x.dl:3:1"
    assert display_path(f"{tmp_path}/sub/x.dl:3:1") == "sub/x.dl:3:1"
    assert display_path("/elsewhere/x.dl:3:1") == "x.dl:3:1"
    assert display_path("<what-if>:1:1") == "<what-if>:1:1"
    assert document_title("004_ab237df4ce40d813.txt") == "快手快分销准入 · 004"
    assert document_title("009_ffff.txt") == "009"
