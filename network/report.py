"""Markdown reports: small, dependency-free table formatting and the run report."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def _cell(v) -> str:
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        if math.isinf(v):
            return "∞"
        return f"{v:,.1f}"
    if isinstance(v, bool):
        return "✔ met" if v else "✘ not met"
    if isinstance(v, int | np.integer):
        return f"{v:,}"
    if isinstance(v, list | tuple):
        return ", ".join(map(str, v))
    return str(v).replace("|", "\\|").replace("\n", " ")


def md_table(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table of ``df`` (no index)."""
    if df.empty:
        return "_(none)_"
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    sep = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join([head, sep, *body])
