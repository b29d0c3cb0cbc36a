"""A CJK font for matplotlib, found the same way on every machine.

The project installs one itself: the PyPI package ``pylopdf-fonts-zh-cn`` (a dependency in
``pyproject.toml``) ships Noto Sans SC (SIL Open Font License 1.1). ``find_cjk_font``
registers that file with matplotlib *explicitly*, so a font cache built before it was
installed, or by a stripped test environment, cannot hide it; Debian's
``fonts-wqy-microhei`` / ``fonts-noto-cjk`` (installed by ``.ci/run``) and the fonts of the
cache are the fallbacks. Text is drawn with the CJK font first and DejaVu Sans (shipped
with matplotlib: ✔, ✘, →, °) after it, per glyph.
"""

from __future__ import annotations

import functools
import os

from matplotlib import font_manager

#: CJK-capable font families tried in the font cache, in order (after the files below).
CJK_FAMILIES = ("Noto Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC",
                "Source Han Sans SC", "SimHei", "Microsoft YaHei", "PingFang SC")

#: Font files of the Debian CJK font packages (``fonts-wqy-microhei``, ``fonts-noto-cjk``).
CJK_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def packaged_font_file() -> str | None:
    """Path of Noto Sans SC from the ``pylopdf-fonts-zh-cn`` package, if installed."""
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return None
    path = str(pylopdf_fonts_zh_cn.sans_path())
    return path if os.path.isfile(path) else None


def _register(path: str) -> str:
    """Add a font file to matplotlib's font manager (idempotent); its family name."""
    name = font_manager.FontProperties(fname=path).get_name()
    if not any(getattr(f, "fname", None) == path for f in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(path)
    return name


@functools.cache
def _font_file_family() -> str | None:
    for path in (packaged_font_file(), *CJK_FILES):
        if path and os.path.isfile(path):
            return _register(path)
    return None


def find_cjk_font() -> str | None:
    """Family name of a font with Chinese glyphs, registered with matplotlib, or ``None``.

    The packaged Noto Sans SC first, then Debian's font files, then any CJK family already
    in matplotlib's font cache.
    """
    fam = _font_file_family()
    if fam is not None:
        installed = {f.name for f in font_manager.fontManager.ttflist}
        if fam not in installed:  # the font manager was reset since: register again
            _font_file_family.cache_clear()
            fam = _font_file_family()
        return fam
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for fam in CJK_FAMILIES:
        if fam in installed:
            return fam
    return None


def font_families(cjk: str | None) -> list[str]:
    """The family list to draw with: the CJK font first, DejaVu Sans for the rest."""
    return [cjk, "DejaVu Sans"] if cjk else ["DejaVu Sans"]


__all__ = ["CJK_FAMILIES", "CJK_FILES", "find_cjk_font", "font_families", "packaged_font_file"]
