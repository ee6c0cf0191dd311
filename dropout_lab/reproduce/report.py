"""The report of a reproduction: ``report.md`` and a self-contained ``report.html``.

Both come from Jinja2 templates (``templates/``); the HTML template escapes
everything it is given (layer names, paths and commands come from users), and
embeds its figures as PNG data URIs: one file, no network request, no script.
"""

from __future__ import annotations

import base64

from jinja2 import Environment, PackageLoader, select_autoescape

from dropout_lab import __version__
from dropout_lab.core.verdict import SOURCES
from dropout_lab.reproduce.figures import FIGURES_DIR

CAPTIONS = {
    "probe.png": "probe: what rate means (dropped fraction with its exact interval) and what "
                 "kept entries are multiplied by, per implementation and rate (C10).",
    "noise_shape.png": "noise-shape: the first draw's mask under S004's noise_shape, one panel "
                       "per sample; a column of one colour is a mask shared over timesteps "
                       "(C8, C12).",
    "mnist_s003_test_accuracy.png": "MNIST, S003's four arms: test accuracy over training, mean "
                                    "and band over seeds (C9, C11).",
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


#: An export cell's behaviour in the report's words (as ``export.matrix.BEHAVIOURS``: the
#: report reads results, it imports no family).
EXPORT_WORDS = {"off": "off (= inference)", "random": "**random** each call",
                "baked": "**one mask baked in**", "keep_lost": "**x keep lost**",
                "wrong": "**wrong**", "export_fails": "exporter refuses",
                "load_fails": "runtime refuses it", "call_fails": "runtime fails",
                "not_installed": "not installed"}


def _environment() -> Environment:
    environment = Environment(loader=PackageLoader("dropout_lab.reproduce", "templates"),
                              # the templates are *.html.j2: escape by that name
                              autoescape=select_autoescape(["html.j2"]), trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True)
    environment.filters["cell"] = lambda text: str(text).replace("|", "\\\\|").replace("\n", " ")
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
    return {"result": result, "claims": claims, "steps": list(steps.values()),
            "frameworks": frameworks, "export": export,
            "behaviours": EXPORT_WORDS,
            "figures": figures, "version": __version__, "sources": SOURCES,
            "environment": result.environment}


def write(folder, result, frameworks=None, export=None) -> None:
    """Write report.md and report.html into the reproduction's folder."""
    images = {name: (folder.path / FIGURES_DIR / name).read_bytes() for name in result.figures}
    values = context(result, images, frameworks, export)
    templates = _environment()
    folder.write_text(result.report["markdown"],
                      templates.get_template("report.md.j2").render(**values))
    folder.write_text(result.report["html"],
                      templates.get_template("report.html.j2").render(**values))
