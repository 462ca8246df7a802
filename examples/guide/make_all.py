"""Regenerate the guide: every page's pictures, and its code blocks from its script.

    python examples/guide/make_all.py            # docs/guide/images/ (and docs/images/experiment_*)
    python examples/guide/make_all.py /tmp/out   # every picture there; the pages untouched

Page ``docs/guide/NN_name.md`` belongs to ``examples/guide/NN_name.py``: the page's ``python``
code blocks are, in order, the script's sections between ``# [page]`` and ``# [/page]``
(dedented). Without an argument this script writes those sections into the pages;
tests/test_guide.py checks that they agree and runs every script.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PAGES = ROOT / "docs" / "guide"
SCRIPTS = sorted(HERE.glob("[0-9][0-9]_*.py"))

_SECTION = re.compile(r"^[ \t]*# \[page\][^\n]*\n(.*?)^[ \t]*# \[/page\][ \t]*$", re.S | re.M)
_PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)


def sections(script: Path) -> list[str]:
    """The script's ``# [page]`` sections, dedented: the code its page shows."""
    return [textwrap.dedent(s).strip("\n") + "\n" for s in _SECTION.findall(script.read_text())]


def python_blocks(page: Path) -> list[str]:
    """The ``python`` code blocks of a Markdown page, in order."""
    return _PYTHON_BLOCK.findall(page.read_text())


def page_of(script: Path) -> Path:
    return PAGES / f"{script.stem}.md"


def sync(script: Path) -> bool:
    """Write the script's sections into its page's python blocks; True if the page changed."""
    page = page_of(script)
    text = page.read_text()
    new = iter(sections(script))
    try:
        result = _PYTHON_BLOCK.sub(lambda m: f"```python\n{next(new)}```", text)
    except StopIteration:
        raise SystemExit(f"{page}: more python blocks than {script.name} has sections") from None
    if next(new, None) is not None:
        raise SystemExit(f"{page}: fewer python blocks than {script.name} has sections")
    if result != text:
        page.write_text(result)
    return result != text


def load(script: Path):
    """Import a guide script as a module (its name starts with a digit)."""
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    spec = importlib.util.spec_from_file_location(f"guide_{script.stem}", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    given = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    for script in SCRIPTS:
        start = time.perf_counter()
        print(f"== {script.name}")
        module = load(script)
        if given is not None:
            module.main(given)
        elif script.stem == "06_playground":
            module.main(PAGES / "images", ROOT / "docs" / "images")
        else:
            module.main(PAGES / "images")
        if given is None and sync(script):
            print(f"   updated the code blocks of {page_of(script).relative_to(ROOT)}")
        print(f"   {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
