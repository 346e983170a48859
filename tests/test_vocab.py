"""docs/vocabulary.md is generated from the rules and must stay in sync with them."""

from __future__ import annotations

from pathlib import Path

from kb.vocab import vocabulary, vocabulary_markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "vocabulary.md"


def test_vocabulary_doc_is_in_sync(base):
    assert DOC.read_text("utf-8") == vocabulary_markdown(base.program), (
        "regenerate it: kb vocab --md > docs/vocabulary.md")


def test_every_input_has_english_and_chinese_names_and_docs(base):
    for i in vocabulary(base.program)["inputs"]:
        assert i["en"] and i["zh"] and i["doc_en"] and i["doc_zh"], i["predicate"]


def test_every_askable_predicate_has_phrases_in_both_languages(base):
    asked = [d for d in vocabulary(base.program)["derived"] if d["ask_en"] or d["ask_zh"]]
    assert asked
    for d in asked:
        assert d["ask_en"] and d["ask_zh"], d["predicate"]
