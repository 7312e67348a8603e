"""The thin CMakeLists.txt adopt writes, from hand-written builds of the shapes real kernels
have: the library made by a macro called once per library kind, options the template now
decides, sources added under an option, variables the carried commands need."""

from __future__ import annotations

from xeus_kernel_template.adopt.cmake import bracket_argument, thin_cmake_lists
from xeus_kernel_template.review.parsing import collect_variables, parse_cmake

MACRO_BUILD = """
cmake_minimum_required(VERSION 3.16)
project(xeus-tiny)
option(TINY_BUILD_SHARED "shared library" ON)
option(TINY_BUILD_STATIC "static library" ON)
option(TINY_WITH_EXTRA "the extra module" ON)
set(Tiny_REQUIRED_VERSION 2.1)
find_package(xeus 6 REQUIRED)
find_package(Tiny ${Tiny_REQUIRED_VERSION} REQUIRED)
set(TINY_SRC src/xinterpreter.cpp src/helpers.cpp)
if(TINY_WITH_EXTRA)
    set(TINY_SRC ${TINY_SRC} src/extra.cpp)
endif()
macro(tiny_common target)
    target_compile_options(${target} PRIVATE -Wall)
endmacro()
macro(tiny_library target kind)
    add_library(${target} ${kind} ${TINY_SRC})
    tiny_common(${target})
    if(TINY_USE_SHARED_XEUS)
        target_link_libraries(${target} PUBLIC xeus)
    else()
        target_link_libraries(${target} PUBLIC xeus-static)
    endif()
    target_link_libraries(${target} PRIVATE ${TINY_LIBRARIES})
endmacro()
if(TINY_BUILD_SHARED)
    tiny_library(xeus-tiny SHARED)
endif()
if(TINY_BUILD_STATIC)
    tiny_library(xeus-tiny-static STATIC)
endif()
add_executable(xtiny src/main.cpp)
tiny_common(xtiny)
target_link_libraries(xtiny PRIVATE xeus-tiny)
install(TARGETS xeus-tiny EXPORT xeus-tiny-targets)
"""
FILES = ["src/xinterpreter.cpp", "src/helpers.cpp", "src/extra.cpp", "src/main.cpp"]


def thin(text: str):
    commands, problems = parse_cmake(text, "CMakeLists.txt")
    assert problems == []
    return thin_cmake_lists(
        commands, collect_variables(commands), project="xeus-tiny", version="1.0.0", description="Tiny ]]",
        kernel="xtiny", interpreter_files=["src/xinterpreter.cpp"], repo_files=FILES, kernelspec=None,
        with_runtime_files=False,
    )


def test_a_library_made_by_a_macro_comes_over_once():
    build = thin(MACRO_BUILD)
    text = build.text
    assert "    SOURCES src/xinterpreter.cpp src/helpers.cpp\n" in text
    assert "if(TINY_WITH_EXTRA)\n    target_sources(xeus-tiny PRIVATE src/extra.cpp)\nendif()" in text
    assert text.count("target_link_libraries(xeus-tiny PRIVATE ${TINY_LIBRARIES})") == 1
    assert text.count("target_compile_options(xeus-tiny PRIVATE -Wall)") == 1  # the library's, not the executable's
    assert "    SHARED\n" in text  # it exported a package
    # What the template decides now is gone: library kinds, xeus itself, the executable.
    for gone in ("TINY_BUILD_SHARED", "TINY_BUILD_STATIC", "xeus-static", "find_package(xeus", "add_executable", "xeus-tiny-static"):
        assert gone not in text, gone
    assert "set(Tiny_REQUIRED_VERSION 2.1)\nfind_package(Tiny ${Tiny_REQUIRED_VERSION} REQUIRED)" in text
    assert 'option(TINY_WITH_EXTRA "the extra module" ON)' in text


def test_the_description_is_a_bracket_argument_that_closes_where_it_should():
    assert "    DESCRIPTION [=[Tiny ]]]=]\n" in thin(MACRO_BUILD).text
    for text in ("x", "x]", "]", "a]=", "]=]", "[x]"):
        argument = bracket_argument(text)
        level = argument[1 : argument.index("[", 1)]
        assert argument == f"[{level}[{text}]{level}]" and argument.find(f"]{level}]") == len(argument) - len(level) - 2


def test_a_function_of_the_kernels_module_called_on_the_library_comes_over_on_it():
    text = MACRO_BUILD.replace("    tiny_common(${target})\n", "    tiny_common(${target})\n    tiny_warnings(${target})\n")
    commands, _ = parse_cmake(text, "CMakeLists.txt")
    module, _ = parse_cmake("function(tiny_warnings target)\n  target_compile_options(${target} PRIVATE -Wall)\n"
                            "endfunction()\n", "cmake/TinyWarnings.cmake")
    build = thin_cmake_lists(
        commands, collect_variables(commands), project="xeus-tiny", version="1.0.0", description="",
        kernel="xtiny", interpreter_files=["src/xinterpreter.cpp"], repo_files=FILES, kernelspec=None,
        with_runtime_files=False, other_files={"cmake/TinyWarnings.cmake": module},
    )
    after = build.text.split("xeus_kernel_add(", 1)[1]
    assert after.count("tiny_warnings(xeus-tiny)") == 1  # once, after the library exists
    assert any("tiny_warnings() of the kernel's module, on the library" in line for line in build.carried)


def test_a_kernelspec_argument_cmake_fills_in_comes_over_as_its_variable():
    """`"-resource-dir", "@TINY_RESOURCES@"` in a kernelspec template: ARGS -resource-dir
    ${TINY_RESOURCES}, never adopt's placeholder."""
    from xeus_kernel_template.review.parsing import load_json_template

    text = ('{"display_name": "Tiny 20", "language": "tiny",\n "argv": ["@TINY_PREFIX@/bin/xtiny", "-std=20", '
            '"-resource-dir", "@TINY_RESOURCES@", "-f", "{connection_file}"]}')
    data, _ = load_json_template(text)
    commands, _ = parse_cmake(MACRO_BUILD, "CMakeLists.txt")
    build = thin_cmake_lists(
        commands, collect_variables(commands), project="xeus-tiny", version="1.0.0", description="",
        kernel="xtiny", interpreter_files=["src/xinterpreter.cpp"], repo_files=FILES, kernelspec=None,
        with_runtime_files=False, other_kernelspecs={"xtiny20": (data, text)},
    )
    assert "    ARGS -std=20 -resource-dir ${TINY_RESOURCES})" in build.text
    assert "XK_PLACEHOLDER" not in build.text and "PLACEHOLDER" not in build.text


def test_a_command_under_a_condition_on_a_macros_parameter_is_for_a_human():
    """Out of the macro its parameter means nothing: carried, the condition would be silently false."""
    text = MACRO_BUILD.replace("    tiny_common(${target})\n", "    tiny_common(${target})\n"
                               "    if(${kind} STREQUAL STATIC)\n        target_compile_options(${target} PRIVATE -ffat-lto-objects)\n"
                               "    endif()\n")
    build = thin(text)
    assert "-ffat-lto-objects" not in build.text
    assert any("-ffat-lto-objects" in line and "a condition on its ${kind}" in line for line in build.needs_human)
