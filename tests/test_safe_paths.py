"""Nothing dropout-lab writes, deletes or locks resolves outside its folder (issue 16, kind 1).

Run folders, and above all the ``.partial`` ones ``--resume`` continues, may come
from anyone: every name in them may be a symbolic link to anywhere. Each case
plants a link and checks that it is refused with one line naming it and that
nothing outside was created, written or deleted.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import partials
import pytest

from dropout_lab.core import safe_paths
from dropout_lab.core.atomic import atomic_write_json
from dropout_lab.core.errors import ConfigError, ExperimentError
from dropout_lab.core.reading import open_run
from dropout_lab.core.resume import reopen_run, resumable_run, resume_out
from dropout_lab.core.runs import new_run, start_run
from dropout_lab.core.safe_paths import LinkRefused
from dropout_lab.index import listing


def _error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr and "Internal error" not in result.stderr
    return lines[0]


@pytest.fixture
def outside(tmp_path):
    """A folder outside --out holding something to lose."""
    path = tmp_path / "outside"
    (path / ".precious").mkdir(parents=True)
    (path / ".precious" / "data").write_text("keep me")
    (path / "file.txt").write_text("keep me too")
    return path


def _untouched(outside: Path) -> None:
    assert sorted(p.name for p in outside.iterdir()) == [".precious", "file.txt"]
    assert (outside / ".precious" / "data").read_text() == "keep me"


def test_make_dirs_creates_inside_and_refuses_a_link_on_the_way(tmp_path, outside):
    root = tmp_path / "run"
    root.mkdir()
    assert safe_paths.make_dirs(root, "a/b") == root / "a" / "b" and (root / "a" / "b").is_dir()
    (root / "link").symlink_to(outside)
    with pytest.raises(LinkRefused, match=r"Refused: .*/run/link is a symbolic link \(to "
                                          r".*/outside\); dropout-lab never writes through a "
                                          r"link below --out\."):
        safe_paths.make_dirs(root, "link/new")
    _untouched(outside)
    (root / "file").write_text("x")
    with pytest.raises(LinkRefused, match="/run/file is not a folder; cannot write in it"):
        safe_paths.make_dirs(root, "file/new")


def test_the_root_is_followed_only_when_asked(tmp_path, outside):
    (tmp_path / "out").symlink_to(outside)  # --out itself: the user's own choice
    assert safe_paths.make_dirs(tmp_path / "out", "train", follow_root=True).is_dir()
    with pytest.raises(LinkRefused, match="/out is a symbolic link"):
        safe_paths.make_dirs(tmp_path / "out", "more")
    shutil.rmtree(outside / "train")
    _untouched(outside)


@pytest.mark.parametrize("bad", ["../x", "/etc", "a/../../b", "."])
def test_relative_paths_stay_inside(tmp_path, bad):
    with pytest.raises(ValueError, match="is not a path inside a folder"):
        safe_paths.make_dirs(tmp_path, bad)


def test_a_dangling_lock_link_creates_nothing(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    target = tmp_path / "created-by-lock"
    (folder / ".lock").symlink_to(target)
    with pytest.raises(LinkRefused, match=r"\.lock is a symbolic link .*never locks through"):
        safe_paths.open_lock(folder)
    assert not target.exists()


def test_remove_tree_removes_real_folders_and_refuses_links(tmp_path, outside):
    parent = tmp_path / "units"
    (parent / ".a.tmp" / "inner").mkdir(parents=True)
    (parent / ".a.tmp" / "inner" / "link").symlink_to(outside)  # inside: unlinked, not followed
    safe_paths.remove_tree(parent, ".a.tmp")
    assert not (parent / ".a.tmp").exists()
    _untouched(outside)
    (parent / ".b.tmp").symlink_to(outside / ".precious")
    with pytest.raises(LinkRefused, match=r"\.b\.tmp is a symbolic link .*never deletes"):
        safe_paths.remove_tree(parent, ".b.tmp")
    safe_paths.remove_tree(parent, "missing")  # nothing to remove is no error
    os.unlink(parent / ".b.tmp")
    (tmp_path / "linked-parent").symlink_to(outside)
    with pytest.raises(LinkRefused):
        safe_paths.remove_tree(tmp_path / "linked-parent", ".precious")
    _untouched(outside)


def test_atomic_writes_replace_a_link_instead_of_writing_through_it(tmp_path, outside):
    (tmp_path / "results.json").symlink_to(outside / "file.txt")
    atomic_write_json(tmp_path / "results.json", {"a": 1})
    assert not (tmp_path / "results.json").is_symlink()
    assert json.loads((tmp_path / "results.json").read_text()) == {"a": 1}
    _untouched(outside)
    with pytest.raises(FileExistsError):
        safe_paths.create_exclusive(tmp_path / "results.json")


def test_run_folders_refuse_links_to_write_through(tmp_path, outside):
    run = start_run(tmp_path / "out", "sweep", {}, 0, "x")
    for name in ("configs", "figures", "steps"):
        (run.path / name).symlink_to(outside)
        with pytest.raises(LinkRefused, match=f"{name} is a symbolic link"):
            run.write_text(f"{name}/x.toml", "a = 1")
        with pytest.raises(LinkRefused):
            run.write_bytes(f"{name}/x.png", b"png")
        (run.path / name).unlink()
    _untouched(outside)


def test_a_finished_run_holds_no_link(tmp_path, outside):
    with pytest.raises(LinkRefused, match=r"extra is a symbolic link; a run folder holds none"), \
            new_run(tmp_path / "out", "sweep", {}, 0, "x") as run:
        (run.path / "extra").symlink_to(outside / "file.txt")
    assert list((tmp_path / "out" / "sweep").iterdir()) == []  # removed, link and all
    _untouched(outside)


def test_a_kind_folder_that_is_a_link_receives_no_run(cli, tmp_path, outside):
    out = tmp_path / "out"
    out.mkdir()
    (out / "train").symlink_to(outside)
    line = _error_line(cli("train", "--epochs", "3", "--out", out, expect=1))
    assert line == (f"Error: Refused: {out / 'train'} is a symbolic link (to {outside}); "
                    "dropout-lab never writes through a link below --out.")
    _untouched(outside)
    entries = cli.json("runs", "list", "--out", out)["runs"]  # shown, not hidden
    assert [(e["status"], e["problem"]) for e in entries] == [
        ("damaged", f"the train folder {out / 'train'} is a symbolic link (to {outside}); not "
                    "followed")]


def _interrupted(out: Path, kind: str = "sweep"):
    with pytest.raises(RuntimeError), resumable_run(out, kind, {"a": 1}, 0, "first") as run:
        run.write_json("units/u.json", {"u": 1})
        raise RuntimeError("interrupted")
    return run.path


def test_resume_refuses_a_partial_folder_that_is_or_holds_a_link(tmp_path, outside):
    partial = _interrupted(tmp_path / "out")
    (partial / "units" / "elsewhere").symlink_to(outside)
    with pytest.raises(ConfigError, match=r"units/elsewhere is a symbolic link \(to .*outside\); "
                                          r"dropout-lab never resumes a folder holding links"):
        reopen_run(partial, "sweep", "again")
    (partial / "units" / "elsewhere").unlink()
    moved = tmp_path / "real-partial"
    partial.rename(moved)
    partial.symlink_to(moved)
    with pytest.raises(ConfigError, match=r"Refused: .*\.partial is a symbolic link"):
        reopen_run(partial, "sweep", "again")
    partial.unlink()
    moved.rename(partial)
    kind = partial.parent
    kind.rename(tmp_path / "real-kind")
    kind.symlink_to(tmp_path / "real-kind")
    with pytest.raises(ConfigError, match=r"Refused: .*/out/sweep is a symbolic link"):
        reopen_run(partial, "sweep", "again")


def test_resume_refuses_a_resume_json_that_is_a_link(tmp_path):
    partial = _interrupted(tmp_path / "out")
    real = tmp_path / "resume.json"
    (partial / "resume.json").rename(real)
    (partial / "resume.json").symlink_to(real)
    with pytest.raises(ExperimentError, match=r"resume\.json is a symbolic link \(to .*"
                                              r"resume\.json\); only the folder's own file"):
        reopen_run(partial, "sweep", "again")


def test_resume_out_is_the_resumed_folders_own(tmp_path):
    partial = _interrupted(tmp_path / "out")
    folder = reopen_run(partial, "sweep", "again")
    assert resume_out(folder, None) == tmp_path / "out"
    assert resume_out(folder, tmp_path / "out" / ".." / "out") == tmp_path / "out"
    with pytest.raises(ConfigError, match=r"Invalid value for `--out`: expected the folder the "
                                          r"resumed run is in, .*/out, or no --out"):
        resume_out(folder, tmp_path / "elsewhere")


def test_a_manifest_linked_from_outside_is_not_read(cli, out, tmp_path):
    run = Path(cli.json("train", "--epochs", "3", "--out", out)["run_dir"])
    outside_manifest = tmp_path / "outside-manifest.json"
    shutil.move(run / "manifest.json", outside_manifest)
    (run / "manifest.json").symlink_to(outside_manifest)
    with pytest.raises(ExperimentError, match="manifest.json is a symbolic link"):
        open_run(run, ("train",))
    assert "is a symbolic link" in _error_line(cli("runs", "show", run, expect=2))
    assert "is a symbolic link" in _error_line(cli("reload", run, "--out", out, expect=1))
    (entry,) = listing.index(out)
    assert entry.status == "damaged" and "manifest.json is a symbolic link" in entry.problem


def test_runs_list_names_linked_run_folders_without_following_them(cli, out, tmp_path):
    run = Path(cli.json("train", "--epochs", "3", "--out", out)["run_dir"])
    (out / "train" / "20261204-000000-abcdef").symlink_to(run)
    entries = {e.run_id: e for e in listing.index(out)}
    linked = entries["20261204-000000-abcdef"]
    assert linked.status == "damaged" and linked.problem == f"a symbolic link (to {run}); not " \
                                                            "followed"
    assert entries[run.name].status == "complete"


# ------------------------------------------------------------------ mnist --resume


@pytest.fixture(scope="module")
def mnist_partial(tmp_path_factory):
    """An interrupted two-unit sweep with one unit done (made once, copied per test)."""
    return partials.mnist_partial(tmp_path_factory.mktemp("mnist-partial"))


@pytest.fixture
def partial(mnist_partial, tmp_path):
    out = tmp_path / "out"
    (out / "mnist").mkdir(parents=True)
    copy = out / "mnist" / mnist_partial.name
    shutil.copytree(mnist_partial, copy, symlinks=True)
    return copy


def test_mnist_resume_with_units_linked_elsewhere_deletes_and_writes_nothing(cli, partial,
                                                                              outside):
    shutil.rmtree(partial / "units")
    (partial / "units").symlink_to(outside)
    line = _error_line(cli("mnist", "--resume", partial, expect=2))
    assert line.endswith(f"Invalid value for `--resume`: {partial / 'units'} is a symbolic link "
                         f"(to {outside}); dropout-lab never resumes a folder holding links.")
    _untouched(outside)


def test_completed_units_never_follows_or_removes_through_links(partial, outside):
    from dropout_lab.mnist import units
    from dropout_lab.mnist.config import MnistConfig

    config = MnistConfig(**json.loads((partial / "resume.json").read_text())["config"])
    units_dir = partial / "units"
    (units_dir / ".dropout_seed0.tmp").symlink_to(outside / ".precious")
    with pytest.raises(LinkRefused, match=r"\.dropout_seed0\.tmp is a symbolic link"):
        units.completed_units(partial, config)
    _untouched(outside)
    (units_dir / ".dropout_seed0.tmp").unlink()
    (units_dir / ".dropout_seed0.tmp" / "half").mkdir(parents=True)  # a real leftover: removed
    (units_dir / ".DS_Store").write_text("not ours")  # a hidden file that is not: kept
    found = units.completed_units(partial, config)
    assert list(found) == [("none", 0)]
    assert not (units_dir / ".dropout_seed0.tmp").exists() and (units_dir / ".DS_Store").exists()
    real = partial.parent / "unit-elsewhere"
    shutil.move(units_dir / "none_seed0", real)
    (units_dir / "none_seed0").symlink_to(real)
    with pytest.raises(LinkRefused, match="none_seed0 is a symbolic link"):
        units.completed_units(partial, config)
    shutil.rmtree(units_dir)
    units_dir.symlink_to(outside)
    with pytest.raises(LinkRefused, match="units is a symbolic link"):
        units.completed_units(partial, config)
    _untouched(outside)


def test_mnist_resume_with_a_dangling_lock_link_creates_nothing(cli, partial, tmp_path):
    target = tmp_path / "created-by-lock"
    (partial / ".lock").symlink_to(target)
    assert "is a symbolic link" in _error_line(cli("mnist", "--resume", partial, expect=2))
    assert not os.path.lexists(target)


def test_mnist_resume_with_out_elsewhere_is_refused(cli, partial, tmp_path):
    other = tmp_path / "other"
    line = _error_line(cli("mnist", "--resume", partial, "--out", other, expect=2))
    assert f"expected the folder the resumed run is in, {partial.parent.parent}, or no --out" \
        in line
    assert not other.exists()
    data = cli.json("mnist", "--resume", partial, "--out", partial.parent.parent, "--quiet")
    assert Path(data["run_dir"]).parent == partial.parent and not partial.exists()


# ------------------------------------------------------------------ reproduce --resume


@pytest.mark.parametrize("name", ["configs", "figures", "steps"])
def test_reproduce_resume_writes_nothing_through_linked_folders(cli, out, outside, name):
    partial = partials.reproduce_partial(out)
    if (partial / name).exists():
        shutil.rmtree(partial / name)
    (partial / name).symlink_to(outside)
    line = _error_line(cli("reproduce", "--resume", partial, "--quiet", expect=2))
    assert f"{partial / name} is a symbolic link (to {outside})" in line
    _untouched(outside)
