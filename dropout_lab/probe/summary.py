"""``probe``'s default output: one line per implementation and rate (``--detail``: every table).

The summary keeps what answers "what does this implementation do with
`rate`?": the fraction dropped, whether rate means drop or keep, how kept
entries are scaled (which says what happens at test time) and whether the
mask is shared along axes; at 80 columns a long name is broken after a dot.
The intervals, multipliers, variance and gradient checks and the edge rates
are in the detail (``probe --detail``, ``runs show RUN --detail``).
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from dropout_lab.core.console import Either, broken_name, num

MEANING_STYLE = {"drop": "green", "keep": "red", "neither": "magenta", "undecidable": "yellow"}
#: The scalings too long for a summary cell, as the summary writes them (its caption says so).
SHORT_SCALING = {"mean-preserving multiplicative noise": "× noise",
                 "mean-preserving additive noise": "+ noise"}
#: Names longer than this are broken after a dot on a narrow terminal (so the table fits 80).
NAME_WIDTH = 20


def table(result) -> Either:
    """The summary table: full names where they fit, names broken after a dot where not."""
    return Either([_table(result, None)], [_table(result, NAME_WIDTH)])


def _table(result, name_width: int | None) -> Table:
    """One row per implementation and rate; the implementation named on its first row."""
    config = result.config
    out = Table(title=f"probe: what each implementation does with `rate` (one training-mode "
                      f"draw of {config.size} entries per row)",
                caption=Text("rate means: whether the dropped fraction is rate (drop) or "
                             "1 - rate (keep); undecidable at 0.5. scaling: inverted = kept "
                             "× 1/keep in training, nothing at test; vanilla = kept × 1 in "
                             "training, × keep at test; × noise / + noise = mean-preserving "
                             "multiplicative / additive noise (nothing dropped). mask: per "
                             "entry, or shared along the axes named."))
    out.add_column("implementation", overflow="fold")
    for name in ("rate", "dropped", "rate means", "scaling", "mask"):
        out.add_column(name, justify="right" if name in ("rate", "dropped") else "left")
    previous = None
    for row in result.rows:
        first = row.layer != previous
        if first and previous is not None:
            out.add_section()
        previous = row.layer
        label = Text(broken_name(row.layer, name_width) if first else "")
        if row.stats is None:
            out.add_row(label, num(row.rate), Text(row.behaviour, "red"), "", "", "")
            continue
        s = row.stats
        out.add_row(label, num(row.rate), f"{s.drop_fraction.estimate:.3f}",
                    Text(s.rate_means, MEANING_STYLE.get(s.rate_means, "")),
                    SHORT_SCALING.get(s.scaling, s.scaling),
                    _mask(s.shared_axes))
    return out


def _mask(axes) -> str:
    if axes is None:
        return "?"
    return "per entry" if not axes else "axes " + ",".join(str(a) for a in axes)


def more(result) -> Text:
    """Where the rest is: intervals, multipliers, gradients, edge rates."""
    edges = f" and what rates {', '.join(next(iter(result.edges.values())))} do" \
        if result.edges else ""
    return Text(f"probe --detail (or runs show {result.run_dir.name} --detail) shows each "
                f"row's intervals, multipliers, variance and gradient{edges}.", "dim")
