"""The catalogue of documented behaviour (``frameworks.catalog``) against the libraries' own
documentation strings.

For every row the facts are derived afresh from that implementation's installed docstring
(read from its source with ``ast``, so no framework is imported in the default suite; the slow
twin imports each one and checks ``__doc__`` and the signature are what was read), by the same
recognisers for every row, and compared with what the catalogue asserts:

- the rate's meaning ("probability of an element to be zeroed", "dropout probability", "fraction
  of the input units to drop"...) and the scaling ("1 / (1 - rate)", "1-centered" noise: inverted;
  "maintains the mean and standard deviation": affine), where the catalogue states them;
- the shared-mask argument or kind (``noise_shape``/``broadcast_dims`` from the signature,
  "entire channels"/"entire feature maps" and where the channel axis is);
- the test-time switch (the argument, its default, or ``Module.eval``'s documentation);
- the quote: every word of it is a word of the documentation.

A docstring that points to another for details ("See :class:`~torch.nn.Dropout`", "performs
the same function as Dropout", "is a `Dropout`") lends that one's text, only for facts its own
text does not state. A row whose framework is not installed is skipped with the reason.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from dropout_lab.frameworks.catalog import DOCS, MATRIX, documented

# --- where each implementation's documentation lives ------------------------------------------


@dataclass(frozen=True)
class Source:
    """A documented object: package, file under it, the path of names to the class/function."""

    package: str
    file: str
    names: tuple[str, ...]
    imported: str  # the dotted name the slow twin imports

    def path(self) -> Path:
        return Path(importlib.util.find_spec(self.package).origin).parent / self.file


def _torch(name: str) -> Source:
    return Source("torch", "nn/modules/dropout.py", (name,), f"torch.nn.{name}")


def _keras(file: str, name: str) -> Source:
    return Source("keras", f"src/layers/regularization/{file}.py", (name,),
                  f"keras.layers.{name}")


NNX = Source("flax", "nnx/nn/stochastic.py", ("Dropout",), "flax.nnx.Dropout")
KERAS_DROPOUT = _keras("dropout", "Dropout")
TORCH_DROPOUT = _torch("Dropout")
SOURCES = {
    "torch.nn.Dropout": TORCH_DROPOUT,
    "torch.nn.functional.dropout": Source("torch", "nn/functional.py", ("dropout",),
                                          "torch.nn.functional.dropout"),
    "torch.nn.Dropout1d": _torch("Dropout1d"), "torch.nn.Dropout2d": _torch("Dropout2d"),
    "torch.nn.Dropout2d-on-3d": _torch("Dropout2d"), "torch.nn.Dropout3d": _torch("Dropout3d"),
    "torch.nn.AlphaDropout": _torch("AlphaDropout"),
    "torch.nn.FeatureAlphaDropout": _torch("FeatureAlphaDropout"),
    "flax.nnx.Dropout": NNX, "flax.nnx.Dropout[broadcast_dims=(1,)]": NNX,
    "flax.linen.Dropout": Source("flax", "linen/stochastic.py", ("Dropout",),
                                 "flax.linen.Dropout"),
    "equinox.nn.Dropout": Source("equinox", "nn/_dropout.py", ("Dropout",),
                                 "equinox.nn.Dropout"),
    "keras.layers.Dropout": KERAS_DROPOUT,
    "keras.layers.Dropout[noise_shape=(None,1,64)]": KERAS_DROPOUT,
    "keras.layers.SpatialDropout1D": _keras("spatial_dropout", "SpatialDropout1D"),
    "keras.layers.SpatialDropout2D": _keras("spatial_dropout", "SpatialDropout2D"),
    "keras.layers.GaussianDropout": _keras("gaussian_dropout", "GaussianDropout"),
    "keras.layers.AlphaDropout": _keras("alpha_dropout", "AlphaDropout"),
    "tf.nn.dropout": Source("tensorflow", "python/ops/nn_ops.py", ("dropout_v2",),
                            "tensorflow.nn.dropout"),
    "keras.random.dropout": Source("keras", "src/random/random.py", ("dropout",),
                                   "keras.random.dropout"),
}
MODULE_EVAL = Source("torch", "nn/modules/module.py", ("Module", "eval"), "torch.nn.Module.eval")
#: A docstring that sends the reader to another for the details: (pattern, that other).
REFERENCES = [(r"see :class:`~torch\.nn\.Dropout`", TORCH_DROPOUT),
              (r"same function as Dropout|is a `Dropout`", KERAS_DROPOUT)]


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def _node(source: Source):
    node = _tree(source.path())
    for name in source.names:
        node = next(c for c in ast.iter_child_nodes(node)
                    if isinstance(c, (ast.ClassDef, ast.FunctionDef)) and c.name == name)
    return node


def own_doc(source: Source) -> str:
    """The docstring as the source has it (a class's __init__ and __call__ docstrings too)."""
    node = _node(source)
    parts = [ast.get_docstring(node) or ""]
    if isinstance(node, ast.ClassDef):
        parts += [ast.get_docstring(m) or "" for m in node.body
                  if isinstance(m, ast.FunctionDef) and m.name in ("__init__", "__call__")]
    return "\n".join(p for p in parts if p)


def _classes(source: Source) -> list[ast.ClassDef]:
    """The class and its bases defined in the same file (Keras's BaseSpatialDropout)."""
    node, tree = _node(source), _tree(source.path())
    local = {c.name: c for c in ast.iter_child_nodes(tree) if isinstance(c, ast.ClassDef)}
    found = [node]
    for base in node.bases:
        if isinstance(base, ast.Name) and base.id in local:
            found.append(local[base.id])
    return found


def parameters(source: Source) -> dict[str, str | None]:
    """name -> default (source text; None: no default) of the function, of the class's (or a
    same-file base's) __init__/__call__/call, and of its annotated fields (Flax Linen)."""
    node = _node(source)
    classes = _classes(source) if isinstance(node, ast.ClassDef) else []
    functions = [node] if isinstance(node, ast.FunctionDef) else [
        m for c in classes for m in c.body if isinstance(m, ast.FunctionDef)
        and m.name in ("__init__", "__call__", "call")]
    found: dict[str, str | None] = {}
    for function in functions:
        args = function.args
        positional = args.posonlyargs + args.args
        defaults = [None] * (len(positional) - len(args.defaults)) + args.defaults
        pairs = [*zip(positional, defaults, strict=True),
                 *zip(args.kwonlyargs, args.kw_defaults, strict=True)]
        for arg, default in pairs:
            found.setdefault(arg.arg, None if default is None else ast.unparse(default))
    if isinstance(node, ast.ClassDef):
        for field in node.body:
            if isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name):
                found.setdefault(field.target.id,
                                 None if field.value is None else ast.unparse(field.value))
    found.pop("self", None)
    return found


def documentation(name: str) -> tuple[str, str]:
    """(the row's own docstring, the docstrings it refers to)."""
    source = SOURCES[name.split("@")[0]]
    text = own_doc(source)
    lent = [own_doc(other) for pattern, other in REFERENCES
            if other != source and re.search(pattern, text, re.IGNORECASE)]
    return text, "\n".join(lent)


def _installed(name: str) -> None:
    package = SOURCES[name].package
    if importlib.util.find_spec(package) is None:
        pytest.skip(f"{package} is not installed (pip install 'dropout-lab[...]' for {name})")


# --- the recognisers: one set of phrases for every row ----------------------------------------

FORMULAS = [(r"\\frac\{1\}\{1-p\}", " inverse_keep "),
            (r"1(\.0)?\s*/\s*\(\s*1\s*-\s*(p|rate)\s*\)", " inverse_keep "),
            (r"sqrt\(\s*rate\s*/\s*\(\s*1\s*-\s*rate\s*\)\s*\)", " noise_sd "),
            (r"(\d)[- ]?d\b", r"\1d"), (r"zero-ed", "zeroed"), (r"centred", "centered"),
            (r"'s\b", "")]


def normal(text: str) -> str:
    """Lower case, markup dropped, formulas as one token each."""
    text = re.sub(r":(attr|math|class|func|meth):", "", text.lower())
    text = re.sub(r"[`*~]|(?<!\w)_(?=\w)|(?<=\w)_(?!\w)", "", text)  # keep snake_case
    for pattern, replacement in FORMULAS:
        text = re.sub(pattern, replacement, text)
    return re.sub(r"\s+", " ", text)


MEANINGS = {
    "drop": [(r"probability (of|that) (an|each) (element|entry|channel)s? (to be|is) "
             r"(zeroed|dropped)"), r"dropout probability", r"drop probability",
             r"fraction of (the )?(input units|entries) to (drop|set to zero)",
             r"with probability (p|rate) elements of x are set to 0"],
    "keep": [r"probability (of|that) (an|each) (element|entry)s? (to be|is) kept",
             r"keep probability"],
}
SCALINGS = {
    "inverted": [r"inverse_keep"],
    # x times noise of mean 1, nothing dropped: not "inverted", which names a 0/1 mask
    "mean-preserving multiplicative noise": [r"multiplicative 1-centered"],
    "affine": [(r"(maintains?|keeps?) (the original |their original )?mean and "
               r"(standard deviation|variance)"), r"scaled and shifted"],
}


def recognised(table: dict[str, list[str]], text: str) -> str | None:
    """The one key whose phrases occur in ``text``; None when none do; "ambiguous" when more."""
    found = {key for key, phrases in table.items()
             if any(re.search(p, normal(text)) for p in phrases)}
    return found.pop() if len(found) == 1 else "ambiguous" if found else None


def derived(table: dict[str, list[str]], name: str) -> str | None:
    """From the row's own text, else from the text it refers to."""
    own, lent = documentation(name)
    return recognised(table, own) or (recognised(table, lent) if lent else None)


# --- the tests ---------------------------------------------------------------------------------

ROWS = list(DOCS)


def test_every_row_of_the_matrix_has_its_documentation_located():
    assert set(SOURCES) == set(DOCS)
    assert {name.split("@")[0] for name in MATRIX} <= set(DOCS)


@pytest.mark.parametrize("name", ROWS)
def test_the_rates_meaning_is_what_the_documentation_says(name):
    _installed(name)
    stated = documented(name).meaning
    found = derived(MEANINGS, name)
    assert found != "ambiguous", name
    if stated is not None:
        assert found == stated, (name, found)


@pytest.mark.parametrize("name", ROWS)
def test_the_scaling_is_what_the_documentation_says_and_unstated_is_unchecked(name):
    _installed(name)
    stated = documented(name).scaling
    found = derived(SCALINGS, name)
    assert found != "ambiguous", name
    assert found == stated or (stated is None and recognised(SCALINGS, documentation(name)[0])
                               is None), (name, found, stated)


def _channel_axis_of(shape: str) -> str:
    """"first" for (N, C, ...), "last" for (b, ..., c)."""
    dims = [d.strip() for d in shape.strip("()").split(",")]
    return "first" if dims[1] == "C" else "last" if dims[-1] == "c" else "?"


@pytest.mark.parametrize("name", ROWS)
def test_the_shared_mask_argument_is_documented(name):
    """An argument ``X=V``: X is a parameter, and its default is V unless the row sets it
    (a ``[X=...]`` variant). "channel dropout (shape)": the docstring says entire channels or
    feature maps, with the channel axis where the shape puts it (PyTorch: input[i, j], axis 1;
    Keras: the last axis of its input shape). "none": no such argument, no channel wording."""
    _installed(name)
    shared = documented(name).shared
    params = parameters(SOURCES[name])
    text = normal(documentation(name)[0])
    channel = re.search(r"entire (\d+d )?(channels|feature maps)|channel-wise", text)
    if "=" in shared and not shared.startswith("channel"):
        argument, value = shared.split("=", 1)
        assert argument in params, (name, params)
        if f"[{argument}=" not in name:
            assert params[argument] == value, (name, params[argument])
    elif shared.startswith("channel dropout"):
        assert channel, name
        axis = _channel_axis_of(re.search(r"\(.*?\)", shared).group())
        documented_axis = ("first" if re.search(r"input\W*\[i, j\]", text) else
                           "last" if re.search(r"\(samples, [a-z, ]*channels\)", text) else "?")
        assert axis == documented_axis, (name, axis, documented_axis)
    else:
        assert shared == "none", name
        assert not channel and not {"noise_shape", "broadcast_dims"} & set(params), name


@pytest.mark.parametrize("name", ROWS)
def test_the_test_time_switch_is_documented(name):
    """``module.eval()``: torch's Module.eval documentation names Dropout; ``X=V``: X is a
    documented parameter and a stated default is the signature's; "none: a function": the
    function takes no training, deterministic or inference argument."""
    _installed(name)
    switch = documented(name).switch
    params = parameters(SOURCES[name])
    text = normal(own_doc(SOURCES[name]))
    if switch.startswith("module.eval()"):
        assert ":class:`Dropout`" in own_doc(MODULE_EVAL)
        return
    if switch.startswith("none: a function"):
        assert not {"training", "deterministic", "inference"} & set(params), params
        return
    argument = re.match(r"(\w+)=", switch).group(1)
    assert argument in params or argument in text, (name, argument)
    assert re.search(rf"\b{argument}\b", text), (name, argument)
    default = re.search(rf"default: {argument}=(\w+)", switch)
    if default:
        assert params[argument] == default.group(1), (name, params[argument])
    if "(default: drops)" in switch:
        assert params[argument] == "False", (name, params[argument])
    if "(required: no default)" in switch:
        assert params[argument] == "None", (name, params[argument])
    if "(the default outside fit)" in switch:  # call(inputs, training=False)
        assert params[argument] == "False", (name, params[argument])


STOP = {"a", "an", "the", "of", "to", "and", "or", "with", "in", "on", "is", "are", "as", "by",
        "for", "it", "its", "be", "that", "this", "at", "not", "else", "if", "from"}


def _words(text: str) -> set[str]:
    def stem(word):
        for suffix in ("ing", "es", "ed", "s", "d"):
            if len(word) > 4 and word.endswith(suffix):
                return word[:-len(suffix)]
        return word

    return {stem(w) for w in re.findall(r"[a-z0-9_]+", normal(text)) if w not in STOP}


@pytest.mark.parametrize("name", ROWS)
def test_the_quote_is_in_the_documentations_own_words(name):
    """Every word of the quote (stemmed: zeroes/zeroed/zero) is a word of the docstring or of
    the one it refers to; an undocumented implementation's quote says it has no docstring."""
    _installed(name)
    own, lent = documentation(name)
    quote = documented(name).quote
    if not own.strip():
        assert quote.startswith("no docstring"), (name, quote)
        assert documented(name).meaning is None and documented(name).scaling is None
        return
    missing = sorted(_words(quote) - _words(own + "\n" + lent))
    assert missing == [], (name, missing)


def test_the_recognisers_tell_drop_from_keep_and_inverted_from_affine():
    """The phrases decide: a keep-probability wording or a vanilla scaling is not taken for
    the documented one (so a catalogue row copied from another would be caught)."""
    assert recognised(MEANINGS, "p: probability of an element to be zeroed.") == "drop"
    assert recognised(MEANINGS, "rate: the dropout probability. (_not_ the keep rate!)") == \
        "drop"
    assert recognised(MEANINGS, "keep_prob: the keep probability") == "keep"
    assert recognised(MEANINGS, "With probability `rate` elements of `x` are set to `0`.") \
        == "drop"
    assert recognised(MEANINGS, "rate: Float between 0 and 1.") is None
    assert recognised(SCALINGS, r"scaled by a factor of :math:`\frac{1}{1-p}`") == "inverted"
    assert recognised(SCALINGS, "scaled up by `1.0 / (1 - rate)`") == "inverted"
    assert recognised(SCALINGS, "maintains the original mean and standard deviation") == \
        "affine"
    assert recognised(SCALINGS, "multiplied by keep_prob at test time") is None
    assert recognised(SCALINGS, "scaled by 1/(1-p); keeps mean and variance") == "ambiguous"


# --- the slow twin: the imported objects say what the sources say ----------------------------

def _imported(dotted: str):
    module, _, attribute = dotted.rpartition(".")
    if module.endswith(".Module"):  # torch.nn.Module.eval
        return getattr(_imported(module), attribute)
    return getattr(importlib.import_module(module), attribute)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted({s.imported: n for n, s in SOURCES.items()}.values()))
def test_the_imported_docstring_and_signature_are_the_ones_read_from_source(name):
    import inspect

    _installed(name)
    source = SOURCES[name]
    obj = _imported(source.imported)
    assert inspect.cleandoc(obj.__doc__ or "") == (ast.get_docstring(_node(source)) or "")
    methods = [getattr(obj, m) for m in ("__init__", "__call__", "call") if hasattr(obj, m)] \
        if inspect.isclass(obj) else [obj]
    imported = {}
    for method in methods:
        for param in inspect.signature(method).parameters.values():
            if param.default is not inspect.Parameter.empty:
                imported.setdefault(param.name, repr(param.default))
    read = parameters(source)
    for argument in {"noise_shape", "broadcast_dims", "training", "deterministic",
                     "inference"} & set(read):  # what the tests above rely on
        assert imported.get(argument) == read[argument], (name, argument, imported, read)
