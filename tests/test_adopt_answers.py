"""adopt's answers: read from what a kernel really says, or named with the --data line that
sets them; its license; a kernel still on the xeus 5 API; the command line's errors.

Each kernel here is a small repository the test writes: a gizmo language kernel whose
interpreter builds its kernel_info reply one way or another (literals, a JSON object by
hand, local variables), a kernelspec template with @VAR@ placeholders, a license file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from template_repo import TEMPLATE, git, status, tree
from xeus_kernel_template.adopt import AdoptError, adopt
from xeus_kernel_template.adopt.infer import infer

CMAKE = """\
cmake_minimum_required(VERSION 3.16)
project(xeus-gizmo VERSION 0.2.0)
set(GIZMO_LANGUAGE_VERSION 2.1)
set(GIZMO_PRETTY "Gizmo")
find_package(xeus 6 REQUIRED)
configure_file(share/jupyter/kernels/xgizmo/kernel.json.in share/jupyter/kernels/xgizmo/kernel.json)
add_library(xeus-gizmo STATIC src/xinterpreter.cpp)
target_link_libraries(xeus-gizmo PUBLIC xeus-static)
add_executable(xgizmo src/main.cpp)
target_link_libraries(xgizmo PRIVATE xeus-gizmo)
"""
HEADER = """\
#pragma once
#include <string>
#include "xeus/xinterpreter.hpp"

namespace gizmo
{
    class interpreter : public xeus::xinterpreter
    {
    public:
        interpreter() = default;
    private:
        void configure_impl() override {}
        void execute_request_impl(send_reply_callback cb, int count, const std::string& code,
                                  xeus::execute_request_config config, nl::json user_expressions) override;
        nl::json complete_request_impl(const std::string& code, int cursor_pos) override;
        nl::json inspect_request_impl(const std::string& code, int cursor_pos, int detail_level) override;
        nl::json is_complete_request_impl(const std::string& code) override;
        nl::json kernel_info_request_impl() override;
%(shutdown)s
    };
}
"""
XEUS6_SHUTDOWN = """\
        nl::json shutdown_request_impl(bool restart) override;
        nl::json interrupt_request_impl() override;"""
XEUS5_SHUTDOWN = "        void shutdown_request_impl() override;"
SOURCE = """\
#include "xeus/xhelper.hpp"
#include "xeus-gizmo/gizmo_config.hpp"
#include "xeus-gizmo/xinterpreter.hpp"

namespace gizmo
{
    void interpreter::execute_request_impl(send_reply_callback cb, int count, const std::string& code,
                                           xeus::execute_request_config, nl::json)
    {
        nl::json data;
        data["text/plain"] = "gizmo says " + code;
        publish_execution_result(count, std::move(data), nl::json::object());
        cb(xeus::create_successful_reply());
    }

    nl::json interpreter::complete_request_impl(const std::string&, int cursor_pos)
    {
        return xeus::create_complete_reply(nl::json::array(), cursor_pos, cursor_pos);
    }

    nl::json interpreter::inspect_request_impl(const std::string&, int, int)
    {
        return xeus::create_inspect_reply(false);
    }

    nl::json interpreter::is_complete_request_impl(const std::string&)
    {
        return xeus::create_is_complete_reply("complete");
    }

    nl::json interpreter::kernel_info_request_impl()
    {
%(info)s
    }

%(shutdown)s
}
"""
XEUS6_SHUTDOWN_BODY = """\
    nl::json interpreter::shutdown_request_impl(bool restart)
    {
        return xeus::create_shutdown_reply(restart);
    }

    nl::json interpreter::interrupt_request_impl()
    {
        return xeus::create_interrupt_reply();
    }"""
XEUS5_SHUTDOWN_BODY = """\
    void interpreter::shutdown_request_impl()
    {
        m_stopping = true;
    }"""
# kernel_info, three ways (the language says "Gizmo", MIME type and extension in their case).
LITERALS = '        return xeus::create_info_reply("xgizmo", "0.2.0", "gizmo", "2.1", "text/x-Gizmo", ".GZM", "gizmo");'
JSON_OBJECT = """\
        nl::json result;
        result["implementation"] = "xgizmo";
        result["language_info"]["name"] = "gizmo";
        result["language_info"]["version"] = GIZMO_VERSION_TEXT;
        result["language_info"]["mimetype"] = "text/x-Gizmo";
        result["language_info"]["file_extension"] = "GZM";
        result["language_info"]["pygments_lexer"] = "gizmolexer";
        result["language_info"]["codemirror_mode"] = "gizmo";
        result["status"] = "ok";
        return result;"""
VARIABLES_XEUS5 = """\
        const std::string protocol_version = "5.3";
        const std::string implementation = "xgizmo";
        const std::string implementation_version = "0.2.0";
        const std::string language_name = "gizmo";
        const std::string language_version = GIZMO_VERSION_TEXT;
        const std::string language_mimetype = "text/x-Gizmo";
        const std::string language_file_extension = "GZM";
        const std::string language_pygments_lexer = "";
        const std::string language_codemirror_mode = "gizmo";
        const std::string language_nbconvert_exporter = "";
        const std::string banner = "xgizmo";
        const bool debugger = false;
        const nl::json help_links = nl::json::array();
        return xeus::create_info_reply(
            protocol_version,
            implementation,
            implementation_version,
            language_name,
            language_version,
            language_mimetype,
            language_file_extension,
            language_pygments_lexer,
            language_codemirror_mode,
            language_nbconvert_exporter,
            banner,
            debugger,
            help_links
        );"""
CONFIG_HEADER = """\
#pragma once
#define GIZMO_LANGUAGE_VERSION_MAJOR 2
#define GIZMO_LANGUAGE_VERSION_MINOR 1
#define GIZMO_LANGUAGE_VERSION_PATCH 7
#define GIZMO_STRINGIFY(x) #x
#define GIZMO_TEXT(x) GIZMO_STRINGIFY(x)
#define GIZMO_LANGUAGE_VERSION \
    GIZMO_TEXT(GIZMO_LANGUAGE_VERSION_MAJOR) "." GIZMO_TEXT(GIZMO_LANGUAGE_VERSION_MINOR) "." GIZMO_TEXT(GIZMO_LANGUAGE_VERSION_PATCH)
#define GIZMO_VERSION_TEXT GIZMO_LANGUAGE_VERSION
"""
SPEC = """\
{
  "display_name": "%s",
  "argv": ["@CMAKE_INSTALL_FULL_BINDIR@/xgizmo", "-f", "{connection_file}"],
  "language": "gizmo"
}
"""
BSD = """\
Copyright (c) 2024, Gizmo Makers
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.

3. Neither the name of the copyright holder nor the names of its
   contributors may be used to endorse or promote products derived from
   this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE
FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,
OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""
# The GNU texts as the template ships them (Debian's common-licenses).
GPL3 = (TEMPLATE / "includes/licenses/GPL-3.0.txt").read_text()
LGPL3 = (TEMPLATE / "includes/licenses/LGPL-3.0.txt").read_text()
LATER = "This program is free software: you can redistribute it and/or modify it under the terms of the GNU General\n" \
        "Public License as published by the Free Software Foundation, either version 3 of the License, or\n" \
        "(at your option) any later version.\n"


def gizmo(destination: Path, *, info: str = LITERALS, display: str = "Gizmo 2.1 (xgizmo)", xeus5: bool = False,
          files: dict[str, str] | None = None, remote: str | None = "https://github.com/gizmo-makers/xeus-gizmo.git",
          author: str = "Gizmo Dev <dev@gizmo.example.org>") -> Path:
    """The gizmo kernel as its authors keep it: a committed git work tree."""
    content = {
        "CMakeLists.txt": CMAKE,
        "include/xeus-gizmo/xinterpreter.hpp": HEADER % {"shutdown": XEUS5_SHUTDOWN if xeus5 else XEUS6_SHUTDOWN},
        "include/xeus-gizmo/gizmo_config.hpp": CONFIG_HEADER,
        "src/xinterpreter.cpp": SOURCE % {"info": info, "shutdown": XEUS5_SHUTDOWN_BODY if xeus5 else XEUS6_SHUTDOWN_BODY},
        "share/jupyter/kernels/xgizmo/kernel.json.in": SPEC % display,
        "LICENSE": BSD,
        "README.md": "# xeus-gizmo\n",
        **(files or {}),
    }
    if xeus5:
        content["include/xeus-gizmo/xinterpreter.hpp"] = content["include/xeus-gizmo/xinterpreter.hpp"].replace(
            "    private:\n", "    private:\n        bool m_stopping = false;\n")
    for path, text in content.items():
        (destination / path).parent.mkdir(parents=True, exist_ok=True)
        (destination / path).write_text(text)
    git(destination, "init", "--quiet")
    if remote:
        git(destination, "remote", "add", "origin", remote)
    git(destination, "add", "--all")
    git(destination, "commit", "--quiet", f"--author={author}", "-m", "The gizmo kernel")
    return destination


def answers(repo: Path) -> dict:
    return infer(repo).answers


# --- what the kernel says ------------------------------------------------------------------------


def test_literal_arguments_keep_their_case(tmp_path):
    found = answers(gizmo(tmp_path))
    assert (found["language_id"], found["language_version"], found["mimetype"], found["file_extension"]) == (
        "gizmo", "2.1", "text/x-Gizmo", ".GZM")
    assert found["pygments_lexer"] == "gizmo" and found["language_name"] == "Gizmo"
    assert found["display_name"] == "Gizmo 2.1 (xgizmo)"


def test_a_language_info_json_object_built_by_hand(tmp_path):
    inference = infer(gizmo(tmp_path, info=JSON_OBJECT))
    found = inference.answers
    assert found["language_version"] == "2.1.7"  # GIZMO_VERSION_TEXT -> GIZMO_LANGUAGE_VERSION_MAJOR/MINOR/PATCH
    assert (found["mimetype"], found["file_extension"]) == ("text/x-Gizmo", ".GZM")  # the dot added, case kept
    assert (found["pygments_lexer"], found["codemirror_mode"]) == ("gizmolexer", "gizmo")
    assert found["language_name"] == "Gizmo"  # the display name without its version, not "Gizmo 2.1"
    assert 'language_info["file_extension"] = "GZM"' in inference.sources["file_extension"]


def test_local_string_variables_passed_to_create_info_reply(tmp_path):
    """xeus-cookiecutter's shape: const std::string variables, xeus 5's argument order."""
    found = answers(gizmo(tmp_path, info=VARIABLES_XEUS5, xeus5=True, display="gizmo 2.1.7 (xgizmo)"))
    assert (found["language_id"], found["language_name"], found["language_version"]) == ("gizmo", "gizmo", "2.1.7")
    assert (found["mimetype"], found["file_extension"], found["codemirror_mode"]) == ("text/x-Gizmo", ".GZM", "gizmo")
    assert "pygments_lexer" not in found  # "" says nothing


def test_a_language_version_the_build_defines(tmp_path):
    """create_info_reply names a macro the kernel's CMake defines from one of its variables."""
    info = LITERALS.replace('"2.1"', "GIZMO_LANG_VERSION")
    cmake = CMAKE + 'target_compile_definitions(xeus-gizmo PRIVATE GIZMO_LANG_VERSION="${GIZMO_LANGUAGE_VERSION}")\n'
    inference = infer(gizmo(tmp_path, info=info, files={"CMakeLists.txt": cmake}))
    assert inference.answers["language_version"] == "2.1"
    assert "GIZMO_LANG_VERSION" in inference.sources["language_version"]


def test_a_display_name_filled_in_by_cmake(tmp_path):
    resolved = infer(gizmo(tmp_path / "resolved", display="@GIZMO_PRETTY@ @GIZMO_LANGUAGE_VERSION@ (${PROJECT_NAME})"))
    assert resolved.answers["display_name"] == "Gizmo 2.1 (xeus-gizmo)"
    assert "GIZMO_PRETTY" in resolved.sources["display_name"]
    unresolved = infer(gizmo(tmp_path / "unresolved", display="Gizmo @GIZMO_FROM_FIND_MODULE@ ."))
    assert "display_name" not in unresolved.answers  # never "Gizmo ." or "Gizmo"
    assert unresolved.answers["language_name"] == "Gizmo"
    (note,) = [n for n in unresolved.notes if "GIZMO_FROM_FIND_MODULE" in n]
    assert "display_name not inferred" in note and "--data display_name=" in note


# --- the license -------------------------------------------------------------------------------


def test_a_gpl_license_and_its_or_later_notice(tmp_path):
    only = infer(gizmo(tmp_path / "only", files={"LICENSE": GPL3}))
    assert only.answers["license"] == "GPL-3.0-only"
    # The GPL's own "Copyright (C) 2007 Free Software Foundation" is not the kernel's author.
    assert only.answers["author_name"] == "Gizmo Dev" and only.sources["author_name"] == "the first commit's author"
    later = infer(gizmo(tmp_path / "later", files={"LICENSE": GPL3, "README.md": f"# xeus-gizmo\n\n{LATER}"}))
    assert later.answers["license"] == "GPL-3.0-or-later"


def test_an_lgpl_license(tmp_path):
    found = answers(gizmo(tmp_path, files={"COPYING": GPL3, "COPYING.LESSER": LGPL3, "LICENSE": ""}))
    assert found["license"] == "LGPL-3.0-only"
    both = answers(gizmo(tmp_path / "one-file", files={"LICENSE": LGPL3 + "\n\n" + GPL3}))
    assert both["license"] == "LGPL-3.0-only"
    assert both["author_name"] == "Gizmo Dev"


def test_an_adopted_gpl_kernel_keeps_its_license_file(template_folder, tmp_path):
    repo = gizmo(tmp_path / "gizmo", files={"LICENSE": GPL3})
    plan = adopt(repo, template=str(template_folder))
    assert plan.answers["license"] == "GPL-3.0-only" and "LICENSE" in plan.kept
    assert (repo / "LICENSE").read_text() == GPL3
    assert "license: GPL-3.0-only" in (repo / "recipe/conda-forge/recipe.yaml").read_text()
    # The kernel's MIME type and extension, in their case, reach the generated metadata.
    metadata = (repo / "include/xeus-gizmo/kernel_metadata.hpp").read_text()
    assert '"text/x-Gizmo"' in metadata and '".GZM"' in metadata


# --- every answer named; the plan always shown -------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xeus_kernel_template", "adopt", *args], capture_output=True, text=True,
        stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONWARNINGS": "ignore"}, check=False,
    )


def test_without_a_remote_the_dry_run_shows_the_plan(template_folder, tmp_path):
    repo = gizmo(tmp_path / "gizmo", remote=None)
    before = tree(repo)
    result = run_cli(str(repo), "--dry-run", "--template", str(template_folder))
    assert result.returncode == 0, result.stderr
    assert "github_owner             (not inferred)" in result.stdout
    assert "--data github_owner=..." in result.stdout and "--data description=..." in result.stdout
    assert "Plan (--dry-run: nothing is written)" in result.stdout
    refused = run_cli(str(repo), "--template", str(template_folder))
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert "could not infer github_owner: give --data github_owner=..." in refused.stderr
    assert tree(repo) == before and status(repo) == []


def test_a_refused_inferred_email_says_where_it_came_from(template_folder, tmp_path):
    repo = gizmo(tmp_path / "gizmo", author="Gizmo Dev <dev@localhost>")
    plan = adopt(repo, template=str(template_folder), dry_run=True)
    assert "author_email" in plan.stand_ins
    why = plan.not_inferred["author_email"]
    assert "'dev@localhost' from the first commit's author is refused" in why and "e-mail" in why
    with pytest.raises(AdoptError) as refused:
        adopt(repo, template=str(template_folder))
    assert "the first commit's author" in str(refused.value) and "--data author_email=..." in str(refused.value)
    assert status(repo) == []


def test_an_unreachable_template_is_one_line(tmp_path):
    repo = gizmo(tmp_path / "gizmo")
    result = run_cli(str(repo), "--dry-run", "--template", "https://127.0.0.1:9/xeus-kernel-template.git")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "cannot reach the template" in result.stderr and "--template PATH" in result.stderr


# --- a kernel on the xeus 5 API -----------------------------------------------------------------


def test_a_xeus5_kernel_is_told_each_change_and_ported_on_request(template_folder, tmp_path):
    repo = gizmo(tmp_path / "gizmo", info=VARIABLES_XEUS5, xeus5=True)
    before = tree(repo)
    plan = adopt(repo, template=str(template_folder), dry_run=True)
    changes = "\n".join(plan.port_changes)
    assert "include/xeus-gizmo/xinterpreter.hpp" in changes and "src/xinterpreter.cpp" in changes
    for change in ("shutdown_request_impl() returns nl::json", "interrupt_request_impl() is new",
                   "no longer takes the protocol version (first) and the debugger flag"):
        assert change in changes, change
    assert "-    void interpreter::shutdown_request_impl()" in plan.port_diff
    assert "+    nl::json interpreter::shutdown_request_impl(bool restart)" in plan.port_diff
    assert "-            protocol_version,\n" in plan.port_diff and "-            debugger,\n" in plan.port_diff
    assert not plan.ported and tree(repo) == before
    ported = adopt(repo, template=str(template_folder), port_xeus6=True)
    assert ported.ported and ported.written["src/xinterpreter.cpp"] == "ported"
    source = (repo / "src/xinterpreter.cpp").read_text()
    assert "return xeus::create_shutdown_reply(restart);" in source and "xeus::create_interrupt_reply()" in source
    assert "protocol_version,\n" not in source.split("create_info_reply(")[1]
    assert "nl::json interrupt_request_impl() override;" in (repo / "include/xeus-gizmo/xinterpreter.hpp").read_text()


@pytest.mark.native
def test_a_ported_xeus5_kernel_builds_against_xeus6(template_folder, tmp_path, toolchain):
    repo = gizmo(tmp_path / "gizmo", info=VARIABLES_XEUS5, xeus5=True)
    adopt(repo, template=str(template_folder), port_xeus6=True)
    tc = toolchain.with_binds([repo.parent])
    result = tc.run(["cmake", "--preset", "native"], cwd=repo, env=tc.build_environment(), check=False)
    assert result.returncode == 0, result.stdout[-6000:]
    result = tc.run(["cmake", "--build", "--preset", "native"], cwd=repo, env=tc.build_environment(), check=False)
    assert result.returncode == 0, result.stdout[-8000:]
    shutil.rmtree(repo / "build")


def test_the_port_includes_the_header_of_the_helpers_it_calls():
    """xeus 6 declares create_shutdown_reply / create_interrupt_reply in xeus/xhelper.hpp: a
    kernel that did not include it would not compile after the port."""
    from xeus_kernel_template.adopt.port import port

    source = ('#include "xeus/xinterpreter.hpp"\n\nnamespace k\n{\n'
              '    void interpreter::shutdown_request_impl()\n    {\n    }\n}\n')
    ported = port({"src/xinterpreter.cpp": source}).patched["src/xinterpreter.cpp"]
    assert '#include "xeus/xinterpreter.hpp"\n#include "xeus/xhelper.hpp"\n' in ported
    assert "xeus::create_shutdown_reply(restart)" in ported
