"""Cell ids: the hive-style relative path of a grid cell, shared by both papers.

A cell id is `key=value` segments in a fixed order (e.g. `law=normal/b=4/adv=none/beta=0/theta=0`);
it names the cell's folder under results/ and is parsed back by the readers.
"""

from __future__ import annotations

import itertools
import math

from relu_lib.errors import UserError


def cell_id(**params) -> str:
    """Hive-style relative path of a cell: key=value segments in the given order."""
    return "/".join(f"{k}={format_value(v)}" for k, v in params.items())


def parse_cell_id(cell: str) -> dict:
    """Inverse of `cell_id`: {key: value} with numbers as int or float."""
    out = {}
    for part in cell.split("/"):
        key, _, text = part.partition("=")
        try:
            out[key] = int(text)
        except ValueError:
            try:
                out[key] = float(text)
            except ValueError:
                out[key] = text
    return out


def format_value(value) -> str:
    """How a parameter value appears in a cell id: an injective function of the value.

    A float is written with 6 significant digits (the historical ids, e.g. 0.125, 1, 1e-05) only where
    that text reads back as the very same float; otherwise as its shortest round-trip repr (0.5000001).
    Either way the text parses back to the float exactly, so two different values never share an id.
    """
    if isinstance(value, float):
        value += 0.0  # -0.0 -> 0.0: one value, one id
        short = f"{value:g}"
        return short if math.isfinite(value) and float(short) == value else repr(value)
    return str(value)


# Two values of one axis closer than this (relative) are almost surely a typo, and one of them would
# silently stand for the other in every figure: a config error.
AXIS_RTOL = 1e-6


def check_axis(key: str, values) -> None:
    """The distinct values of one grid axis: distinct ids, and no two within AXIS_RTOL of each other."""
    ids, numbers = {}, sorted({v + 0.0 for v in values if isinstance(v, (int, float))})
    for value in dict.fromkeys(values):
        other = ids.setdefault(format_value(value), value)
        if other != value:
            raise UserError(
                f"'{key}': {other!r} and {value!r} name the same cell ({format_value(value)}); "
                "allowed values: distinct values"
            )
    for low, high in itertools.pairwise(numbers):
        if math.isclose(low, high, rel_tol=AXIS_RTOL, abs_tol=1e-300):
            raise UserError(
                f"'{key}': {low!r} and {high!r} differ by less than a relative {AXIS_RTOL:g}; "
                f"allowed values: values at least a relative {AXIS_RTOL:g} apart"
            )
