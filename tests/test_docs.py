"""The documentation site (docs/, Sphinx + MyST): it builds in strict mode, its links and every
link the reviewer prints resolve, the README's links into it resolve, its generated reference
lists every template file, and headless Chromium renders its pages offline with no console
error (screenshots under the worker's basetemp, docs-site/screenshots/)."""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from xeus_kernel_template.review.checks import ALL
from xeus_kernel_template.toolchain import host_chromium

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(DOCS / "_ext"))
import xkt_docs  # docs/_ext: the extension that generates the reference

# Chromium as the template's browser tests start it (a closed network, no first-run work).
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def docs_site(tmp_path_factory) -> Path:
    """The site, built once per session as CI builds it: every warning an error."""
    out = tmp_path_factory.getbasetemp() / "docs-site"
    shutil.rmtree(out, ignore_errors=True)
    build = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-q", "-b", "html",
         "-d", str(out / "doctrees"), str(DOCS), str(out / "html")],
        capture_output=True, text=True, check=False,
    )
    assert build.returncode == 0, f"the docs do not build strictly:\n{build.stdout[-4000:]}\n{build.stderr[-8000:]}"
    assert "WARNING" not in build.stderr, build.stderr
    return out / "html"


class _Page(HTMLParser):
    """The ids of a page and what it refers to (links, images, scripts, stylesheets, objects)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        attribute = {"a": "href", "link": "href", "img": "src", "script": "src", "object": "data"}.get(tag)
        if attribute and values.get(attribute):
            self.refs.append(values[attribute])


@functools.cache
def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def broken_links(site: Path) -> list[str]:
    """Every reference of the site's pages to a file or an element of the site that does not exist."""
    broken = []
    for html in sorted(site.rglob("*.html")):
        if html.relative_to(site).parts[0] == "_static":  # the theme's own templates, not pages
            continue
        for ref in _parse(html).refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc or ref.startswith(("mailto:", "javascript:")):
                continue
            target = (html.parent / unquote(parts.path)).resolve() if parts.path else html
            where = f"{html.relative_to(site)}: {ref}"
            if not target.is_file():
                broken.append(f"{where} (no file {target.relative_to(site.resolve()) if target.is_relative_to(site.resolve()) else target})")
            elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in _parse(target).ids:
                broken.append(f"{where} (no element with that id)")
    return broken


def test_every_internal_link_of_the_site_resolves(docs_site):
    pages = [p for p in docs_site.glob("*.html")]
    assert len(pages) >= 12, sorted(p.name for p in pages)
    assert broken_links(docs_site) == []


def test_the_link_check_sees_a_missing_file_and_a_missing_anchor(tmp_path):
    (tmp_path / "a.html").write_text('<a href="b.html#there">ok</a> <a href="b.html#gone">x</a> <a href="c.html">y</a>'
                                     '<img src="_images/d.svg"> <a href="https://example.org/#x">out</a>')
    (tmp_path / "b.html").write_text('<section id="there"></section>')
    assert broken_links(tmp_path) == [
        "a.html: b.html#gone (no element with that id)",
        "a.html: c.html (no file c.html)",
        "a.html: _images/d.svg (no file _images/d.svg)",
    ]


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_every_link_the_reviewer_prints_resolves_in_the_site(docs_site, cls):
    """Each check links to its section of reviewer.md and to the convention it enforces."""
    check = cls()
    for url, page in ((check.url, "reviewer"), (check.convention_url, "conventions")):
        path, anchor = url.split("#")
        assert path.endswith(f"/docs/{page}.md")
        assert anchor in _parse(docs_site / f"{page}.html").ids, f"{url}: no #{anchor} in the built {page}.html"


def _headings(markdown: str) -> set[str]:
    """GitHub's anchors for the headings of a Markdown file (code blocks left out)."""
    text = re.sub(r"^(```|~~~).*?^\1", "", markdown, flags=re.MULTILINE | re.DOTALL)
    return {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#{1,6}\s+(.+?)\s*$", text, flags=re.MULTILINE)
    }


def _markdown_links(markdown: str) -> list[str]:
    text = re.sub(r"^(```|~~~).*?^\1", "", markdown, flags=re.MULTILINE | re.DOTALL)
    text = re.sub(r"`[^`\n]*`", "", text)
    return re.findall(r"\]\(([^)\s]+)\)", text)


def test_links_between_the_markdown_files_work_on_github_too():
    """The site resolves MyST's and docutils' anchors; GitHub only its own heading slugs."""
    broken = []
    for page in sorted(DOCS.glob("*.md")):
        for link in _markdown_links(page.read_text(encoding="utf-8")):
            if urlsplit(link).scheme:
                continue
            path, _, anchor = link.partition("#")
            target = (page.parent / path).resolve() if path else page
            if not target.exists():
                broken.append(f"{page.name}: {link} (no file)")
            elif anchor and target.suffix == ".md" and anchor not in _headings(target.read_text(encoding="utf-8")):
                broken.append(f"{page.name}: {link} (no heading with that anchor on GitHub)")
    assert broken == []


def test_the_readme_links_into_the_docs_resolve(docs_site):
    links = [link for link in _markdown_links((ROOT / "README.md").read_text(encoding="utf-8")) if link.startswith("docs/")]
    assert len(links) >= 8, links
    for link in links:
        path, _, anchor = link.partition("#")
        assert path.endswith(".md"), link
        built = docs_site / Path(path).relative_to("docs").with_suffix(".html")
        assert built.is_file(), f"README links {link}, which the site does not have"
        if anchor:
            assert anchor in _parse(built).ids, f"README links {link}: no #{anchor} in the site"
            assert anchor in _headings((ROOT / path).read_text(encoding="utf-8")), f"README links {link}: not on GitHub"


def test_the_reference_lists_every_template_file():
    found = xkt_docs.reference(ROOT)
    assert found.problems == []
    listed = {source for row in found.rows for source in row.sources}
    assert listed == set(xkt_docs._template_sources(ROOT / "template"))
    owners = {row.owner for row in found.rows}
    assert owners == {"template", "author"}
    assert {q.name for q in found.questions} >= {"language_name", "kernel_name", "with_wasm", "interpreter_class"}


def test_the_reference_fails_on_a_template_file_without_an_owner(tmp_path):
    root = tmp_path / "xeus-kernel-template"
    for part in (*xkt_docs.TEMPLATE_PARTS, "docs/ownership.md"):
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, root / part, ignore=shutil.ignore_patterns(*xkt_docs.SKIPPED))
        elif source.is_file():
            (root / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / part)
    (root / "template/cmake/Unlisted.cmake").write_text("# Managed by xeus-kernel-template\n")
    problems = xkt_docs.reference(root).problems
    unlisted = ("cmake/Unlisted.cmake (from template/cmake/Unlisted.cmake) matches 0 rows of docs/ownership.md: "
                "give it exactly one (path, owner, what it is)")
    assert problems == [unlisted] * len(xkt_docs.VARIANTS)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def served(docs_site):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(docs_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


# page -> (its title, headings it must show)
PAGES = {
    "index.html": ("xeus-kernel-template", []),
    "conventions.html": ("The conventions", ["dlopen and MAIN_MODULE", "No asyncify", "Initialisation hook",
                                             "wasm_name and argv[0]", "stdin in the browser"]),
    "reviewer.html": ("The reviewer: checks and how to fix them", ["The checks", "XK101", "XK803"]),
    "loader.html": ("The loader contract", ["Build time: jupyter lite build", "Run time: in the web worker"]),
}


def test_the_site_renders_in_chromium_offline(served, tmp_path_factory):
    chromium = host_chromium()
    if chromium is None:
        pytest.fail("no Chromium for the docs' browser test: install Debian's chromium (.ci/run does) or set CHROMIUM_EXECUTABLE")
    from playwright.sync_api import sync_playwright

    shots = tmp_path_factory.getbasetemp() / "docs-site" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})

            def outside(route):
                problems.append(f"request to another host: {route.request.url}")
                route.abort()

            page.route(re.compile(r"^(?!" + re.escape(served) + r"/).*"), outside)
            page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url} ({r.failure})"))
            page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
            for name, (title, headings) in PAGES.items():
                page.goto(f"{served}/{name}", wait_until="load")
                assert page.locator("h1").first.inner_text().strip().rstrip("#").strip() == title
                shown = {h.strip().rstrip("#").strip() for h in page.locator("h2, h3").all_inner_texts()}
                assert set(headings) <= shown, (name, sorted(shown))
                assert page.locator("nav.bd-links, .bd-sidebar-primary").count() >= 1  # the theme laid it out
                page.screenshot(path=str(shots / f"{Path(name).stem}.png"), full_page=name == "index.html")
            # The diagram: an SVG file of the site, drawn (not its alt text).
            diagram = page.locator("object.graphviz").first
            assert diagram.evaluate("o => o.contentDocument && o.contentDocument.querySelector('svg text') !== null")
            assert diagram.bounding_box()["height"] > 300
        finally:
            browser.close()
    assert problems == []
    assert {p.name for p in shots.iterdir()} == {f"{Path(n).stem}.png" for n in PAGES}
