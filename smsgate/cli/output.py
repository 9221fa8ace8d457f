"""Where a command's CSV goes: a file, written whole or not at all, or stdout."""

from __future__ import annotations

import os
from collections.abc import Iterable

import click


def write_chunks(chunks: Iterable[bytes], output: str) -> None:
    """Write `chunks` to the file `output`, or to stdout when it is ``-``.

    A file is written beside its target and renamed at the end, so a failed export never
    leaves a truncated file that looks complete.
    """
    if output == "-":
        with click.open_file("-", "wb") as stdout:
            for chunk in chunks:
                stdout.write(chunk)
            stdout.flush()
        return
    partial = f"{output}.partial"
    try:
        with open(partial, "wb") as file:
            for chunk in chunks:
                file.write(chunk)
        os.replace(partial, output)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
