"""XK1xx: the kernelspec (``share/jupyter/kernels/<kernel>/kernel.json.in``)."""

from __future__ import annotations

import posixpath

from ..fixtures import Kernelspec, WasmBuild
from ..parsing import PLACEHOLDER_VALUE, first_lines
from ._base import KERNELSPEC, NO_WASM, XKCheck

LOGOS = ("logo-svg.svg", "logo-32x32.png", "logo-64x64.png")


def _parsed(specs: list[Kernelspec]) -> list[Kernelspec]:
    return [s for s in specs if s.data is not None]


class XK101(XKCheck):
    """Kernelspec in share/jupyter/kernels/KERNEL/"""

    family = KERNELSPEC
    anchor = "kernelspec"

    def check(self, xk_kernelspecs: list[Kernelspec]) -> bool | str:
        """Add the kernelspec as `share/jupyter/kernels/<kernel>/kernel.json.in`."""
        if any(s.standard for s in xk_kernelspecs):
            return True
        if xk_kernelspecs:
            return self.fail("only " + first_lines(f"`{s.path}`" for s in xk_kernelspecs))
        return False


class XK102(XKCheck):
    """Kernelspecs are JSON with argv, display_name and language"""

    family = KERNELSPEC
    anchor = "kernelspec"
    requires = frozenset({"XK101"})

    def check(self, xk_kernelspecs: list[Kernelspec]) -> bool | str:
        """Make every kernelspec valid JSON with `argv` (a list), `display_name` and `language` (`@VAR@`
        placeholders are fine).
        """
        problems: list[str] = []
        for spec in xk_kernelspecs:
            if spec.data is None:
                problems.append(spec.error)
                continue
            missing = [k for k in ("argv", "display_name", "language") if k not in spec.data]
            if missing:
                problems.append(f"`{spec.path}` lacks {', '.join(missing)}")
            elif not isinstance(spec.data["argv"], list) or not spec.data["argv"]:
                problems.append(f"`{spec.path}`: argv is not a non-empty list")
        return self.fail(first_lines(problems)) if problems else True


class XK103(XKCheck):
    """argv: native specs take -f CONNECTION_FILE, wasm specs none"""

    family = KERNELSPEC
    anchor = "kernelspec"
    requires = frozenset({"XK102"})

    def check(self, xk_kernelspecs: list[Kernelspec]) -> bool | str:
        """Native kernelspecs end `argv` with `"-f", "{connection_file}"`; wasm-only ones
        (`wasm_kernel.json.in`) have no connection file.
        """
        problems: list[str] = []
        for spec in _parsed(xk_kernelspecs):
            argv = spec.data.get("argv")
            if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
                problems.append(f"`{spec.path}`: argv is not a list of strings")
                continue
            has_connection = any("{connection_file}" in a for a in argv)
            if spec.wasm and has_connection:
                problems.append(f"`{spec.path}` (wasm) passes a connection file")
            elif not spec.wasm and not has_connection:
                problems.append(f"`{spec.path}` has no `{{connection_file}}`")
        return self.fail(first_lines(problems)) if problems else True


class XK104(XKCheck):
    """metadata.wasm_name names the wasm module"""

    family = KERNELSPEC
    anchor = "kernelspec"
    requires = frozenset({"XK102"})

    def check(self, xk_kernelspecs: list[Kernelspec], xk_wasm: WasmBuild) -> bool | str | None:
        """Set `metadata.wasm_name` to the kernel name (the `<kernel>.js` / `.wasm` module) in the kernelspec
        jupyterlite uses.
        """
        if not xk_wasm.enabled:
            return self.skip(NO_WASM)
        specs = _parsed(xk_kernelspecs)
        wasm_specs = [s for s in specs if s.wasm]
        problems: list[str] = []
        for spec in wasm_specs or specs:
            metadata = spec.data.get("metadata")
            name = metadata.get("wasm_name") if isinstance(metadata, dict) else None
            if not isinstance(name, str) or not name.strip():
                problems.append(f"`{spec.path}` has no wasm_name")
                continue
            argv = spec.data.get("argv")
            program = (
                posixpath.basename(argv[0])
                if isinstance(argv, list) and argv and isinstance(argv[0], str)
                else ""
            )
            program = program.replace(PLACEHOLDER_VALUE, "")
            if PLACEHOLDER_VALUE not in name and name not in (spec.name, program):
                problems.append(f"`{spec.path}`: wasm_name `{name}` is neither `{spec.name}` nor `{program}`")
        return self.fail(first_lines(problems)) if problems else True


class XK105(XKCheck):
    """interrupt_mode is message"""

    family = KERNELSPEC
    anchor = "kernelspec"
    requires = frozenset({"XK102"})

    def check(self, xk_kernelspecs: list[Kernelspec]) -> bool | str:
        """Set `"interrupt_mode": "message"` in every kernelspec: xeus installs no SIGINT handler, so a
        signal kills the kernel.
        """
        problems = [
            f"`{s.path}`: {s.data.get('interrupt_mode', 'unset')!s}"
            for s in _parsed(xk_kernelspecs)
            if s.data.get("interrupt_mode") != "message"
        ]
        return self.fail(first_lines(problems)) if problems else True


class XK106(XKCheck):
    """Kernelspec folders hold the three logos"""

    family = KERNELSPEC
    anchor = "kernelspec"
    requires = frozenset({"XK101"})

    def check(self, xk_kernelspecs: list[Kernelspec]) -> bool | str:
        """Put `logo-svg.svg`, `logo-32x32.png` and `logo-64x64.png` next to each kernelspec."""
        problems: list[str] = []
        for folder in sorted({s.folder for s in xk_kernelspecs if s.standard}):
            logos = next(s.logos for s in xk_kernelspecs if s.folder == folder)
            missing = [logo for logo in LOGOS if logo not in logos]
            if missing:
                problems.append(f"`{folder}` lacks {', '.join(missing)}")
        return self.fail(first_lines(problems)) if problems else True


CHECKS = (XK101, XK102, XK103, XK104, XK105, XK106)
