"""The report of a reproduction: ``report.md`` and a self-contained ``report.html``.

Both come from Jinja2 templates (``templates/``) and escape everything they
are given (layer names, paths, commands and verdict text come from users and
from run folders) with the same HTML escaping: markdown renders raw HTML too.
report.md also keeps text from forming a markdown link (``](`` is escaped) or
a new line. A link (``href``) is only ever a relative path, percent-encoded;
anything else becomes ``#``. The HTML embeds its figures as PNG data URIs:
one file, no network request, no script.
"""

from __future__ import annotations

import base64
import re
import urllib.parse

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from dropout_lab import __version__
from dropout_lab.core.verdict import SOURCES
from dropout_lab.reproduce.figures import FIGURES_DIR

CAPTIONS = {
    "probe.png": "probe: what rate means (dropped fraction with its exact interval) and what "
                 "kept entries are multiplied by, per implementation and rate (C10).",
    "noise_shape.png": "noise-shape: masks under S004's noise_shape, in draws where every sample "
                       "keeps some entries and drops some (the pattern shows), one panel per "
                       "sample, then the control without noise_shape; a column of one colour "
                       "is a mask shared over timesteps (C8, C12).",
    "mnist_s003_test_accuracy.png": "MNIST, S003's four arms: test accuracy over training, mean "
                                    "and band over seeds (C9).",
    "mnist_s001_train_vs_test.png": "MNIST, S001's overfitting demo: train vs test accuracy "
                                    "with and without dropout (C4).",
    "mc_average.png": "Monte-Carlo averaging of k dropout passes vs the weight-scaled net (MC).",
    "sweep_rate.png": "The 2014 paper's Figure 9a: test and training error against keep_prob "
                      "at a fixed width, the paper's flat region shaded (P2014-F9a).",
    "sweep_width.png": "Figure 9b: error against keep_prob with keep_prob x n fixed, the "
                       "paper's optimum marked (P2014-F9b).",
    "sweep_size.png": "Figure 10: test error against the training-set size with and without "
                      "dropout, the sign of the gain marked (P2014-F10).",
}

#: The claims each figure bears on: it is shown in the first one's card (issue 18).
FIGURE_CLAIMS = {"probe.png": ("C10",), "noise_shape.png": ("C8", "C12"),
                 "mnist_s003_test_accuracy.png": ("C9",),
                 "mnist_s001_train_vs_test.png": ("C4",), "mc_average.png": ("MC",),
                 "sweep_rate.png": ("P2014-F9a",), "sweep_width.png": ("P2014-F9b",),
                 "sweep_size.png": ("P2014-F10",)}


#: An export cell's behaviour in the report's words (as ``export.matrix.BEHAVIOURS``: the
#: report reads results, it imports no family).
EXPORT_WORDS = {"off": "off (= inference)", "random": "**random** each call",
                "baked": "**one mask baked in**", "keep_lost": "**x keep lost**",
                "wrong": "**wrong**", "export_fails": "exporter refuses",
                "load_fails": "runtime refuses it", "call_fails": "runtime fails",
                "not_installed": "not installed"}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def href(link: object) -> str:
    """``link`` as an href: a relative path, percent-encoded; ``#`` for anything else
    (a scheme such as ``javascript:``, an absolute or protocol-relative path, control
    characters)."""
    text = str(link)
    if (_SCHEME.match(text.strip()) or text.strip().startswith(("/", "\\"))
            or not text.isprintable()):
        return "#"
    return urllib.parse.quote(text, safe="/._-~")


def markdown_text(text: object) -> Markup:
    """Text for report.md: HTML-escaped exactly as in report.html, on one line, and unable
    to form a markdown link (``](`` escaped)."""
    escaped = str(escape(text)).replace("\r", " ").replace("\n", " ")
    return Markup(escaped.replace("](", "]\\("))


def markdown_cell(text: object) -> Markup:
    """``markdown_text`` for a table cell: a ``|`` cannot end the cell."""
    return Markup(str(markdown_text(text)).replace("|", "\\|"))


def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("dropout_lab.reproduce", "templates"),
                              # both templates escape HTML: *.html.j2 and *.md.j2
                              autoescape=select_autoescape(["html.j2", "md.j2"]),
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    environment.filters.update(cell=markdown_cell, md=markdown_text, href=href)
    return environment


def context(result, images: dict[str, bytes], frameworks=None, export=None) -> dict:
    """What both templates show: claims, steps, figures, environment, times, and the
    frameworks matrix (a FrameworksResult) and the export matrix (an ExportResult) when
    those steps ran."""
    steps = {s.name: s for s in result.steps}
    claims = []
    for verdict in result.verdicts:
        step = next((s for s in result.steps if verdict.claim in s.claims), None)
        claims.append({"verdict": verdict, "key": verdict.key_number(),
                       "source_title": SOURCES.get(verdict.source or "", ""),
                       "step": step.name if step else "", "link": step.link if step else ""})
    figures = [{"name": name, "path": f"{FIGURES_DIR}/{name}", "caption": CAPTIONS.get(name, ""),
                "data": base64.b64encode(images[name]).decode("ascii")}
               for name in result.figures]
    carried = _attach_figures(claims, figures)
    against = result.against_readme or []
    return {"result": result, "claims": claims, "steps": list(steps.values()),
            "left_to_full": [v.claim for v in result.verdicts if v.outcome == "not measured"],
            "loose_figures": [f for f in figures if f["name"] not in carried],
            "undecided": [a for a in against if a.undecided],
            "differs": [a for a in against if not a.undecided],
            "frameworks": frameworks, "export": export,
            "behaviours": EXPORT_WORDS,
            "frameworks_documented": sum(v.outcome == "confirmed" for v in frameworks.verdicts)
            if frameworks else 0,
            "frameworks_accepting": [r for r in frameworks.rows if r.accepted_invalid]
            if frameworks else [],
            "figures": figures, "version": __version__, "sources": SOURCES,
            "environment": result.environment}


def _attach_figures(claims: list[dict], figures: list[dict]) -> set[str]:
    """Give each claim's card its figure (``figure``), or the claim whose card shows it
    (``figure_with``); return the names of the figures some card carries."""
    by_claim = {claim: f for f in figures for claim in FIGURE_CLAIMS.get(f["name"], ())}
    shown: dict[str, str] = {}  # figure name -> the claim whose card shows it
    for card in claims:
        figure = by_claim.get(card["verdict"].claim)
        if figure is None:
            continue
        if figure["name"] in shown:
            card["figure_with"] = shown[figure["name"]]
        else:
            card["figure"] = figure
            shown[figure["name"]] = card["verdict"].claim
    return set(shown)


def write(folder, result, frameworks=None, export=None) -> None:
    """Write report.md and report.html into the reproduction's folder."""
    images = {name: (folder.path / FIGURES_DIR / name).read_bytes() for name in result.figures}
    values = context(result, images, frameworks, export)
    templates = _environment()
    folder.write_text(result.report["markdown"],
                      templates.get_template("report.md.j2").render(**values))
    folder.write_text(result.report["html"],
                      templates.get_template("report.html.j2").render(**values))
