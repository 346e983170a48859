"""`kb serve` for real: uvicorn on 127.0.0.1 with a free port, an HTTP client (httpx), a bounded
load test against the sequential answers, and the explanation page in headless Chromium."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from kb import KnowledgeBase
from kb.render import answer_json
from tests.schema import schema_problems
from tests.serving import running_server

ROOT = Path(__file__).resolve().parent.parent
BOLT = (ROOT / "facts/examples/ks_bolt_failing.dl").read_text("utf-8")
ACME = (ROOT / "facts/examples/ks_acme_admitted.dl").read_text("utf-8")
AS_OF = "2026-11-23"
ELIGIBLE = "can store bolt join kuaishou distribution?"


@pytest.fixture(scope="module")
def url():
    with running_server("--threads", "2") as u:
        yield u


@pytest.fixture(scope="module")
def client(url):
    with httpx.Client(base_url=url, timeout=30) as c:
        yield c


def _problem(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["type"].startswith("urn:guize:problem:") and body["title"]
    return body


def _threshold_failures(alts: list[dict]) -> list[tuple]:
    """Every threshold failure under the why-not, as (observed, op, threshold)."""
    out = []
    for a in alts:
        for f in a["failures"]:
            if f["kind"] == "threshold":
                out.append((f["observed"], f["op"], f["threshold"]))
            out += _threshold_failures(f.get("because", []))
    return out


# ---------------------------------------------------------------------------------------- the API

def test_ask_answers_as_the_cli_does(client):
    r = client.post("/v1/ask", json={"question": ELIGIBLE, "facts": BOLT, "as_of": AS_OF})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["schema"] == "guize.answer/1" and got["answer"] == "no"
    assert got["goal"] == "ks_distribution_eligible(bolt)"
    assert (3.8, ">=", 4) in _threshold_failures(got["why_not"])  # C3: stars 3.8 < 4
    # the same codec as `kb ask --json`: the answer computed here, encoded by answer_json
    base = KnowledgeBase.default()
    ans = base.ask(ELIGIBLE, facts=base.facts_from_text(BOLT, "<facts>"), as_of=dt.date(2026, 11, 23))
    assert got == answer_json(ans, base.program, None)
    # full: the text is the whole proof, as `kb ask --full`; the proof itself is the same
    full = client.post("/v1/ask", json={"question": ELIGIBLE, "facts": BOLT, "as_of": AS_OF, "full": True}).json()
    assert full["text"] == answer_json(ans, base.program, None, True)["text"] != got["text"]
    assert len(full["text"].splitlines()) > 2 * len(got["text"].splitlines()) and full["why_not"] == got["why_not"]


def test_records_give_the_answer_facts_text_gives(client):
    records = [{"pred": "ks_experience_stars", "args": ["acme", 3.8]}]
    by_records = client.post("/v1/ask", json={"goal": "ks_c3_experience_stars_ok(acme)", "records": records}).json()
    by_text = client.post("/v1/ask", json={"goal": "ks_c3_experience_stars_ok(acme)",
                                           "facts": "ks_experience_stars(acme, 3.8)."}).json()
    assert by_records["answer"] == by_text["answer"] == "no"
    assert _threshold_failures(by_records["why_not"]) == _threshold_failures(by_text["why_not"]) == [(3.8, ">=", 4)]
    yes = client.post("/v1/ask", json={"goal": "ks_c3_experience_stars_ok(acme)",
                                       "records": [{"pred": "ks_experience_stars", "args": ["acme", "4.5"]}]}).json()
    assert yes["answer"] == "yes" and yes["proof"]["clause"] == "ks.c3.experience_stars"


def test_chinese_question(client):
    got = client.post("/v1/ask", json={"question": "bolt能入驻快分销吗？", "facts": BOLT, "as_of": AS_OF}).json()
    assert got["answer"] == "no" and got["lang"] == "zh" and got["headline"] == "否"


def test_what_if_and_what_needed(client):
    got = client.post("/v1/what-if", json={"goal": "ks_c3_experience_stars_ok(bolt)", "facts": BOLT,
                                           "changes": "ks_experience_stars(bolt, 4.5).", "as_of": AS_OF}).json()
    assert got["answer"] == "yes" and got["what_if"]["before"] == "no"
    assert got["what_if"]["changes"][0]["added"] == ["ks_experience_stars(bolt, 4.5)"]
    needed = client.post("/v1/what-needed", json={"question": ELIGIBLE, "facts": BOLT, "as_of": AS_OF}).json()
    assert needed["answer"] == "no" and needed["needed"] is not None
    inputs = {c["input"] for c in needed["needed"]["changes"]}
    assert {"ks_experience_stars", "ks_return_rate_30d"} <= inputs
    stars = next(c for c in needed["needed"]["changes"] if c["input"] == "ks_experience_stars")
    assert stars["remove"] == ["ks_experience_stars(bolt, 3.8)"] and stars["add"] == ["ks_experience_stars(bolt, 4)"]


def test_vocab_rules_and_sources(client):
    vocab = client.get("/v1/vocab").json()
    assert any(i["predicate"] == "ks_experience_stars" for i in vocab["inputs"])
    rule = client.get("/v1/rules/ks.c3.experience_stars").json()
    assert rule["clause"] == "ks_c3_experience_stars_ok(S) :- ks_experience_stars(S, R), R >= 4."
    assert rule["quotes"][0]["display"] == "3、購物體會星級≥4" and rule["readings"]
    src = client.get("/v1/sources/004").json()
    assert src["doc"] == "004_ab237df4ce40d813.txt"
    if src["quotes_only"]:  # the seed documents are not beside this checkout
        assert any(p["display"] == "3、購物體會星級≥4" for p in src["passages"])
    else:
        located = [p for p in src["passages"] if p["start"] is not None]
        assert located and all(src["text"][p["start"]:p["end"]] == p["quote"] for p in located)
        assert any("ks.c3.experience_stars" in p["clauses"] for p in located)
    _problem(client.get("/v1/rules/no.such.clause"), 404)
    _problem(client.get("/v1/sources/999"), 404)


def test_openapi_documents_the_routes_and_the_answer(client):
    spec = client.get("/openapi.json").json()
    assert {"/v1/ask", "/v1/what-if", "/v1/what-needed", "/v1/vocab", "/v1/rules/{clause_id}",
            "/v1/sources/{doc}", "/v1/health"} <= set(spec["paths"])
    answer = spec["components"]["schemas"]["GuizeAnswer"]
    ok = spec["paths"]["/v1/ask"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/GuizeAnswer"}
    # the OpenAPI answer is the published schema (docs/answer.schema.json): every field the encoder
    # writes is in it, and a written answer validates against it
    base = KnowledgeBase.default()
    sample = answer_json(base.ask("ks_c3_experience_stars_ok(acme)"), base.program)
    assert set(sample) <= set(answer["properties"])
    assert schema_problems(sample) == []
    assert answer["required"] == json.loads((ROOT / "docs" / "answer.schema.json").read_text("utf-8"))["required"]


def test_errors_are_located_problems(client):
    bad = client.post("/v1/ask", json={"question": ELIGIBLE, "facts": "ks_store_type(bolt, personal).\n"
                                                                      "ks_experience_stars(bolt, 9)."})
    body = _problem(bad, 400)
    e = body["errors"][0]
    assert (e["file"], e["line"], e["column"]) == ("<facts>", 2, 1)
    assert "between 0 and 5" in e["message"] and e["hint"] == "e.g. ks_experience_stars(acme, 2.5)."
    rec = _problem(client.post("/v1/ask", json={"goal": "ks_c3_experience_stars_ok(a)", "records": [
        {"pred": "ks_experience_stars", "args": ["a", 4]}, {"pred": "ks_experience_stars", "args": ["b", "many"]}]}),
        400)
    assert rec["errors"][0]["message"].startswith("record 1, args[1]: ks_experience_stars expects a number")
    assert (rec["errors"][0]["line"], rec["errors"][0]["column"]) == (2, 2)
    goal = _problem(client.post("/v1/ask", json={"goal": "ks_c3_experience_stars_ok(acme"}), 400)
    assert goal["type"] == "urn:guize:problem:question" and goal["errors"][0]["column"] == 27
    _problem(client.post("/v1/ask", json={"facts": BOLT}), 400)  # neither question nor goal
    schema = _problem(client.post("/v1/ask", json={"question": ELIGIBLE, "sql": "drop table"}), 422)
    assert schema["errors"][0]["field"] == "body.sql"
    code = _problem(client.post("/v1/ask", json={"question": "__import__('os').system('id')"}), 400)
    assert "nothing you type is run" in code["errors"][0]["hint"]


def test_limits_refuse_and_the_server_keeps_serving(client):
    big = client.post("/v1/ask", json={"question": ELIGIBLE, "facts": "%" + "x" * (2 * 1024 * 1024)})
    assert _problem(big, 413)["type"] == "urn:guize:problem:too-large"

    def chunks():  # no content-length: the limit holds on what is read
        for _ in range(40):
            yield b" " * 65536

    streamed = client.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"})
    assert _problem(streamed, 413)["detail"] == "the body is over the limit of 1048576 bytes"
    many = [{"pred": "ks_experience_stars", "args": [f"s{i}", 4]} for i in range(20_001)]
    assert _problem(client.post("/v1/ask", json={"goal": "ks_c3_experience_stars_ok(s1)", "records": many}),
                    413)["detail"].startswith("20001 records")
    lines = "".join(f"ks_experience_stars(s{i}, 4).\n" for i in range(20_001))  # under the body limit
    assert _problem(client.post("/v1/ask", json={"goal": "ks_c3_experience_stars_ok(s1)", "facts": lines}),
                    413)["detail"] == "20001 facts; at most 20000 per request"
    long = _problem(client.post("/v1/ask", json={"question": "x" * 2001}), 422)
    assert long["errors"][0]["field"] == "body.question"
    assert client.get("/v1/health").json()["status"] == "ok"
    assert client.post("/v1/ask", json={"goal": "ks_c3_experience_stars_ok(a)",
                                        "facts": "ks_experience_stars(a, 4)."}).json()["answer"] == "yes"


def test_a_request_over_the_time_limit_is_408():
    with running_server("--threads", "1", "--timeout", "0.001") as u, httpx.Client(base_url=u, timeout=30) as c:
        r = c.post("/v1/what-needed", json={"question": ELIGIBLE, "facts": BOLT, "as_of": AS_OF})
        assert _problem(r, 408)["type"] == "urn:guize:problem:timeout"
        assert c.get("/v1/health").json()["status"] == "ok"


def test_worker_processes_answer_alike(client):
    """--workers 2: two processes (settings passed through the environment), the same answers."""
    body = {"question": ELIGIBLE, "facts": BOLT, "as_of": AS_OF}
    expected = client.post("/v1/ask", json=body).json()
    with running_server("--workers", "2", "--threads", "1", "--timeout", "30") as u, \
            httpx.Client(base_url=u, timeout=60) as c:
        assert c.get("/v1/health").json()["limits"]["timeout_s"] == 30
        with ThreadPoolExecutor(4) as pool:
            got = list(pool.map(lambda _: c.post("/v1/ask", json=body).json(), range(8)))
    assert got == [expected] * 8


# ---------------------------------------------------------------------------------------- under load

def _mixed() -> list[tuple[str, dict]]:
    return [
        ("/v1/ask", {"question": ELIGIBLE, "facts": BOLT, "as_of": AS_OF}),
        ("/v1/ask", {"question": "bolt能入驻快分销吗？", "facts": BOLT, "as_of": AS_OF}),
        ("/v1/ask", {"question": "can store acme join kuaishou distribution?", "facts": ACME, "as_of": AS_OF}),
        ("/v1/ask", {"goal": "ks_c3_experience_stars_ok(x)", "records": [
            {"pred": "ks_experience_stars", "args": ["x", 4.2]}], "as_of": AS_OF}),
        ("/v1/what-needed", {"question": ELIGIBLE, "facts": BOLT, "as_of": AS_OF}),
        ("/v1/what-if", {"goal": "ks_distribution_eligible(bolt)", "facts": BOLT, "as_of": AS_OF,
                         "changes": "ks_experience_stars(bolt, 4.5)."}),
        ("/v1/ask", {"question": "which 会员通 modes need a contract?", "as_of": AS_OF}),
    ]


def test_parallel_answers_equal_sequential_ones(client):
    """8 clients x 28 mixed requests at once: every answer is the one asked alone."""
    requests = _mixed()
    sequential = [client.post(path, json=body).json() for path, body in requests]
    assert [s["answer"] for s in sequential] == ["no", "no", "yes", "yes", "no", "no", "list"]

    def worker(k: int) -> list[tuple[int, dict]]:
        out = []
        with httpx.Client(base_url=str(client.base_url), timeout=60) as c:
            for i in range(28):
                j = (i + k) % len(requests)
                r = c.post(requests[j][0], json=requests[j][1])
                assert r.status_code == 200, r.text
                out.append((j, r.json()))
        return out

    with ThreadPoolExecutor(8) as pool:
        results = [x for batch in pool.map(worker, range(8)) for x in batch]
    assert len(results) == 8 * 28
    for j, got in results:
        assert got == sequential[j]


# ---------------------------------------------------------------------------------------- the page

def test_the_page_needs_no_network(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<form id="ask-form"' in page.text and "ks_bolt_failing.dl" in page.text  # the examples to start from
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page.text)  # no script, style or font from elsewhere
    assert client.get("/docs").status_code == 404  # its scripts would come from a CDN


def test_the_page_escapes_what_the_facts_say(client):
    facts = BOLT.replace('"bolt_old_shop"', '"<script>alert(1)</script>"')  # a string the rules read (C8)
    r = client.post("/page/explain", json={"question": ELIGIBLE + " <img src=x onerror=alert(2)>", "facts": facts,
                                           "as_of": AS_OF})
    assert r.status_code == 200, r.text
    page = r.json()
    parts = page["head"] + page["html"] + page["whatif"]
    assert "<script>" not in parts and "<img" not in parts
    assert "&lt;img src=x onerror=alert(2)&gt;" in page["head"]
    assert page["answer"]["answer"] == "no" and 'id="verdict"' in page["head"]


def test_the_page_lists_values_and_conditions(client):
    modes = client.post("/page/explain", json={"question": "which 会员通 modes need a contract?"}).json()
    assert modes["answer"]["answer"] == "list" and "M = mode3" in modes["head"] and "M = mode4" in modes["head"]
    rule = client.post("/page/explain", json={"question": "快分销需要满足哪些条件？"}).json()
    assert "[ks.c3.experience_stars]" in rule["head"] and "条件3" in rule["head"]


def test_kb_why_writes_the_same_picture(tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "repl", "why", "--format", "svg", "--as-of", AS_OF, "--facts",
                        "facts/examples/ks_bolt_failing.dl", "ks_distribution_eligible(bolt)"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("<svg ") and 'aria-label="ks_distribution_eligible(bolt): no"' in r.stdout
    assert re.search(r'<g class="node fail"[^>]*>.*?3\.8 ≥ 4', r.stdout)

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def _browser():
    if not (os.path.exists(CHROMIUM) and os.path.exists(DRIVER)):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {CHROMIUM} / {DRIVER} are missing (.ci/run installs chromium chromium-driver)")
        pytest.skip(f"headless Chromium not installed ({CHROMIUM}, {DRIVER}): apt-get install chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--window-size=1400,1800"):
        opts.add_argument(flag)
    return opts, Service(DRIVER)


def _full_page_screenshot(driver, path: Path) -> None:
    """The whole page, not only the window: the window is made as tall as the page first."""
    height = driver.execute_script("return document.documentElement.scrollHeight;")
    driver.set_window_size(1400, min(int(height) + 100, 12000))
    driver.save_screenshot(str(path))
    driver.set_window_size(1400, 1800)


def test_explanation_page_in_headless_chromium(url, tmp_path):
    opts, service = _browser()
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    opts.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    driver = webdriver.Chrome(options=opts, service=service)
    artifacts = Path(os.environ.get("GUIZE_ARTIFACTS", ROOT / "artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    try:
        driver.get(url + "/")
        driver.execute_script("document.getElementById('facts').value = arguments[0];", BOLT)
        driver.find_element(By.ID, "question").send_keys(ELIGIBLE)
        driver.execute_script("document.getElementById('as_of').value = '2026-11-23';")
        driver.find_element(By.ID, "ask").click()
        wait = WebDriverWait(driver, 30)
        verdict = wait.until(ec.visibility_of_element_located((By.ID, "verdict")))
        assert verdict.text.startswith("Answer: NO")
        reasons = driver.find_element(By.ID, "reasons").text
        assert "3.8 < 4" in reasons  # C3: observed 3.8, needs ≥ 4
        svg = driver.find_element(By.CSS_SELECTOR, "#graph svg.guize-proof")
        assert svg.is_displayed() and svg.size["width"] > 200
        fails = driver.find_elements(By.CSS_SELECTOR, "#graph g.node.fail")
        assert any("3.8 ≥ 4" in f.get_attribute("textContent") for f in fails)
        # each cited box links to its sentence, highlighted in the source text on the page
        link = driver.execute_script("return document.querySelector('#graph a').getAttribute('href');")
        assert link.startswith("#src-")
        anchor = link[1:]
        assert driver.find_elements(By.ID, anchor)
        assert driver.find_elements(By.CSS_SELECTOR, "pre.source mark.cited")
        assert driver.find_elements(By.CSS_SELECTOR, "section.tree details")
        driver.execute_script("arguments[0].scrollIntoView();", svg)
        assert driver.execute_script("const r = arguments[0].getBoundingClientRect();"
                                     "return r.top < window.innerHeight && r.bottom > 0;", svg)  # on screen
        _full_page_screenshot(driver, artifacts / "explanation-page.png")
        # what-if: set the stars to 4.5; the page re-asks and C3 no longer fails
        row = driver.find_element(By.CSS_SELECTOR, "#whatif .wi[data-pred='ks_experience_stars']")
        box = row.find_element(By.CSS_SELECTOR, "input[type=number]")
        driver.execute_script("arguments[0].value = '4.5'; arguments[0].dispatchEvent(new Event('input'));", box)
        before = wait.until(ec.visibility_of_element_located((By.ID, "before")))
        assert "ks_experience_stars(bolt, 4.5)" in before.text and "NO" in before.text
        assert "3.8 < 4" not in driver.find_element(By.ID, "reasons").text
        _full_page_screenshot(driver, artifacts / "explanation-page-what-if.png")
    finally:
        driver.quit()
    assert (artifacts / "explanation-page.png").stat().st_size > 10_000
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)
