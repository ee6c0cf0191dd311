"""Property-based fuzzing of every command's options (Hypothesis).

For any combination of options and values, valid or hostile, a command must:
exit with 0, 1 or 2; print no traceback and no internal error; under --json
print nothing or exactly one strict JSON object and a newline on stdout; and
leave under --out only complete run folders (with a manifest) or hidden,
clearly named ``.partial`` ones. Each command starts from cheap base options
(so valid examples run in about a second) that the fuzzed ones override.
The default suite runs a few examples per command; the slow suite many more.

``mnist`` and ``mc-average`` train on the generated stand-in for MNIST (see
conftest.py), so they are held to more: exit 1 ("a valid request failed") is
never fine there -- it once hid that MNIST was missing -- and values listed in
``VALID`` must succeed in any combination and be recorded in the run's config.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dropout_lab.cli import main

HOSTILE = st.sampled_from(["", "-1", "0", "nan", "inf", "-inf", "1e12", "99999999999999999999",
                           "4294967296", "2147483648", "²", "1,²", "٣", "x" * 300, "/", ".",
                           "..", "None", "1,,2", " ", "-0", "0.5.5", "[1]", "∞", "\t"])
RATE = st.sampled_from(["0.2", "0.5", "0.8", "0", "0.999"]) | HOSTILE
SMALL_INT = st.sampled_from(["1", "2", "3"]) | HOSTILE
SEED = st.sampled_from(["0", "1", "4294967295"]) | HOSTILE

# command -> (base options that keep a valid run cheap, {option: value strategy})
COMMANDS = {
    "train": (["--epochs", "3"], {"--rate": RATE, "--epochs": SMALL_INT, "--seed": SEED,
                                  "--learning-rate": st.sampled_from(["0.001", "1e10"]) | HOSTILE,
                                  "--layer": st.sampled_from(["keras", "vanilla", "uniform",
                                                              "tf.nn.dropout", "numpy-vanilla",
                                                              "no_module:X", "a:b:c"]) | HOSTILE}),
    "compare": (["--epochs", "3", "--mc-samples", "100", "--runs", "2"],
                {"--rate": RATE, "--mc-samples": st.sampled_from(["100", "150"]) | HOSTILE,
                 "--runs": SMALL_INT, "--rtol": st.sampled_from(["1e-6", "0"]) | HOSTILE,
                 "--z": st.sampled_from(["4.5", "1"]) | HOSTILE, "--seed": SEED,
                 "--framework": st.sampled_from(["keras", "torch", "jax", "mxnet"]) | HOSTILE}),
    "probe": (["--layer", "numpy-inverted", "--size", "4096", "--no-edges", "--rate", "0.3"],
              {"--rate": RATE, "--size": st.sampled_from(["4096", "5000"]) | HOSTILE,
               "--seed": SEED, "--false-alarm": st.sampled_from(["0.01", "1e-4"]) | HOSTILE,
               "--layer": st.sampled_from(["numpy-vanilla", "keras", "nope"]) | HOSTILE}),
    "noise-shape": (["--draws", "3"],
                    {"--input-shape": st.sampled_from(["2,3,4", "4,4", "1,1,1"]) | HOSTILE,
                     "--noise-shape": st.sampled_from(["None,1,4", "1,1,4", "2,3"]) | HOSTILE,
                     "--rate": RATE, "--draws": SMALL_INT, "--seed": SEED}),
    "gradients": (["--batch-size", "2"], {"--rate": RATE, "--batch-size": SMALL_INT,
                                          "--seed": SEED, "--false-alarm": HOSTILE,
                                          "--learning-rate": HOSTILE}),
    "numpy-demo": (["--samples", "300", "--repeats", "3"],
                   {"--keep-prob": RATE, "--drop-rate": RATE, "--samples": SMALL_INT,
                    "--repeats": st.sampled_from(["3", "4"]) | HOSTILE, "--seed": SEED}),
    "mnist": (["--arms", "none", "--seeds", "1", "--steps", "4", "--eval-every", "2",
               "--train-subset", "64"],
              {"--arms": st.sampled_from(["dropout", "none,dropout", "x"]) | HOSTILE,
               "--seeds": SMALL_INT, "--steps": SMALL_INT, "--eval-every": SMALL_INT,
               "--train-subset": st.sampled_from(["64", "60001"]) | HOSTILE,
               "--first-seed": SEED, "--resume": HOSTILE}),
    "mc-average": (["--k", "1,2", "--repeats", "2", "--steps", "4", "--train-subset", "64"],
                   {"--k": st.sampled_from(["1", "1,3"]) | HOSTILE, "--repeats": SMALL_INT,
                    "--seed": SEED, "--confidence": st.sampled_from(["0.9"]) | HOSTILE,
                    "--steps": SMALL_INT}),
    "reload": (["/nonexistent-run"], {"--rate": RATE, "--runs": SMALL_INT}),
    "reproduce": (["--claims", "C10"],
                  {"--claims": st.sampled_from(["C1", "c10", "C10,C10", "C99", "MC,"]) | HOSTILE,
                   "--profile": st.sampled_from(["quick", "full"]) | HOSTILE, "--seed": SEED,
                   "--resume": HOSTILE}),
    "frameworks": (["--framework", "tensorflow", "--size", "4096", "--rate", "0.3"],
                   {"--rate": RATE, "--size": st.sampled_from(["4096", "5000"]) | HOSTILE,
                    "--seed": SEED, "--jobs": SMALL_INT,
                    "--timeout": st.sampled_from(["300", "0.01"]) | HOSTILE,
                    "--framework": st.sampled_from(["tensorflow", "mxnet"]) | HOSTILE}),
    "export": (["--route", "keras-savedmodel", "--net", "toy", "--steps", "1", "--calls", "2"],
               {"--drop-rate": RATE, "--steps": SMALL_INT, "--seed": SEED,
                "--calls": st.sampled_from(["2", "1"]) | HOSTILE,
                "--mean-calls": st.sampled_from(["10", "9"]) | HOSTILE,
                "--batch": SMALL_INT, "--timeout": st.sampled_from(["300", "0.01"]) | HOSTILE,
                "--net": st.sampled_from(["toy", "resnet"]) | HOSTILE}),
    "data idx": (["/nonexistent-dir"], {}),
}


# mnist and mc-average: values valid in any combination with the others (a hostile value may
# be valid too, e.g. "-0" for a seed: such an example may exit 0 or 2, never 1)
VALID = {
    "mnist": {"--arms": {"dropout", "none,dropout"}, "--seeds": {"1", "2", "3"},
              "--steps": {"1", "2", "3"}, "--eval-every": {"1", "2", "3"},
              "--train-subset": {"64"}, "--first-seed": {"0", "1"}},  # 4294967295: one seed only
    "mc-average": {"--k": {"1", "1,3"}, "--repeats": {"2", "3"}, "--steps": {"1", "2", "3"},
                   "--seed": {"0", "1", "4294967295"}, "--confidence": {"0.9"}},
}
# option -> (its key in the recorded config, how a value that ran reads there)
RECORDED = {"--arms": ("arms", lambda v: v.split(",")), "--seeds": ("seeds", int),
            "--steps": ("steps", int), "--eval-every": ("eval_every", int),
            "--train-subset": ("train_subset", int), "--first-seed": ("first_seed", int),
            "--k": ("ks", lambda v: [int(k) for k in v.split(",")]), "--repeats": ("repeats", int),
            "--seed": ("seed", int), "--confidence": ("confidence", float)}


def _options(command: str):
    """(option, value) pairs: up to four of the command's options, each once."""
    options = COMMANDS[command][1]
    if not options:
        return st.just(())
    names = st.lists(st.sampled_from(sorted(options)), max_size=4, unique=True)
    return names.flatmap(lambda picked: st.tuples(*[st.tuples(st.just(n), options[n])
                                                    for n in picked]))


def _check(out: Path, command: str, args: list[str], as_json: bool) -> None:
    runner = CliRunner()
    extra = ["--json"] if as_json else []
    result = runner.invoke(main, [*command.split(), *args, "--out", str(out), *extra]
                           if command != "data idx" else [*command.split(), *args, *extra])
    described = f"dropout-lab {command} {' '.join(args)} -> {result.exit_code}\n{result.stderr}"
    assert result.exit_code in (0, 1, 2), described + repr(result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit), described + repr(result.exception)
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr, described
    if as_json:
        if result.exit_code == 0:
            def refuse(constant):
                raise AssertionError(f"{constant} in --json")

            assert isinstance(json.loads(result.stdout, parse_constant=refuse), dict)
            assert result.stdout.endswith("}\n") and result.stdout.count("\n}\n") == 1
        else:
            assert result.stdout == "", described
    for kind in (out.iterdir() if out.exists() else []):
        for run in kind.iterdir():
            complete = not run.name.startswith(".") and (run / "manifest.json").is_file()
            partial = run.name.startswith(".") and run.name.endswith(".partial")
            assert complete or partial, f"{described}\nleft {run}"
    if command in VALID:
        _check_trained(out, command, args, result, described)


def _check_trained(out: Path, command: str, args: list[str], result, described: str) -> None:
    """mnist, mc-average: 0 (the run, its config as asked) or 2 (one line, nothing written)."""
    def pairs(options: list[str]) -> dict[str, str]:  # option -> value; the last one given wins
        return dict(zip(options[::2], options[1::2], strict=True))

    given, base = pairs(args), pairs(COMMANDS[command][0])
    valid = all(value == base.get(option) or value in VALID[command].get(option, ())
                for option, value in given.items())
    assert result.exit_code in ((0,) if valid else (0, 2)), described
    runs = [run for kind in (out.iterdir() if out.exists() else []) for run in kind.iterdir()]
    if result.exit_code == 2:  # one error line naming an option given; nothing written
        assert runs == [], described
        error = result.stderr.strip().splitlines()[-1]
        assert error.startswith("Error: ") and any(
            option in error or option[2:].replace("-", "_") in error for option in given), described
        return
    (run,) = runs
    assert run.parent.name == command and (run / "results.json").is_file(), described
    config = json.loads((run / "results.json").read_text())["config"]
    for option, value in given.items():
        if option in RECORDED:
            key, read = RECORDED[option]
            assert config[key] == read(value), f"{described}\n{key} = {config[key]}"


def _fuzz(examples: int):
    def test(command, tmp_path_factory):
        @settings(max_examples=examples, deadline=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(options=_options(command), as_json=st.booleans())
        def run(options, as_json):
            args = list(COMMANDS[command][0])
            for name, value in options:
                args += [name, value]
            _check(tmp_path_factory.mktemp("fuzz"), command, args, as_json)

        run()
    return test


#: Commands whose every example starts worker processes (~20-30 s a run): fuzzed in the slow
#: suite only.
SLOW_FUZZ = ("export", "frameworks")


@pytest.mark.parametrize("command", [
    pytest.param(c, marks=pytest.mark.slow) if c in SLOW_FUZZ else c for c in sorted(COMMANDS)])
def test_fuzzed_options_give_clean_outcomes(command, tmp_path_factory):
    # commands that start worker processes or several experiments: fewer in the default suite
    _fuzz(3 if command in ("reproduce", "frameworks", "export") else 6)(command, tmp_path_factory)


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_fuzzed_options_many_examples(command, tmp_path_factory):
    _fuzz(80)(command, tmp_path_factory)


# ---------------------------------------------------------------- hostile run folders
#
# The folders a command reads are fuzzed too: a real run (or an interrupted sweep) copied
# under a name with control characters, bidi overrides or newlines, with its members,
# its kind folder or an extra entry replaced by symbolic links (to a folder outside,
# to a file outside, or dangling). Whatever the folder holds: exit 0, 1 or 2 with no
# traceback, no raw control character or bidi override on stdout or stderr, strict
# JSON under --json, and nothing outside --out created, changed or deleted.

HOSTILE_NAME = st.text(
    alphabet=st.sampled_from(list("ab01-_.é日 ") + ["\x1b", "\x07", "\n", "\r", "\t", "\u202e",
                                                     "\u2066", "\u200f", "\x9b", "\x7f"]),
    min_size=1, max_size=24).filter(lambda n: n not in (".", "..") and "/" not in n)
LINK_TARGETS = st.sampled_from(["outside-folder", "outside-file", "dangling"])
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _no_raw_control(text: str) -> bool:
    return not RAW_CONTROL.search(text.replace("\n", ""))


def _snapshot(folder: Path) -> dict[str, bytes]:
    found = {}
    for path in sorted(folder.rglob("*")):
        found[str(path.relative_to(folder))] = (path.read_bytes() if path.is_file()
                                                and not path.is_symlink() else b"")
    return found


def _plant(base: Path, source: Path, kind: str, name: str, links: list[tuple[str, str]]) -> Path:
    """``source`` copied to ``base/out/<kind>/<name>`` with ``links`` planted; the outside
    folder made beside ``out``."""
    outside = base / "outside"
    (outside / ".precious").mkdir(parents=True)
    (outside / "file.txt").write_text("keep me")
    run = base / "out" / kind / name
    run.parent.mkdir(parents=True)
    shutil.copytree(source, run, symlinks=True)
    targets = {"outside-folder": outside, "outside-file": outside / "file.txt",
               "dangling": base / "created-through-a-link"}
    # deeper members first and the kind folder last: once a folder is a link (perhaps
    # dangling), nothing is planted through it
    for member, target in sorted(links, key=lambda link: (link[0] == "(kind folder)",
                                                          -link[0].count("/"))):
        path = run / member if member != "(kind folder)" else run.parent
        if member == "(kind folder)":
            moved = base / "real-kind"
            run.parent.rename(moved)
            run.parent.symlink_to(targets[target] if target != "outside-folder" else moved)
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.symlink_to(targets[target])
    return base / "out" / kind / name


def _check_hostile(base: Path, args: list[str], as_json: bool) -> None:
    outside_before = _snapshot(base / "outside")
    result = CliRunner().invoke(main, [*args, *(["--json"] if as_json else [])])
    described = f"{args!r} -> {result.exit_code}\n{result.stderr}"
    assert result.exit_code in (0, 1, 2), described + repr(result.exception)
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit), described + repr(result.exception)
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr, described
    assert _no_raw_control(result.stderr), described
    if as_json and result.exit_code == 0:
        json.loads(result.stdout)
        assert result.stdout.endswith("}\n") and result.stdout.isascii()
    elif not as_json:
        assert _no_raw_control(result.stdout), described + result.stdout
    assert _snapshot(base / "outside") == outside_before, described
    assert not (base / "created-through-a-link").exists(), described


@pytest.fixture(scope="module")
def train_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("fuzz-train")
    data = json.loads(CliRunner().invoke(main, ["train", "--epochs", "3", "--out", str(out),
                                                "--json"]).stdout)
    return Path(data["run_dir"])


RUN_MEMBERS = st.sampled_from(["manifest.json", "results.json", "weights.h5", "extra",
                               "(kind folder)"])
READERS = st.sampled_from(["runs list", "runs show", "reload", "compare"])


def _fuzz_readers(examples: int):
    @settings(max_examples=examples, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(name=HOSTILE_NAME, links=st.lists(st.tuples(RUN_MEMBERS, LINK_TARGETS), max_size=2,
                                             unique_by=lambda link: link[0]),
           reader=READERS, as_json=st.booleans())
    def run(train_run, tmp_path_factory, name, links, reader, as_json):
        base = tmp_path_factory.mktemp("hostile")
        run_dir = _plant(base, train_run, "train", name, links)
        args = {"runs list": ["runs", "list", "--out", str(base / "out")],
                "runs show": ["runs", "show", str(run_dir)],
                "reload": ["reload", str(run_dir), "--runs", "2", "--out", str(base / "o2")],
                "compare": ["compare", str(run_dir), "--runs", "2", "--mc-samples", "100",
                            "--out", str(base / "o2")]}[reader]
        _check_hostile(base, args, as_json)
    return run


def test_hostile_run_folders_give_clean_outcomes(train_run, tmp_path_factory):
    _fuzz_readers(12)(train_run, tmp_path_factory)


@pytest.mark.slow
def test_hostile_run_folders_many_examples(train_run, tmp_path_factory):
    _fuzz_readers(150)(train_run, tmp_path_factory)


@pytest.fixture(scope="module")
def sweep_partial(tmp_path_factory):
    import partials

    return partials.mnist_partial(tmp_path_factory.mktemp("fuzz-sweep"))


PARTIAL_MEMBERS = st.sampled_from(["units", ".lock", "resume.json", "units/none_seed0",
                                   "units/.dropout_seed0.tmp", "units/none_seed0/unit.json",
                                   "config.toml", "extra", "(kind folder)"])


def _fuzz_resume(examples: int):
    @settings(max_examples=examples, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(name=HOSTILE_NAME, links=st.lists(st.tuples(PARTIAL_MEMBERS, LINK_TARGETS),
                                             min_size=1, max_size=2,
                                             unique_by=lambda link: link[0]),
           as_json=st.booleans())
    def run(sweep_partial, tmp_path_factory, name, links, as_json):
        base = tmp_path_factory.mktemp("hostile-partial")
        partial = _plant(base, sweep_partial, "mnist", f".{name}.partial", links)
        _check_hostile(base, ["mnist", "--resume", str(partial), "--quiet"], as_json)
    return run


def test_hostile_partial_folders_resume_nothing_outside(sweep_partial, tmp_path_factory):
    _fuzz_resume(6)(sweep_partial, tmp_path_factory)


@pytest.mark.slow
def test_hostile_partial_folders_many_examples(sweep_partial, tmp_path_factory):
    _fuzz_resume(60)(sweep_partial, tmp_path_factory)
