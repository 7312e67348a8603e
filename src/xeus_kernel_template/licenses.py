"""Licenses: which SPDX identifiers the template accepts, and which license a kernel's file holds.

    python -m xeus_kernel_template.licenses [PATH]   # rewrites includes/spdx.jinja

copier.yml's ``license`` question accepts any current SPDX license identifier (and a
``LicenseRef-`` of the author's own). Its validator is Jinja, so the SPDX list is a data file
it imports, includes/spdx.jinja, written here from license-expression's copy of the SPDX
data (a test keeps the two in step). Deprecated identifiers (``GPL-3.0``) are refused with
the one to use instead.

adopt takes the license from the kernel's LICENSE file: identify (pre-commit's file
identification library) matches it against the common license texts; the GNU licenses'
texts say nothing of "only" or "or later", so the kernel's README and source headers decide.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

SPDX_JINJA = Path("includes/spdx.jinja")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]*$")
# identify's identifiers of the GNU licenses are SPDX's deprecated ones: the version only.
_GNU = {"GPL-2.0", "GPL-3.0", "LGPL-2.1", "LGPL-3.0", "AGPL-3.0"}
_LATER = re.compile(r"\(at\s+your\s+option\)\s+any\s+later\s+version", re.IGNORECASE)
# A file holding two license texts (the LGPL and the GPL it builds on, one after the other),
# or one shortened or with a preamble, matches no text whole: its title or its key phrase
# tells (the more specific first).
_TITLES = [
    ("BSD-3-Clause", re.compile(r"\ABSD\s+3-Clause\s+License", re.IGNORECASE)),
    ("BSD-2-Clause", re.compile(r"\ABSD\s+2-Clause\s+License", re.IGNORECASE)),
    ("MIT", re.compile(r"\AMIT\s+License", re.IGNORECASE)),
    ("Apache-2.0", re.compile(r"Apache\s+License,?\s+Version\s+2\.0", re.IGNORECASE)),
    ("MPL-2.0", re.compile(r"Mozilla\s+Public\s+License,?\s+(Version\s+|v\.?\s*)2\.0", re.IGNORECASE)),
    ("MIT", re.compile(r"Permission\s+is\s+hereby\s+granted,\s+free\s+of\s+charge", re.IGNORECASE)),
    ("BSD-3-Clause", re.compile(r"Redistribution\s+and\s+use\s+in\s+source[\s\S]*Neither\s+the\s+name", re.IGNORECASE)),
    ("BSD-2-Clause", re.compile(r"Redistribution\s+and\s+use\s+in\s+source\s+and\s+binary\s+forms", re.IGNORECASE)),
    ("LGPL-3.0", re.compile(r"GNU\s+LESSER\s+GENERAL\s+PUBLIC\s+LICENSE\s+Version\s+3", re.IGNORECASE)),
    ("LGPL-2.1", re.compile(r"GNU\s+LESSER\s+GENERAL\s+PUBLIC\s+LICENSE\s+Version\s+2\.1", re.IGNORECASE)),
    ("AGPL-3.0", re.compile(r"GNU\s+AFFERO\s+GENERAL\s+PUBLIC\s+LICENSE\s+Version\s+3", re.IGNORECASE)),
    ("GPL-3.0", re.compile(r"GNU\s+GENERAL\s+PUBLIC\s+LICENSE\s+Version\s+3", re.IGNORECASE)),
    ("GPL-2.0", re.compile(r"GNU\s+GENERAL\s+PUBLIC\s+LICENSE\s+Version\s+2", re.IGNORECASE)),
]


def spdx_tables() -> tuple[list[str], dict[str, str]]:
    """The current SPDX license identifiers, and the deprecated ones -> their replacement."""
    from license_expression import get_license_index

    current: set[str] = set()
    deprecated: dict[str, str] = {}
    for entry in get_license_index():
        key = entry.get("spdx_license_key") or ""
        if key.startswith("LicenseRef-") or entry.get("is_exception") or entry.get("is_deprecated") or not key:
            continue
        current.add(key)
        for old in entry.get("other_spdx_license_keys") or []:
            if _IDENTIFIER.match(old) and not old.startswith("LicenseRef-"):
                deprecated[old] = key
    return sorted(current, key=str.lower), {k: deprecated[k] for k in sorted(deprecated, key=str.lower) if k not in current}


def spdx_jinja() -> str:
    """includes/spdx.jinja, as copier.yml's validator imports it."""
    current, deprecated = spdx_tables()
    lines = [
        "{#- The SPDX license identifiers copier.yml's `license` question accepts, and the deprecated",
        "    ones with their replacement. Written by `python -m xeus_kernel_template.licenses` from",
        "    license-expression's SPDX data: do not edit (tests/test_licenses.py compares). -#}",
        "{%- set licenses = [",
    ]
    row: list[str] = []
    for name in current:
        row.append(f"'{name}',")
        if len(" ".join(row)) > 90:
            lines.append("  " + " ".join(row))
            row = []
    if row:
        lines.append("  " + " ".join(row))
    lines.append("] -%}")
    lines.append("{%- set deprecated = {")
    lines += [f"  '{old}': '{new}'," for old, new in deprecated.items()]
    lines.append("} -%}")
    return "\n".join(lines) + "\n"


def identify_license(root: Path, path: str, notices: list[str]) -> tuple[str | None, str]:
    """The SPDX identifier of the license in *root*/*path* (None when it is no common license
    text), and why: *notices* are texts that may say "or (at your option) any later version"
    (README, source headers), which makes a GNU license ``-or-later``."""
    from identify.identify import license_id

    try:
        found = license_id(str(root / path))
    except (UnicodeDecodeError, OSError):
        found = None
    how = path
    if found is None:
        text = (root / path).read_text(encoding="utf-8", errors="replace")[:3000].strip()
        found = next((name for name, title in _TITLES if title.search(text)), None)
        how = f"{path} (its title or key phrase)"
    if found in _GNU:
        later = any(_LATER.search(text) for text in notices)
        found += "-or-later" if later else "-only"
        how += ": 'any later version' in the kernel's notices" if later else ": no 'any later version' notice found"
    return found, how


def main(argv: list[str] | None = None) -> int:
    target = Path((argv if argv is not None else sys.argv[1:] or [str(SPDX_JINJA)])[0])
    if not target.parent.is_dir():
        print(f"{target.parent} not found: run it in the template's checkout, or give the path", file=sys.stderr)
        return 1
    target.write_text(spdx_jinja(), encoding="utf-8")
    print(f"{target} written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
