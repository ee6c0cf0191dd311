"""``frameworks`` as one matrix: implementations × facts, short codes, the legend below.

Each cell is a code of at most five characters for one measured fact of a
row (``matrix.MatrixRow``); the legend says what every code means, and the
findings below the matrix say the rest in words. The matrix needs about 120
columns with every name on one line (the longest name sets it), about 100
with long names broken after a dot; on a narrower terminal, or with
``--cards``, ``render`` shows one card per implementation instead.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from dropout_lab.core.console import broken_name

#: Fact columns: (header, legend of the column).
COLUMNS = (
    ("rate means", "what `rate` is: drop = the probability of zeroing an entry, keep = of "
                   "keeping it, none = neither (nothing is zeroed), ? = undecided"),
    ("scale", "kept entries in training: inv = × 1/keep (inverted), van = × 1 (vanilla), "
              "aff = affine (alpha dropout), noise = × noise of mean 1, none = never "
              "rescaled, mixed = differs by rate, other"),
    ("test time", "at test time: same = the input unchanged, ×keep = × keep, fn = a function "
                  "(no test mode: not called)"),
    ("mask axes", "the axes one mask is shared along (— = a mask per entry)"),
    ("rate 1", "rate 1 in training, output/gradient: 0/∅ = zeros, gradient None; 0/0 = "
               "zeros, gradient zero; 0/NaN = zeros, gradient NaN; error = raises"),
    ("valid rate", "validates its rate: yes = rejects -0.1, 1.5 and NaN; no = accepts one "
                   "without an error (listed below)"),
    ("seed", "seeded masks: yes = the same seed gives the same mask in another process and "
             "when built again, two calls draw two masks; else the letters of what fails: "
             "P another process, B built again, C two calls draw one mask"),
    ("call alone", "a call with the defaults only: off = returns the input, on = drops, "
                   "error = raises"),
    ("as docs", "behaves as documented (rate's meaning, scaling, test-time output at every "
                "measured rate): yes, or no (listed below)"),
)

_MEANING = {"drop": "drop", "keep": "keep", "neither": "none", "undecidable": "?"}
_SCALE = {"inverted": "inv", "vanilla": "van", "affine": "aff", "none": "none",
          "mean-preserving multiplicative noise": "noise", "mixed": "mixed", "other": "other",
          "fails": "fails"}
_TEST = {"identity": "same", "scaled_by_keep": "×keep", "n/a": "fn", "other": "other",
         "fails": "fails"}
_OUTPUT = {"returns zeros": "0", "returns the input unchanged": "x", "returns noisy values": "~"}
_GRADIENT = {"gradient is None": "∅", "gradient is zero": "0", "gradient is NaN": "NaN",
             "gradient is 1": "1", "gradient = out/in": "m"}


def cells(row) -> list[str]:
    """The codes of one row, in ``COLUMNS`` order."""
    return [_MEANING.get(row.rate_means, row.rate_means[:5]),
            _SCALE.get(row.scaling, row.scaling[:5]),
            _TEST.get(row.test_time, row.test_time[:5]),
            _axes(row.shared_axes), _rate_one(row.rate_one),
            "no" if row.accepted_invalid else "yes", _seed(row), _call(row.default_call),
            "no" if row.mismatches else "yes"]


def _axes(shared: str) -> str:
    """``"[1, 2] (height, width)"`` -> ``1,2``; ``none`` -> ``—``."""
    if shared.startswith("["):
        return shared[1:shared.index("]")].replace(" ", "")
    return "—" if shared in ("none", "—") else "?"


def _rate_one(behaviour: str) -> str:
    if behaviour.startswith("raises"):
        return "error"
    parts = [p.strip() for p in behaviour.split(";")]
    output = next((_OUTPUT[p] for p in parts if p in _OUTPUT), "?")
    gradient = next((_GRADIENT[p] for p in parts if p in _GRADIENT), "?")
    return f"{output}/{gradient}"


def _seed(row) -> str:
    failing = "".join(letter for letter, good in (("P", row.new_process_same_mask),
                                                  ("B", row.same_seed_same_mask),
                                                  ("C", row.two_calls_differ))
                      if good is False)
    unknown = any(good is None for good in (row.new_process_same_mask, row.same_seed_same_mask,
                                            row.two_calls_differ))
    return failing or ("?" if unknown else "yes")


def _call(said: str) -> str:
    if said.startswith("raises"):
        return "error"
    return {"identity (off)": "off", "active (draws noise)": "on"}.get(said, "?")


_STYLE = {"no": "bold red", "error": "red", "yes": "green"}


#: On a terminal too narrow for the longest name on one line (100-117 columns), names longer
#: than this are broken after a dot or before ``[`` / ``@``.
NAME_WIDTH = 26


def table(result, name_width: int | None = None) -> Table:
    """The matrix: one row per implementation, its framework's version in the legend."""
    out = Table(title="Dropout across frameworks (measured; codes below)")
    out.add_column("implementation", no_wrap=True)
    for header, _ in COLUMNS:  # a header may take two lines; a code is one word
        out.add_column(header)
    for row in result.rows:
        codes = cells(row)
        out.add_row(Text(broken_name(row.name, name_width), "bold"),
                    *(Text(c, _STYLE.get(c, "")) for c in codes))
    return out


def legend(result) -> Text:
    """What each column's codes mean, and the versions measured."""
    text = Text()
    for header, said in COLUMNS:
        text.append(f"{header}: ", "bold")
        text.append(f"{said}.\n")
    versions = dict.fromkeys(f"{row.framework} {row.version}" for row in result.rows)
    text.append("Measured with ", "dim")
    text.append(", ".join(versions) + ". ", "dim")
    text.append("Each row's numbers: results.json at /implementations/<row index>; "
                "--cards shows one card per implementation.", "dim")
    return text


def switches(result) -> Table:
    """How each implementation is turned off at test time, grouped by switch."""
    groups: dict[str, list[str]] = {}
    for row in result.rows:
        groups.setdefault(row.switch, []).append(row.name)
    out = Table(title="Test time: how each is switched off")
    out.add_column("switch", overflow="fold", ratio=1)
    out.add_column("implementations", overflow="fold", ratio=2)
    for switch, names in sorted(groups.items(), key=lambda item: -len(item[1])):
        out.add_row(switch, ", ".join(names))
    return out
