"""The stack the conventions pin, as data, in one place, with where each fact was read.

The checks compare a kernel against these; :mod:`.fixtures` prefers what an installed
xeus says (``WasmBuildOptions.cmake`` in a prefix) over :data:`XEUS_WASM_RUNTIME_METHODS`.
"""

from __future__ import annotations

from packaging.specifiers import SpecifierSet

from ..stack import line

_LINE = line()
#: package -> major of the conventions' stack
STACK = {name: _LINE[name] for name in ("xeus", "xeus-zmq", "xeus-lite")}
RANGES = {name: f">={major},<{major + 1}" for name, major in STACK.items()}
EMSCRIPTEN = str(_LINE["emscripten"])
EMSCRIPTEN_MAJOR = int(EMSCRIPTEN.split(".")[0])
EMSCRIPTEN_PACKAGES = ("emscripten_emscripten-wasm32", "emscripten", "emsdk")
#: the emscripten-forge channel of the line in use, and its name (the URL's last part)
CHANNEL_URL = _LINE["channel"].rstrip("/")
CHANNEL = CHANNEL_URL.rsplit("/", 1)[1]
JUPYTERLITE_XEUS = _LINE["jupyterlite-xeus"]
JUPYTERLITE_XEUS_MAJOR = min(int(s.version.split(".")[0]) for s in SpecifierSet(_LINE["jupyterlite-xeus"]) if s.operator == ">=")

#: The runtime methods xeus's ``xeus_wasm_link_options()`` exports on ``Module``
#: (``-s EXPORTED_RUNTIME_METHODS=[...]``), for the xeus the conventions pin, by emscripten
#: line. Read from xeus 6.0.5 (tag 6.0.5, commit 69d6d13), ``cmake/WasmBuildOptions.cmake``;
#: unchanged since xeus 5.2.8.
XEUS_WASM_RUNTIME_METHODS = {
    "source": "xeus 6.0.5 cmake/WasmBuildOptions.cmake (the version the conventions pin)",
    "emscripten>=4": ("FS", "ENV", "PATH", "ERRNO_CODES", "getExceptionMessage", "getCppExceptionTag"),
    "emscripten<4": ("FS", "ENV", "PATH", "LDSO", "loadDynamicLibrary", "ERRNO_CODES"),
}

#: emscripten-forge channels and the emscripten line their packages are built with
#: (the ``emscripten-abi`` they depend on). ``emscripten-forge``: the first channel
#: (3.1.45); ``emscripten-forge-dev``: 3.1.73 (January 2025); ``emscripten-forge-4x``:
#: 4.0.x; ``emscripten-forge-6x``: 6.0.x (late 2026). Kernels build with the line's
#: :data:`EMSCRIPTEN` (stack.yml).
EMSCRIPTEN_CHANNELS = {
    "emscripten-forge": (3, 1),
    "emscripten-forge-dev": (3, 1),
    "emscripten-forge-4x": (4, 0),
    "emscripten-forge-6x": (6, 0),
}

#: xeus-lite majors and the emscripten majors they are built for on emscripten-forge:
#: xeus-lite 5 (xeus 6, March 2026) exists for emscripten >= 4 only; xeus-lite 3 and
#: earlier predate emscripten 4 (whose kernels must take argv, xeus-lite >= 3.2).
XEUS_LITE_EMSCRIPTEN = {5: {4, 6}, 4: {3, 4}, 3: {3}, 2: {3}, 1: {3}}

#: xeus-lite majors that link the shared wasm xeus (``libxeus.so``, a side module) by
#: default: ``XEUS_LITE_USE_SHARED_XEUS=ON`` since xeus-lite 4.0.0 (June 2025).
XEUS_LITE_SHARED_XEUS_FROM = 4
