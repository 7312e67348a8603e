"""The license question: any SPDX identifier, the common licenses' texts written into LICENSE,
the author's own text for the rest; and the SPDX list the validator reads, kept current."""

from __future__ import annotations

import pytest

from conftest import TEMPLATE, render
from samples import BASE
from xeus_kernel_template.licenses import SPDX_JINJA, spdx_jinja

# identifier -> a line of its text LICENSE must hold
SHIPPED = {
    "MIT": "Permission is hereby granted, free of charge",
    "BSD-2-Clause": "Redistribution and use in source and binary forms",
    "Apache-2.0": "Version 2.0, January 2004",
    "GPL-2.0-only": "Version 2, June 1991",
    "GPL-3.0-or-later": "Version 3, 29 June 2007",
    "LGPL-3.0-only": "GNU LESSER GENERAL PUBLIC LICENSE",
    "MPL-2.0": "Mozilla Public License Version 2.0",
}


def test_the_spdx_list_is_current():
    """includes/spdx.jinja is what `python -m xeus_kernel_template.licenses` writes today."""
    assert (TEMPLATE / SPDX_JINJA).read_text(encoding="utf-8") == spdx_jinja()
    assert "'GPL-3.0-or-later'" in spdx_jinja() and "'GPL-3.0': 'GPL-3.0-only'" in spdx_jinja()


@pytest.mark.parametrize("license", sorted(SHIPPED))
def test_a_common_license_gets_its_text(template_folder, tmp_path, license):
    project = render(tmp_path / "kernel", {**BASE, "license": license}, source=template_folder)
    text = (project / "LICENSE").read_text()
    assert SHIPPED[license] in text and text.endswith("\n") and not text.endswith("\n\n")
    assert not [line for line in text.splitlines() if line != line.rstrip()]  # pre-commit's trailing-whitespace
    if license.startswith("LGPL-3.0"):  # the GPL it adds permissions to follows
        assert "GNU GENERAL PUBLIC LICENSE" in text.split("GNU LESSER GENERAL PUBLIC LICENSE", 1)[1]


@pytest.mark.parametrize("license", ["Zlib", "LicenseRef-Gizmo-Proprietary"])
def test_any_other_identifier_leaves_the_text_to_the_author(template_folder, tmp_path, license):
    project = render(tmp_path / "kernel", {**BASE, "license": license}, source=template_folder)
    text = (project / "LICENSE").read_text()
    assert text.startswith(f"SPDX-License-Identifier: {license}\n") and "put the license's text in this file" in text
    assert f"license: {license}" in (project / "recipe/conda-forge/recipe.yaml").read_text()
