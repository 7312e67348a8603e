"""The tolerant readers: CMake, JavaScript, C++, JSON templates, conda match specs."""

from __future__ import annotations

import pytest

from xeus_kernel_template.review.parsing import (
    collect_variables,
    expand_variables,
    is_source_tree_path,
    load_json_template,
    parse_cmake,
    parse_match_spec,
    pins_major,
    spec_admits,
    strip_cmake_comments,
    strip_cpp_comments,
    strip_js_comments,
    version_major,
)


def test_cmake_comments_are_stripped_but_not_inside_strings_or_brackets():
    text = (
        "set(A 1) # trailing remark (with parens\n"
        '#[[ a bracket\ncomment ]] set(B "x # not a comment")\n'
        "#[==[ ]] still comment ]==]set(C [[raw # kept]])\n"
        "set(D \\# escaped)\n"
    )
    stripped = strip_cmake_comments(text)
    assert "trailing remark" not in stripped and "bracket" not in stripped and "still comment" not in stripped
    assert '"x # not a comment"' in stripped and "[[raw # kept]]" in stripped
    assert stripped.count("\n") == text.count("\n")  # line numbers survive


def test_cmake_commands_arguments_and_lines():
    text = (
        "cmake_minimum_required(VERSION 3.25)\n"
        "target_include_directories(lib PUBLIC\n"
        '    "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>"\n'
        "    $<$<CONFIG:Debug>:-g>)\n"
        "if((A AND B) OR NOT EMSCRIPTEN)\n"
        'target_link_options(k PRIVATE "SHELL:--pre-js \\"${file}\\"" -DX="a b")\n'
        "ADD_TEST(NAME t COMMAND [=[python -m pytest]=])\n"
    )
    commands, problems = parse_cmake(text, "CMakeLists.txt")
    assert problems == []
    names = [c.name for c in commands]
    assert names == [
        "cmake_minimum_required",
        "target_include_directories",
        "if",
        "target_link_options",
        "add_test",
    ]
    assert commands[1].args == (
        "lib",
        "PUBLIC",
        "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>",
        "$<$<CONFIG:Debug>:-g>",
    )
    assert commands[1].line == 2 and commands[4].line == 7
    assert "OR" in commands[2].args and "EMSCRIPTEN" in commands[2].args
    assert commands[3].args == ("k", "PRIVATE", 'SHELL:--pre-js "${file}"', '-DX="a b"')
    assert commands[4].args == ("NAME", "t", "COMMAND", "python -m pytest")


@pytest.mark.parametrize(
    "text",
    [
        "project(x",
        'set(A "unterminated',
        "set(A [[never closed",
        "))))((((",
        "\x00\x01 set(",
        "#[[ open comment",
    ],
)
def test_cmake_parser_never_raises(text):
    commands, problems = parse_cmake(text, "bad.cmake")
    assert isinstance(commands, list) and isinstance(problems, list)


def test_unterminated_command_is_a_problem():
    _, problems = parse_cmake("project(x\nset(A 1)\n", "CMakeLists.txt")
    assert problems and "never closed" in problems[0]


def test_variables_resolve_through_simple_sets():
    commands, _ = parse_cmake(
        'set(MAJOR 6)\nset(VERSION "${MAJOR}.0")\nset(SELF ${SELF}x)\nset(CACHED 4 CACHE STRING "")\n'
        "set(TWO a)\nset(TWO b)\n"
    )
    variables = collect_variables(commands)
    assert expand_variables("${VERSION}", variables) == ["6.0"]
    assert expand_variables("${CACHED}", variables) == ["4"]
    assert expand_variables("${UNKNOWN}/x", variables) == ["${UNKNOWN}/x"]
    assert expand_variables("${TWO}", variables) == ["a", "b"]
    assert expand_variables("${SELF}", variables)  # self reference: stops, never loops


def test_source_tree_paths():
    assert is_source_tree_path("${CMAKE_CURRENT_SOURCE_DIR}/share/kernel.json")
    assert is_source_tree_path("${xeus-demo_SOURCE_DIR}/x")
    assert not is_source_tree_path("${CMAKE_BINARY_DIR}/share/kernel.json")


def test_js_comments_are_stripped_but_not_strings():
    code = strip_js_comments(
        'const url = "http://example.org"; // trailing\n/* block\n Module.x = 1 */ let t = `a // b`;\n'
        "let s = 'it''s'; // Module.initialize_xkernel = 1\n"
    )
    assert "http://example.org" in code and "`a // b`" in code
    assert "trailing" not in code and "Module.x" not in code and "initialize_xkernel" not in code
    assert strip_js_comments("/* never closed") == " "


def test_cpp_comments_are_stripped_but_not_raw_strings():
    code = strip_cpp_comments(
        '// export_kernel<a>("x")\nauto s = R"(// kept)"; char q = \'"\'; /* gone */ int x;'
    )
    assert "export_kernel" not in code and "// kept" in code and "gone" not in code and "int x;" in code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '{"argv": ["@PREFIX@/bin/x", "-f", "{connection_file}"]}',
            {"argv": ["XK_PLACEHOLDER/bin/x", "-f", "{connection_file}"]},
        ),
        ('{"debugger": @DEBUGGER@}', {"debugger": "XK_PLACEHOLDER"}),
        ('{"argv": ["x", "-std=c17"@EXTRA@]}', {"argv": ["x", "-std=c17"]}),
        ('{"argv": ["${CMAKE_INSTALL_PREFIX}/bin/x"]}', {"argv": ["XK_PLACEHOLDER/bin/x"]}),
        ('{"display_name": "a@b.org"}', {"display_name": "a@b.org"}),
    ],
)
def test_json_templates(text, expected):
    data, _ = load_json_template(text)
    assert data == expected


def test_json_template_errors_say_where():
    with pytest.raises(ValueError, match=r"line 2"):
        load_json_template('{\n  "a": ,\n}')


@pytest.mark.parametrize(
    ("line", "name", "version"),
    [
        ("xeus >=6,<7", "xeus", ">=6,<7"),
        ("xeus>=6, <7", "xeus", ">=6,<7"),
        ("conda-forge::xeus-zmq >=4,<5", "xeus-zmq", ">=4,<5"),
        ("xeus=6.0.5=h1234_0", "xeus", "=6.0.5"),
        ("xeus 6.0.5 h1234_0", "xeus", "6.0.5"),
        ("xeus[version='>=6,<7']", "xeus", ">=6,<7"),
        ("emscripten_emscripten-wasm32 ==4.0.9", "emscripten_emscripten-wasm32", "==4.0.9"),
        ("xeus", "xeus", ""),
    ],
)
def test_match_specs(line, name, version):
    spec = parse_match_spec(line)
    assert (spec.name, spec.version) == (name, version)


@pytest.mark.parametrize(
    ("spec", "major", "pinned"),
    [
        (">=6,<7", 6, True),
        (">=6.0.2,<7", 6, True),
        ("6.*", 6, True),
        ("=6", 6, True),
        ("==6.0.5", 6, True),
        ("6.0.5", 6, True),
        ("~=6.0", 6, True),
        (">=6", 6, False),
        (">=5,<7", 6, False),
        (">=6.0,<=7", 6, False),
        ("<7", 6, False),
        ("", 6, False),
        ("5.*|6.*", 6, False),
        ("==4.0.9", 4, True),
        ("garbage!!", 6, False),
    ],
)
def test_pins_major(spec, major, pinned):
    assert pins_major(spec, major) is pinned


def test_spec_admits():
    assert spec_admits("==4.0.9", "4.0.9") and not spec_admits("==4.0.9", "4.0.10")
    assert spec_admits(">=4,<5", "4.0.9") and spec_admits("4.0.*", "4.0.9")
    assert spec_admits("what?", "1.0") is None


@pytest.mark.parametrize(
    ("text", "major"),
    [
        ("6", 6),
        ("6.0.2", 6),
        ("6...<7", 6),
        ("6.0...<7.0", 6),
        ("${V}", None),
        ("", None),
        ("REQUIRED", None),
    ],
)
def test_version_major(text, major):
    assert version_major(text) == major
