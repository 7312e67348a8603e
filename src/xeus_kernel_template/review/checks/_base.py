"""What every check of the reviewer shares: ID, family, link, failure and skip helpers."""

from __future__ import annotations

import dataclasses
import functools
import inspect
from typing import Any, ClassVar

#: The reviewer's page: one section per check, at ``#<id>`` (``#xk101``), generated from the
#: checks' own metadata (:mod:`xeus_kernel_template.review.docs`).
DOCS = "https://github.com/xeus-kernel-template/xeus-kernel-template/blob/main/docs/reviewer.md"
#: The conventions, whose sections say why (``conventions.md#kernelspec``).
CONVENTIONS = "https://github.com/xeus-kernel-template/xeus-kernel-template/blob/main/docs/conventions.md"

KERNELSPEC = "xk-kernelspec"
CMAKE = "xk-cmake"
WASM = "xk-wasm-glue"
RUNTIME = "xk-runtime-files"
ENVIRONMENTS = "xk-environments"
CI = "xk-ci"
TESTS = "xk-tests"
TEMPLATE = "xk-template-link"

NO_WASM = "no WebAssembly build"


@dataclasses.dataclass(frozen=True)
class Example:
    """A file as a check sees it: where it is, its language (for the code fence), its text."""

    path: str
    code: str
    language: str = ""


def _first_paragraph(doc: str | None) -> str:
    return " ".join(inspect.cleandoc(doc or "").split("\n\n")[0].split())


def _guard(method: Any) -> Any:
    """Run a check so that it never raises and a plain ``False`` becomes its fix message.

    repo-review formats a bare ``False``'s docstring with ``str.format``; returning the
    message ourselves keeps literal braces (``{connection_file}``) intact.
    """

    @functools.wraps(method)
    def run(self: XKCheck, *args: Any, **kwargs: Any) -> bool | str | None:
        self.skip_reason = ""
        self.locations = []
        try:
            result = method(self, *args, **kwargs)
        except Exception as error:  # noqa: BLE001 - a bug of the reviewer must not stop the review
            return f"The reviewer could not evaluate this check ({type(error).__name__}: {error}). {self.fix}"
        if result is False:
            return self.fix
        return result

    return run


class XKCheck:
    """Base of the reviewer's checks.

    A subclass is named after its ID (``XK101``); its docstring says what it looks for, its
    ``check`` method's docstring says how to fix a failure (one line). ``check`` takes
    fixtures by name and returns True (pass), a failure message (str), or None (skip, with
    ``skip_reason`` set through :meth:`skip`).
    """

    family: ClassVar[str]
    anchor: ClassVar[str]  # the section of docs/conventions.md the check enforces
    requires: ClassVar[frozenset[str]] = frozenset()
    #: Documentation (docs/reviewer.md is generated from it): why the convention matters,
    #: and a failing and a passing example (:class:`Example`).
    why: ClassVar[str] = ""
    failing: ClassVar[Example | None] = None
    passing: ClassVar[Example | None] = None

    def __init__(self) -> None:
        self.skip_reason = ""
        self.locations: list[tuple[str, int | None]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "check" in cls.__dict__:
            cls.check = _guard(cls.__dict__["check"])  # type: ignore[method-assign]

    @property
    def url(self) -> str:
        return f"{DOCS}#{type(self).__name__.lower()}"

    @property
    def convention_url(self) -> str:
        return f"{CONVENTIONS}#{self.anchor}"

    def at(self, path: str, line: int | None = None) -> None:
        """Note a place the failure is about (a file, and a line when known): SARIF results
        and annotations point there."""
        if path and (path, line) not in self.locations:
            self.locations.append((path, line))

    @property
    def fix(self) -> str:
        """The one-line failure message: how to fix it."""
        return _first_paragraph(type(self).check.__doc__)

    def fail(self, found: str) -> str:
        """A failure message: how to fix it, then what was found."""
        return f"{self.fix} Found: {found}."

    def skip(self, reason: str) -> None:
        self.skip_reason = reason

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.family}>"
