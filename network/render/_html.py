"""HTML text at the folium boundary: every user or data string is text, never a template.

folium renders each element's script through Jinja2 *twice*: branca wraps the output of a
``MacroElement`` in a new ``Element`` whose constructor compiles it as a template again,
and folium relies on that second pass for its own style maps. So any ``{{ … }}`` or
``{% … %}`` that reaches a GeoJson property, a popup, a layer name, the title or a panel is
evaluated — a scenario file could run code through it.

The rule here: every string that comes from a user, a data file or OSM goes through
``esc`` before it reaches folium. ``esc`` HTML-escapes and also writes ``{`` and
``}`` as the HTML entities ``&#123;`` and ``&#125;``: Leaflet shows them as braces, and no
template syntax survives. ``check_no_template`` is the second line of defence, run on
every feature collection and HTML block before it is handed to folium.
"""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np
from branca.element import Element

from ..errors import NetworkError

_TEMPLATE = re.compile(r"\{[{%#]")


def esc(value: Any) -> str:
    """Text for HTML: escaped, with braces as entities (``None``/NaN become ``""``)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = html.escape(str(value), quote=True)
    return text.replace("{", "&#123;").replace("}", "&#125;")


def bi(pair: tuple[str, str]) -> str:
    """A bilingual ``"中文 English"`` label, escaped."""
    return f"{esc(pair[0])} {esc(pair[1])}"


def css_class(*parts: str) -> str:
    """CSS class names from parts, keeping only ``[A-Za-z0-9_-]``."""
    return " ".join(re.sub(r"[^A-Za-z0-9_\-]", "", p) for p in parts if p)


def table(rows: list[tuple[str, Any]]) -> str:
    """A two-column HTML table of already escaped ``(header, value)`` pairs."""
    cells = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def num(value: Any, fmt: str = "{:.0f}") -> str:
    """A number formatted and escaped (``""`` for NaN; the text itself if not numeric)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return esc(value)
    return "" if np.isnan(v) else esc(fmt.format(v))


def fmt_min(v: Any) -> str:
    """Minutes as ``"12.3 min"``, ``"不可达 unreachable"`` or ``"–"``."""
    try:
        v = float(v)
    except (TypeError, ValueError):
        return "–"
    if np.isnan(v):
        return "–"
    return "不可达 unreachable" if np.isinf(v) else f"{v:.1f} min"


def check_template_free(text: str) -> bool:
    """True if ``text`` holds template syntax (``{{``, ``{%`` or ``{#``)."""
    return bool(_TEMPLATE.search(text))


class TemplateInjectionError(NetworkError):
    """A string with template syntax was about to reach folium (an escaping bug)."""


def check_no_template(obj: Any, where: str = "map") -> Any:
    """Raise if any string in ``obj`` (nested dicts/lists) holds ``{{``, ``{%`` or ``{#``.

    Our own code escapes every string with ``esc``; this check makes sure nothing
    slipped through before folium's double template pass sees it.
    """
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _TEMPLATE.search(item):
                raise TemplateInjectionError(f"{where}: unescaped template syntax in {item[:80]!r}")
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return obj


class RawHtml(Element):
    """An HTML block added to a folium page as it is, never compiled as a template.

    ``folium.Element(text)`` compiles ``text`` as a Jinja2 template; this element's
    ``render`` returns the text itself (after ``check_no_template``).
    """

    def __init__(self, text: str, where: str = "page"):
        super().__init__()
        self._name = "RawHtml"
        self.text = check_no_template(text, where)

    def render(self, **kwargs) -> str:
        return self.text


_EXTERNAL = re.compile(
    r"""(?:\b(?:src|href|action|poster|data)\s*=\s*["']?\s*|url\(\s*["']?|@import\s+["']?)"""
    r"""((?:https?:)?//[^\s"'<>)]+)""", re.IGNORECASE)


def external_references(text: str) -> list[str]:
    """URLs the page would fetch: ``http(s)://`` or ``//`` in src/href/url()/@import."""
    return _EXTERNAL.findall(text)


_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")


def stable_ids(page: str) -> str:
    """Replace folium's random element ids by sequential ones (``..._000001``).

    The same map then renders to the same bytes every time, so regenerated maps in
    ``maps/`` only differ where the content does.
    """
    ids: dict[str, str] = {}
    return _FOLIUM_ID.sub(lambda mt: ids.setdefault(mt.group(0), f"{len(ids) + 1:032d}"), page)


__all__ = ["RawHtml", "TemplateInjectionError", "bi", "check_no_template", "check_template_free",
           "css_class", "esc", "external_references", "fmt_min", "num", "stable_ids", "table"]
