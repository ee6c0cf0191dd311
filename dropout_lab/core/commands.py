"""What every command shares: options, output modes, error mapping, progress bars.

Human output is rendered with rich, to stdout normally and to stderr under
``--json`` (stdout then carries exactly one JSON object). ``--quiet`` keeps
only errors (and the JSON object, when asked for). Library errors map to exit
codes here: ConfigError -> 2 (a usage error), ExperimentError -> 1. Whatever
is shown passes through ``core.printable`` (no control character or bidi
override from data reaches the terminal); SIGTERM and SIGHUP end a command as
Ctrl-C does (``core.signals``); closed or full standard streams are handled by
``core.streams``.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from dropout_lab.core import results, signals, streams
from dropout_lab.core.atomic import dumps
from dropout_lab.core.config import load_toml, resolve
from dropout_lab.core.errors import ConfigError, ExperimentError
from dropout_lab.core.printable import printable
from dropout_lab.core.runs import RunContext, prepare_out
from dropout_lab.core.signals import checkpoint, handled, interrupted_words, interruptible

if TYPE_CHECKING:
    from rich.console import Console

#: A progress task that spans the others (``reproduce``'s plan): not ended by a new stage.
OVERALL = "plan"

#: Splits a progress task's name from its changing detail: ``units [ray] | 2 running``.
DETAIL = " | "

#: The arguments of the current invocation, recorded by the group (for manifests).
INVOCATION: list[str] = []


def command_line() -> str:
    """The command line being run, as a shell-quoted string."""
    return shlex.join(["dropout-lab", *INVOCATION])


def trust_layer_option(func: Callable) -> Callable:
    """``--trust-layer``: import the MODULE:CLASS layer a run folder names."""
    return click.option("--trust-layer", is_flag=True, default=None,
                        help="Import the MODULE:CLASS layer RUN's manifest names. Reading a "
                             "run folder never runs code otherwise: trust only runs you "
                             "made or checked.")(func)


def output_options(func: Callable) -> Callable:
    """Add ``--json`` and ``--quiet`` to a command."""
    func = click.option("--quiet", "-q", is_flag=True,
                        help="Print nothing but errors (and the JSON object with --json).")(func)
    return click.option("--json", "as_json", is_flag=True,
                        help="Print one JSON object on stdout; human output goes to stderr.")(func)


class Output:
    """Where a command's human and machine output goes."""

    def __init__(self, as_json: bool = False, quiet: bool = False):
        self.as_json, self.quiet = as_json, quiet
        self._console: Console | None = None
        self.finished: Path | None = None  # the run folder completed, named if output fails

    @property
    def console(self):
        """The rich console for people: stderr under --json, else stdout."""
        if self._console is None:
            # markup and emoji codes off: strings from run folders are shown as they are
            from rich.console import Console  # rich when output is made: not for --help

            self._console = Console(stderr=self.as_json, highlight=False, markup=False,
                                    emoji=False)
        return self._console

    def show(self, *renderables: Any) -> None:
        """Print rich renderables for people (nothing under --quiet)."""
        if not self.quiet:
            with streams.writing(self.as_json, self.finished):
                for item in renderables:
                    self.console.print(_printable_fitted(item))

    def emit(self, obj: Any) -> None:
        """Print the JSON object on stdout (only under --json)."""
        if self.as_json:
            with streams.writing(False, self.finished):
                click.echo(dumps(obj), file=_JSON_STDOUT.get(sys.stdout))

    @contextlib.contextmanager
    def progress(self, first: str | None = "starting TensorFlow"
                 ) -> Iterator[Callable[[str, int, int], None]]:
        """A ``progress(task, done, total)`` callback drawing bars on stderr.

        Args:
            first: a stage shown (as a spinner) until the first report, e.g. the
                seconds-long TensorFlow import; None for commands without TF.
        """
        if self.quiet:
            yield lambda task, done, total: None
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                   MofNCompleteColumn(), TimeElapsedColumn())
        tasks: dict[str, Any] = {}
        with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
            def update(task: str, done: int, total: int) -> None:
                key = task.partition(DETAIL)[0]  # "units [ray] | 1 failed": one bar, its text
                if key not in tasks:
                    for name, (started, size) in tasks.items():  # a new stage ends the others
                        if name != OVERALL:
                            bar.update(started, completed=size)
                    tasks[key] = (bar.add_task(task, total=total), total)
                tasks[key] = (tasks[key][0], total)
                bar.update(tasks[key][0], completed=done, total=total, description=task)

            if first:
                update(first, 0, 1)
            yield update


@contextlib.contextmanager
def reported_errors() -> Iterator[None]:
    """Turn every failure into one line: usage (exit 2) or failure (exit 1), never a traceback.

    An exception the library did not expect is a bug; it is still one line
    (``Internal error``), with what is needed to report it.
    """
    try:
        yield
    except click.ClickException as exc:
        # click 8.5 types it Final; the message is still the one it prints: quoting what was typed
        exc.message = printable(exc.message)  # type: ignore[misc]  # see the line above
        raise
    except (click.exceptions.Exit, click.Abort):
        raise
    except ConfigError as exc:
        raise click.UsageError(printable(exc)) from None
    except ExperimentError as exc:
        raise click.ClickException(printable(exc)) from None
    except KeyboardInterrupt as exc:  # Ctrl-C, SIGTERM or SIGHUP (core.signals)
        handled()
        signals.interrupted_command = True  # the program leaves at once (cli.LabGroup)
        finished = _FINISHED.get(None)
        what = ("no complete run folder was written" if finished is None else
                f"the run itself is complete: {printable(finished)}")
        raise click.ClickException(f"{interrupted_words(exc)}; {what}.") from None
    except MemoryError:
        raise click.ClickException("Out of memory; nothing complete was written. Smaller "
                                   "sizes, or $DROPOUT_LAB_MEMORY_LIMIT, keep a run within "
                                   "memory.") from None
    except Exception as exc:  # noqa: BLE001  (see the docstring)
        raise click.ClickException(printable(
            f"Internal error ({type(exc).__name__}: {exc}); please report it with the command "
            f"line: {command_line()}")) from None


#: Where ``--json`` prints its object: the real stdout, while the command runs with
#: ``sys.stdout`` pointed at stderr (a user's layer that prints cannot spoil the JSON).
_JSON_STDOUT: contextvars.ContextVar[Any] = contextvars.ContextVar("json_stdout")
#: The run folder the command completed (``execute``): an interruption after it says so.
_FINISHED: contextvars.ContextVar[Any] = contextvars.ContextVar("finished")


def lab_command(func: Callable) -> Callable:
    """Wrap a command body: one clean error line, stdout kept for the JSON object, SIGTERM
    and SIGHUP handled as Ctrl-C, the standard streams made safe (``core.streams``)."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        streams.prepare()
        token, finished = _JSON_STDOUT.set(sys.stdout), _FINISHED.set(None)
        guard = (contextlib.redirect_stdout(sys.stderr) if kwargs.get("as_json")
                 else contextlib.nullcontext())
        try:
            with interruptible(), reported_errors(), guard:
                checkpoint()  # a Ctrl-C swallowed before the command began
                return func(*args, **kwargs)
        finally:
            _JSON_STDOUT.reset(token)
            _FINISHED.reset(finished)
    return wrapper


def given(name: str) -> bool:
    """Whether the option ``name`` was given on the command line (not left at its default)."""
    ctx = click.get_current_context(silent=True)
    source = ctx.get_parameter_source(name) if ctx is not None else None
    return source not in (None, click.core.ParameterSource.DEFAULT)


def resolve_config(cls: type, config_path: str | None, flags: dict[str, Any]):
    """The command's config: dataclass defaults < ``--config`` TOML file < flags."""
    values = None if config_path is None else load_toml(config_path)
    return resolve(cls, values, flags, source=str(config_path))


def run_context(out: str, progress: Callable | None = None, **extra: Any):
    """A RunContext for ``--out``, checked writable before any work starts."""
    return RunContext(out=prepare_out(out), command=command_line(), progress=progress,
                      **extra)


#: ``--out``, shared by every command that writes a run folder.
out_option = click.option("--out", default="results", show_default=True,
                          type=click.Path(file_okay=False), help="Results folder.")


#: ``--data-dir``, for commands that read MNIST.
data_dir_option = click.option(
    "--data-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder with the four MNIST idx files, tried after the cache.")


def config_option(help_text: str = "TOML file of settings (keys as in the JSON `config`); "
                                   "flags override it.") -> Callable:
    """``--config FILE`` (a TOML file of the command's config keys)."""
    return click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
                        help=help_text)


def reject_combined(flags: dict[str, Any], config_path: str | None, what: str, why: str) -> None:
    """Usage error when any of ``flags`` (or ``--config``) is given together with ``what``.

    Example message: ``--rate, --epochs cannot be combined with RUN: <why>``.
    """
    used = ["--config"] if config_path else []
    used += [f"--{k.replace('_', '-')}" for k, v in flags.items() if v is not None]
    if used:
        raise click.UsageError(f"{', '.join(used)} cannot be combined with {what}: {why}")


def execute(output: Output, out: str, experiment: Any, config: Any, render: Callable,
            first: str | None = "starting TensorFlow", **context: Any) -> Any:
    """Run an experiment under a progress bar, then show its tables and emit its JSON.

    Args:
        output: where people's and machines' output goes.
        out: the ``--out`` folder (checked writable before any work).
        experiment: a module with ``run(config, ctx) -> result`` (``core.experiment``);
            its JSON (``core.results.to_json``) is printed under ``--json``.
        config: the resolved config.
        render: ``render(result) -> renderables`` for people.
        first: the progress stage shown until the first report (None: no TF to start).
        context: more RunContext fields (``resume``, ``data_dir``).
    """
    with output.progress(first) as progress:
        result = experiment.run(config, run_context(out, progress, **context))
    output.finished = getattr(result, "run_dir", None)
    _FINISHED.set(output.finished)
    output.show(*render(result))
    output.emit(results.to_json(result))
    return result



def _printable_fitted(item: Any) -> Any:
    """``item`` fitted to the terminal and made printable (``core.console``, with rich)."""
    from dropout_lab.core.console import Printable, fitted

    return Printable(fitted(item))
