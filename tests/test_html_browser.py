"""The HTML of a batch, opened in a real browser (headless Chromium): the verdicts, the reasons and
the failed line are on the page, and Chinese text is drawn with real glyphs.

Skipped only when no Chromium is installed and CI is not set (CI installs it)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from repl.batch import run_batch
from repl.session import Session

ROOT = Path(__file__).resolve().parent.parent
BOLT = ROOT / "facts" / "examples" / "ks_bolt_failing.dl"
CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)

pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                reason="no Chromium installed (apt-get install chromium fonts-noto-cjk)")

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]


def chromium(*args: str, home: Path) -> subprocess.CompletedProcess:
    assert CHROMIUM is not None, "CI is set but Chromium is not installed"
    env = {**os.environ, "HOME": str(home)}  # its profile and caches stay in the test's folder
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={home / 'profile'}", *args],
                          capture_output=True, text=True, timeout=120, env=env)


def screenshot(page: Path, png: Path, home: Path, size: str = "1200,1600") -> bytes:
    r = chromium(f"--screenshot={png}", f"--window-size={size}", page.as_uri(), home=home)
    assert png.is_file() and png.stat().st_size > 200, r.stderr[-2000:]
    return png.read_bytes()


def test_a_batch_page_with_a_failed_line_in_a_real_browser(base, tmp_path):
    lines = ["@as-of 2026-11-23", f"@facts {BOLT}", "can store bolt join kuaishou distribution?", "@lang zh",
             "bolt能入驻快分销吗？", "can store bolt fly to the moon?"]
    out, err = io.StringIO(), io.StringIO()
    outcome = run_batch(lines, "onboarding.q", tmp_path, Session(base), out, err, "html")
    assert outcome.failed == [6]
    page = tmp_path / "answers.html"
    page.write_text(out.getvalue(), "utf-8")

    png = screenshot(page, tmp_path / "answers.png", tmp_path)
    assert png.startswith(b"\x89PNG") and len(png) > 20_000  # a page of text, not a blank one
    if os.environ.get("GUIZE_SCREENSHOT"):  # keep it to look at: GUIZE_SCREENSHOT=path/to/file.png
        Path(os.environ["GUIZE_SCREENSHOT"]).write_bytes(png)
    # what the browser made of the page (its DOM after parsing), not the HTML we wrote
    dom = chromium("--dump-dom", page.as_uri(), home=tmp_path).stdout
    for text in ("Answer: NO — 5 of 8 conditions fail", "shopping-experience star rating 3.8 &lt; 4 stars",
                 "答案: 否 — 8 个条件中有 5 个不满足", "购物体验星级 3.8 &lt; 4星", "快手快分销准入 · 004",
                 "onboarding.q:6", "cannot read this question", "onboarding.q: 2 answered, 1 failed (line 6)"):
        assert text in dom, text
    assert 'lang="zh-CN"' in dom and 'lang="en"' in dom

    # Chinese is drawn with glyphs, not boxes: two different phrases rendered alone differ (missing
    # glyphs would draw the same empty boxes), and so does a phrase against its own boxes' width
    def alone(text: str, name: str) -> bytes:
        f = tmp_path / f"{name}.html"
        f.write_text(f'<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><style>body{{margin:0;font:'
                     f'40px "Noto Sans CJK SC",sans-serif}}</style><body>{text}</body></html>', "utf-8")
        return screenshot(f, tmp_path / f"{name}.png", tmp_path, "400,100")

    assert alone("快手快分销准入", "a") != alone("京东开卡有礼帮", "b")
