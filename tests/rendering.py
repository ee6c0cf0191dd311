"""Renderables as the terminal shows them: plain text at a given width, no colour."""

from __future__ import annotations

import io

from rich.console import Console

from dropout_lab.core.console import fitted


def rendered(renderables, width: int) -> str:
    """The text a terminal ``width`` columns wide shows for ``renderables`` (each fitted)."""
    console = Console(file=io.StringIO(), width=width, record=True, markup=False,
                      highlight=False, color_system=None)
    for item in renderables:
        console.print(fitted(item))
    return console.export_text()
