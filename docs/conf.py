# Sphinx configuration of xeus-kernel-template's documentation (about.md says why these tools).
# Build it as CI does, warnings as errors:
#   python -m pip install -e ".[docs]"
#   python -m sphinx -W --keep-going -n -b html docs docs/_build/html
from __future__ import annotations

import sys
import tomllib
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

project = "xeus-kernel-template"
release = version = tomllib.loads((DOCS.parent / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]

extensions = [
    "myst_parser",
    "sphinx.ext.graphviz",
    "xkt_docs",  # _ext/xkt_docs.py: the pages generated from the template
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "_ext"]
smartquotes = False  # names and commands as written

# Links to headings, as on GitHub: [text](conventions.md#presets). A link to a missing
# heading is a warning (myst.xref_missing), and the strict build fails on it.
myst_heading_anchors = 3
nitpicky = True

# Diagrams: rendered by Graphviz's dot at build time into SVG files of the site.
graphviz_output_format = "svg"
graphviz_dot_args = ["-Gfontname=sans-serif", "-Nfontname=sans-serif", "-Efontname=sans-serif"]

html_theme = "pydata_sphinx_theme"
html_title = f"xeus-kernel-template {release}"
html_show_sourcelink = False
html_copy_source = False
html_context = {"default_mode": "light"}
html_sidebars = {"**": []}  # pages have no sub-pages: the page's own contents are on the right
html_theme_options = {
    "github_url": "https://github.com/xeus-kernel-template/xeus-kernel-template",
    "navbar_align": "left",
    "header_links_before_dropdown": 4,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": [],
    "footer_end": ["sphinx-version"],
}
