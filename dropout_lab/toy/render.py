"""Tables for ``train``, ``reload`` and ``compare`` (their JSON is the experiment's ``to_json``)."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from dropout_lab.core.console import num, verdict_lines
from dropout_lab.toy.answer import plain_answer

CLASSIFICATION_STYLE = {"inverted": "bold green", "vanilla": "bold cyan",
                        "inconsistent": "bold red", "indistinguishable": "bold yellow",
                        "undecided": "bold yellow", "other": "bold magenta",
                        "mean-preserving multiplicative noise": "bold blue",
                        "mean-preserving additive noise": "bold blue"}
#: How tables name the frameworks and their packages.
FRAMEWORK_NAMES = {"keras": "Keras", "tensorflow": "TensorFlow", "torch": "PyTorch",
                   "jax": "JAX", "flax": "Flax"}


def train(result) -> list:
    """Summary table and prediction table of a training run."""
    summary = Table(title="Training run (S000's toy net)", show_header=False)
    summary.add_column(no_wrap=True)
    summary.add_column(overflow="fold")
    config = result.config
    for key, value in (("layer", config.layer), ("rate (drop probability)", num(config.rate)),
                       ("epochs", str(config.epochs)), ("learning rate", num(config.learning_rate)),
                       ("seed", str(config.seed)), ("final loss (MSE)", num(result.losses[-1])),
                       ("run folder", str(result.run_dir))):
        summary.add_row(key, value)
    return [summary, _inputs_table("Test-time predictions", result.inputs,
                                   {"prediction": [num(v) for v in result.predictions]})]


def _inputs_table(title: str, inputs, columns: dict[str, list[str]]) -> Table:
    table = Table(title=title)
    for name in ("sample", "x1", "x2", *columns):
        table.add_column(name, justify="right")
    for i, x in enumerate(inputs):
        table.add_row(str(i), num(x[0]), num(x[1]), *(values[i] for values in columns.values()))
    return table


def reload(result) -> list:
    """Table of the reloaded net's repeated predictions."""
    runs = len(result.predictions)
    first = result.predictions[0]
    columns = {"prediction": [num(v) for v in first],
               f"spread over {runs} runs": [num(v, 3) for v in result.spread],
               "trained net (recorded)": [num(v) for v in result.trained_predictions],
               "difference": [num(a - b, 3)
                              for a, b in zip(first, result.trained_predictions, strict=True)]}
    title = (f"Reloaded {result.source_run.name} at rate {num(result.config.rate)} "
             f"(layer {result.layer}, trained at rate {num(result.train_rate)})")
    return [_inputs_table(title, result.inputs, columns), f"Run folder: {result.run_dir}"]


def compare(result) -> list:
    """Per-sample table, checks table and the verdict line of a comparison."""
    samples = result.samples
    framework = framework_label(result.config.framework, result.framework_versions)
    table = Table(title=f"{result.layer_class} ({framework}) at rate "
                        f"{num(result.config.rate)}: trained net vs rate-0 reload")
    table.add_column("quantity")
    for s in samples:
        table.add_column(f"x = ({num(s.input[0])}, {num(s.input[1])})", justify="right")
    rows = (
        (f"f_r: trained net, test time ({result.config.runs} runs)", "trained_test", 7),
        ("f_0: rate-0 reload", "reload_rate0", 7),
        ("f_r - f_0", "diff", 3),
        ("f_r / f_0", "ratio", 7),
        (f"g: rate-0 net, dropout input x keep ({num(1 - result.config.rate)})",
         "vanilla_expected", 7),
    )
    for label, field, digits in rows:
        table.add_row(label, *(num(getattr(s, field), digits) for s in samples))
    table.add_row(f"training-mode mean ± se (N = {result.config.mc_samples})",
                  *(f"{num(s.train_mode_mean, 6)} ± {num(s.train_mode_se, 2)}" for s in samples))
    if result.source_run is None:  # trained in a worker: the weights are this run's own
        where = (f"Trained in {framework} (a process of its own); weights: "
                 f"{result.run_dir / 'weights.h5'}\nComparison:   {result.run_dir}")
    else:
        where = f"Training run: {result.source_run}\nComparison:   {result.run_dir}"
    # the closing block: the answer in plain words, then the f_r / f_0 / g detail behind it
    return [table, _checks(result), Text(where), Text(plain_answer(result), "bold"),
            verdict_line(result), *verdict_lines(result.verdicts)]


def framework_label(framework: str, versions: dict[str, str]) -> str:
    """``PyTorch 2.14.1``, ``JAX 0.10.2, Flax 0.12.8``; the framework's name alone without
    versions (a result written before they were recorded)."""
    if not versions:
        return FRAMEWORK_NAMES.get(framework, framework)
    return ", ".join(f"{FRAMEWORK_NAMES.get(name, name)} {version}"
                     for name, version in versions.items())


def _checks(result) -> Table:
    table = Table(title="Hypothesis checks")
    for name in ("check", "measured", "bound", "holds"):
        table.add_column(name)
    for check in result.checks:
        measured = (f"max |z| = {num(check.statistic, 3)}" if check.name == "consistency"
                    else f"max |diff| = {num(check.statistic, 3)}")
        undecided = check.name == "consistency" and result.classification == "undecided"
        holds = (Text("cannot decide", "yellow") if undecided else
                 Text("yes", "green") if check.passed else Text("no", "red"))
        table.add_row(Text(f"{check.name}: {check.hypothesis}"), measured, Text(check.bound),
                      holds)
    return table


def verdict_line(result) -> Text:
    """One line: the classification and the numbers behind it."""
    by_name = {c.name: c for c in result.checks}
    failed = [c.name for c in result.checks if not c.passed]
    text = Text("Classification: ")
    text.append(result.classification,
                CLASSIFICATION_STYLE.get(result.classification, "bold"))
    text.append(f" — max |f_r - f_0| = {num(result.max_abs_diff, 3)}, "
                f"max |f_r - g| = {num(by_name['vanilla'].statistic, 3)} "
                f"(rtol {num(result.config.rtol, 3)}); training-mode mean within "
                f"{num(by_name['consistency'].statistic, 3)} se of f_r "
                f"(bound {num(result.config.z, 3)} se); "
                f"repeat spread {num(result.repeat_spread, 3)}; weights round trip "
                f"Δ = {num(result.round_trip_diff, 3)}.")
    if result.classification == "undecided":
        text.append(" Near-total dropping: too few entries are kept for the training-mode "
                    "mean to decide (see the verdict).", "yellow")
    elif result.classification == "inconsistent":
        text.append(" Training and test behaviour disagree: the consistency check failed.",
                    "red")
    elif failed == ["inverted", "vanilla"]:
        text.append(" The test-time net is neither the identity nor x keep.", "magenta")
    return text
