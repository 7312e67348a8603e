"""XK8xx: the link to the template (``.copier-answers.yml``), which ``copier update`` needs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..fixtures import YamlFile
from ..release import Unreachable, render_release
from ._base import TEMPLATE, Example, XKCheck

#: A release tag as copier records it: v1.2.3, 1.2, 0.3.0rc1 (never a hash or a describe).
_TAG = re.compile(r"^v?\d+\.\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")
#: A git URL another machine can reach (git+file:// is a local path too). The message after
#: `copier copy` (copier.yml) warns with the same rules.
_REMOTE = re.compile(r"^(gh:|gl:|https?://|git@|git\+(https?|ssh)://|ssh://|git://)")


class XK801(XKCheck):
    """Copier answers file"""
    why = '`copier update` needs the answers and the template version the kernel was made from.'
    failing = Example('.copier-answers.yml', '(none)', '')
    passing = Example('.copier-answers.yml', '_commit: v0.2.0\n_src_path: gh:xeus-kernel-template/xeus-kernel-template\nkernel_name: xdemo', 'yaml')

    family = TEMPLATE
    anchor = "template-link"

    def check(self, xk_copier_answers: YamlFile | None) -> bool | str:
        """Create the kernel with `copier copy` from xeus-kernel-template and commit `.copier-answers.yml`
        (with `_src_path` and `_commit`), so `copier update` can bring template changes.
        """
        if xk_copier_answers is None:
            return False
        if xk_copier_answers.error:
            return self.fail(xk_copier_answers.error)
        data = xk_copier_answers.data
        if not isinstance(data, dict):
            return self.fail(f"`{xk_copier_answers.path}` is not a mapping")
        missing = [k for k in ("_src_path", "_commit") if not data.get(k)]
        if missing:
            return self.fail(f"`{xk_copier_answers.path}` lacks " + ", ".join(f"`{k}`" for k in missing))
        return True


class XK802(XKCheck):
    """The answers record a release tag"""
    why = 'Copier updates from one release tag to the next; a commit hash or a `git describe` is a version it cannot compare.'
    failing = Example('.copier-answers.yml', '_commit: v0.2.0-3-gabc1234', 'yaml')
    passing = Example('.copier-answers.yml', '_commit: v0.2.0', 'yaml')

    family = TEMPLATE
    anchor = "template-link"
    requires = frozenset({"XK801"})

    def check(self, xk_copier_answers: YamlFile) -> bool | str:
        """Copy or update from a tagged release of the template (`copier update --vcs-ref=<tag>`): `_commit`
        must be a tag, not a commit or `tag-N-ghash`.
        """
        commit = str(xk_copier_answers.data.get("_commit", "")).strip()
        return True if _TAG.match(commit) else self.fail(f"`_commit: {commit}`")


class XK803(XKCheck):
    """The answers point at the template's git URL"""
    why = 'A local path only works on the machine that made the kernel; the git URL works for every contributor and bot.'
    failing = Example('.copier-answers.yml', '_src_path: /home/me/xeus-kernel-template', 'yaml')
    passing = Example('.copier-answers.yml', '_src_path: gh:xeus-kernel-template/xeus-kernel-template', 'yaml')

    family = TEMPLATE
    anchor = "template-link"
    requires = frozenset({"XK801"})

    def check(self, xk_copier_answers: YamlFile) -> bool | str:
        """Copy from the template's git URL (`gh:xeus-kernel-template/xeus-kernel-template`), not a local
        path, so anyone can `copier update`.
        """
        source = str(xk_copier_answers.data.get("_src_path", "")).strip()
        return True if _REMOTE.match(source) else self.fail(f"`_src_path: {source}`")


class XK804(XKCheck):
    """Template-owned files are as the recorded release wrote them"""
    why = ('`copier update` merges the template\'s changes into the files it owns: an edit of yours on the same '
           'lines becomes a conflict at the next update. Found now, the change can move to a file you own first '
           '(docs/ownership.md). The check renders the template at `_commit` with your answers and compares; it '
           'is skipped when the template or that release cannot be reached.')
    failing = Example('cmake/XeusKernel.cmake', '# Managed by xeus-kernel-template: ...\n'
                      'add_compile_options(-Wall)  # added by hand', 'cmake')
    passing = Example('CMakeLists.txt', '# Yours: ...\nadd_compile_options(-Wall)', 'cmake')

    family = TEMPLATE
    anchor = "template-link"
    requires = frozenset({"XK801"})

    def check(self, root: Any, xk_copier_answers: YamlFile) -> bool | str | None:
        """Move your changes to template-owned files to the files you own (docs/ownership.md: where your
        changes go), or expect them to conflict at the next `copier update`.
        """
        try:
            release = render_release(xk_copier_answers.data, root if isinstance(root, Path) else None)
        except Unreachable as error:
            return self.skip(f"the recorded release cannot be rendered: {error}")
        edited = []
        for path, expected in release.template_files.items():
            try:
                found = root.joinpath(*path.split("/")).read_bytes()
            except OSError:
                continue  # deleted: copier update leaves it deleted, nothing to merge into
            if found != expected:
                edited.append(path)
                self.at(path, None)
        if not edited:
            return True
        return self.fail(f"edited since {release.release}: " + ", ".join(f"`{path}`" for path in edited))


CHECKS = (XK801, XK802, XK803, XK804)
