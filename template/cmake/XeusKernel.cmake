# Managed by xeus-kernel-template: `copier update` merges the template's changes into this file;
# your edits to the same lines become conflicts.
# It holds the build conventions shared by xeus kernels (native with xeus-zmq, WebAssembly
# with xeus-lite), so that CMakeLists.txt only names the kernel, its sources and its own
# dependencies. Put your changes in CMakeLists.txt (yours), never here.
#
#   xeus_kernel_add(<kernel_name>
#     LIBRARY <target>              # the interpreter library (the project name)
#     SOURCES <file>...             # interpreter sources
#     [SHARED]                      # native: a shared library, installed with its headers
#                                   # and the CMake package <target>Config.cmake, for
#                                   # extensions to link against (wasm: always static)
#     [RUNTIME_FILES <dir>]         # folder shipped to the kernel's file system
#     [SIDE_MODULES <path>...]      # wasm side modules to ship, relative to the host
#                                   # prefix (lib/libfoo.so): metadata.shared
#     [WASM_LOADS_SIDE_MODULES]     # wasm: the kernel loads other side modules at run time
#                                   # (packages' shared libraries, dlopen): keep all of
#                                   # libc/libc++ for them (implied by SIDE_MODULES)
#     [KERNELSPEC_METADATA <json>]  # a JSON object merged into kernel.json's metadata
#     [KERNELSPEC_ENV <NAME=value>...])  # environment of the native kernel (kernel.json env)
#
# and, for more kernelspecs of the same executable, xeus_kernel_add_spec() (below).
#
# Creates the library, the kernel executable (native: <kernel_name>, from src/main.cpp and
# your start-up hooks in src/native_startup.cpp; wasm: <kernel_name>.js/.wasm[/.data]; both
# make the interpreter with your src/interpreter_factory.cpp), the
# kernelspec in the build tree and the install rules. Defines <KERNEL>_KERNEL_VERSION (the
# project version) and, with runtime files, <KERNEL>_KERNEL_RUNTIME_DIR for the sources.

include_guard(GLOBAL)
cmake_minimum_required(VERSION 3.25)
# The functions below keep the policies set here: empty keyword values stay empty strings.
if(POLICY CMP0174)
    cmake_policy(SET CMP0174 NEW)
endif()

# Inside a conda environment, install where Jupyter looks for kernels by default. Outside
# one, CMake's default is the system's prefix (/usr/local): say so, and have `cmake --install`
# refuse it unless a prefix is chosen (--prefix, or CMAKE_INSTALL_PREFIX when configuring).
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT AND NOT EMSCRIPTEN)
    if(DEFINED ENV{CONDA_PREFIX})
        set(CMAKE_INSTALL_PREFIX "$ENV{CONDA_PREFIX}" CACHE PATH "Install prefix" FORCE)
    else()
        set(XEUS_KERNEL_UNCHOSEN_PREFIX "${CMAKE_INSTALL_PREFIX}" CACHE INTERNAL "CMake's default install prefix, not chosen")
        message(STATUS "No conda environment (CONDA_PREFIX unset): cmake --install needs --prefix")
    endif()
endif()
if(XEUS_KERNEL_UNCHOSEN_PREFIX)
    install(CODE "if(CMAKE_INSTALL_PREFIX STREQUAL \"${XEUS_KERNEL_UNCHOSEN_PREFIX}\")
    message(FATAL_ERROR \"No conda environment was active when this build folder was configured, so \"
        \"cmake --install would write into \${CMAKE_INSTALL_PREFIX}. Choose where: \"
        \"cmake --install <build folder> --prefix <dir>, or activate the environment of \"
        \"environment-dev.yml and configure a new build folder.\")
endif()")
endif()
include(GNUInstallDirs)

# The xeus majors of the stack (XEUS_KERNEL_XEUS_VERSION, ..._XEUS_ZMQ_VERSION, ..._XEUS_LITE_VERSION).
include("${CMAKE_CURRENT_LIST_DIR}/XeusKernelStack.cmake")

# At directory scope: inside a function it would not register the tests.
enable_testing()

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
    set(CMAKE_BUILD_TYPE Release CACHE STRING "Build type" FORCE)
endif()

include("${CMAKE_CURRENT_LIST_DIR}/XeusKernelSpec.cmake")

# The build tree ignores itself, wherever it is (the presets' build/, or a folder of yours):
# the author's .gitignore need not know where builds go.
if(NOT CMAKE_BINARY_DIR STREQUAL CMAKE_SOURCE_DIR AND NOT EXISTS "${CMAKE_BINARY_DIR}/.gitignore")
    file(WRITE "${CMAKE_BINARY_DIR}/.gitignore" "# Written by cmake/XeusKernel.cmake: a build tree.\n*\n")
endif()

# The kernelspec <spec> of <kernel> in the build tree <tree>, with the arguments after ARGN.
function(_xeus_kernel_build_tree_spec spec_name kernel spec_source tree runtime_dir)
    set(spec_dir "${tree}/share/jupyter/kernels/${spec_name}")
    set(arguments SOURCE "${spec_source}" OUTPUT "${spec_dir}"
        EXECUTABLE "${tree}/bin/${kernel}${CMAKE_EXECUTABLE_SUFFIX}" ARGS ${ARGN})
    if(runtime_dir)
        string(TOUPPER "${kernel}_RUNTIME_DIR" runtime_variable)
        list(APPEND arguments RUNTIME_VARIABLE ${runtime_variable} RUNTIME_DIR "${runtime_dir}")
    endif()
    xeus_kernel_write_spec(${arguments})
    _xeus_kernel_logos(logos ${spec_name} ${kernel})
    file(COPY ${logos} DESTINATION "${spec_dir}")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${logos})
endfunction()

# The logos of kernelspec <spec>: its own folder's, else its kernel's.
function(_xeus_kernel_logos out spec_name kernel)
    file(GLOB logos "${PROJECT_SOURCE_DIR}/share/jupyter/kernels/${spec_name}/logo-*")
    if(NOT logos)
        file(GLOB logos "${PROJECT_SOURCE_DIR}/share/jupyter/kernels/${kernel}/logo-*")
    endif()
    set(${out} ${logos} PARENT_SCOPE)
endfunction()

# Install the kernelspec, writing kernel.json at install time for the actual prefix.
# Install rules of kernelspec <spec> of <kernel>, with the arguments after ARGN.
function(_xeus_kernel_install_spec spec_name kernel spec_source runtime_files side_modules)
    set(destination "${CMAKE_INSTALL_DATADIR}/jupyter/kernels/${spec_name}")
    _xeus_kernel_logos(logos ${spec_name} ${kernel})
    install(FILES ${logos} DESTINATION "${destination}")
    # argv[0] = PREFIX/bin/<kernel>: jupyterlite-xeus and metadata.wasm_name loaders find it.
    set(prefix "\${CMAKE_INSTALL_PREFIX}")
    set(executable "${prefix}/${CMAKE_INSTALL_BINDIR}/${kernel}")
    if(NOT EMSCRIPTEN)  # for wasm, argv[0] names <kernel>.js and <kernel>.wasm without suffix
        string(APPEND executable "${CMAKE_EXECUTABLE_SUFFIX}")
    endif()
    set(arguments SOURCE "${spec_source}"
        OUTPUT "\$ENV{DESTDIR}${prefix}/${destination}" EXECUTABLE "${executable}" ARGS ${ARGN})
    if(runtime_files AND NOT EMSCRIPTEN)
        string(TOUPPER "${kernel}_RUNTIME_DIR" runtime_variable)
        list(APPEND arguments RUNTIME_VARIABLE ${runtime_variable}
            RUNTIME_DIR "${prefix}/${CMAKE_INSTALL_DATADIR}/${kernel}")
    endif()
    if(EMSCRIPTEN)
        list(APPEND arguments WASM SIDE_MODULES ${side_modules})
    endif()
    list(JOIN arguments "\" \"" arguments)
    install(CODE "include(\"${CMAKE_CURRENT_FUNCTION_LIST_DIR}/XeusKernelSpec.cmake\")
xeus_kernel_write_spec(\"${arguments}\")")
endfunction()

# Native SHARED libraries: install the library, its headers and a CMake package, so that
# extensions can `find_package(<library>)` and link `<library>::<library>`.
function(_xeus_kernel_install_library library)
    install(TARGETS ${library} EXPORT ${library}-targets
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
    install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
    set(package_dir "${CMAKE_INSTALL_LIBDIR}/cmake/${library}")
    install(EXPORT ${library}-targets NAMESPACE ${library}:: DESTINATION "${package_dir}")
    include(CMakePackageConfigHelpers)
    set(config_in "${CMAKE_CURRENT_BINARY_DIR}/xeus-kernel/${library}Config.cmake.in")
    file(CONFIGURE OUTPUT "${config_in}" @ONLY CONTENT [=[
@PACKAGE_INIT@
include(CMakeFindDependencyMacro)
find_dependency(xeus @XEUS_KERNEL_XEUS_VERSION@)
include("${CMAKE_CURRENT_LIST_DIR}/@library@-targets.cmake")
check_required_components(@library@)
]=])
    configure_package_config_file("${config_in}" "${CMAKE_CURRENT_BINARY_DIR}/${library}Config.cmake"
        INSTALL_DESTINATION "${package_dir}")
    write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/${library}ConfigVersion.cmake"
        VERSION "${PROJECT_VERSION}" COMPATIBILITY SameMajorVersion)
    install(FILES "${CMAKE_CURRENT_BINARY_DIR}/${library}Config.cmake"
        "${CMAKE_CURRENT_BINARY_DIR}/${library}ConfigVersion.cmake" DESTINATION "${package_dir}")
endfunction()

# An author-owned source both entry points need, in <variable>: a clear error when it is
# gone (the template writes it once and never again).
function(_xeus_kernel_author_file variable path what)
    set(author_file "${PROJECT_SOURCE_DIR}/${path}")
    if(NOT EXISTS "${author_file}")
        message(FATAL_ERROR "${path} is missing: it holds ${what}. "
            "Restore it from the template's starter version (git history or a fresh render).")
    endif()
    set(${variable} "${author_file}" PARENT_SCOPE)
endfunction()

function(xeus_kernel_add kernel)
    cmake_parse_arguments(PARSE_ARGV 1 arg "SHARED;WASM_LOADS_SIDE_MODULES"
        "LIBRARY;RUNTIME_FILES;KERNELSPEC_METADATA" "SOURCES;SIDE_MODULES;KERNELSPEC_ENV")
    if(NOT arg_LIBRARY OR NOT arg_SOURCES)
        message(FATAL_ERROR "xeus_kernel_add(${kernel}) needs LIBRARY <target> and SOURCES <files>")
    endif()
    if(arg_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "xeus_kernel_add(${kernel}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
    endif()
    set(library "${arg_LIBRARY}")
    string(TOUPPER "${kernel}" macro_prefix)  # kernel names are lowercase C identifiers
    if(arg_RUNTIME_FILES)
        cmake_path(ABSOLUTE_PATH arg_RUNTIME_FILES BASE_DIRECTORY "${PROJECT_SOURCE_DIR}" OUTPUT_VARIABLE runtime_source)
        if(EMSCRIPTEN)
            set(runtime_dir "/share/${kernel}")
        else()
            set(runtime_dir "${CMAKE_INSTALL_FULL_DATADIR}/${kernel}")
        endif()
    endif()

    # The interpreter library: static, so that the kernel is one self-contained binary,
    # unless the kernel exports it (SHARED, native only).
    if(arg_SHARED AND NOT EMSCRIPTEN)
        add_library(${library} SHARED ${arg_SOURCES})
        set_target_properties(${library} PROPERTIES
            VERSION "${PROJECT_VERSION}" SOVERSION "${PROJECT_VERSION_MAJOR}"
            WINDOWS_EXPORT_ALL_SYMBOLS ON)
    else()
        add_library(${library} STATIC ${arg_SOURCES})
    endif()
    add_library(${library}::${library} ALIAS ${library})
    target_include_directories(${library} PUBLIC
        "$<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>"
        "$<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>")
    target_compile_features(${library} PUBLIC cxx_std_17)
    target_compile_definitions(${library} PUBLIC "${macro_prefix}_KERNEL_VERSION=\"${PROJECT_VERSION}\"")
    if(arg_RUNTIME_FILES)
        target_compile_definitions(${library} PUBLIC "${macro_prefix}_KERNEL_RUNTIME_DIR=\"${runtime_dir}\"")
    endif()

    # kernel.json.in with your KERNELSPEC_METADATA and KERNELSPEC_ENV, from which the build
    # tree's and the installed kernel.json are written.
    set(spec_source "${PROJECT_SOURCE_DIR}/share/jupyter/kernels/${kernel}/kernel.json.in")
    set(spec_merged "${CMAKE_CURRENT_BINARY_DIR}/xeus-kernel/${kernel}/kernel.json.in")
    set(spec_env "")
    if(NOT EMSCRIPTEN)  # the wasm kernel has no process environment to set
        set(spec_env ${arg_KERNELSPEC_ENV})
    endif()
    xeus_kernel_merge_spec(SOURCE "${spec_source}" OUTPUT "${spec_merged}"
        METADATA "${arg_KERNELSPEC_METADATA}" ENV ${spec_env})
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${spec_source}")

    _xeus_kernel_author_file(factory src/interpreter_factory.cpp "make_interpreter() (interpreter_factory.hpp)")
    if(EMSCRIPTEN)
        find_package(xeus-lite ${XEUS_KERNEL_XEUS_LITE_VERSION} REQUIRED)
        include(WasmBuildOptions)  # xeus's wasm flags: MAIN_MODULE, exceptions, embind
        target_link_libraries(${library} PUBLIC xeus-lite)
        xeus_wasm_compile_options(${library})

        add_executable(${kernel} "${PROJECT_SOURCE_DIR}/src/main_emscripten_kernel.cpp" "${factory}")
        target_link_libraries(${kernel} PRIVATE ${library})
        xeus_wasm_compile_options(${kernel})
        # node as well: the kernel's node test loads the very module the browser gets.
        xeus_wasm_link_options(${kernel} "web,worker,node")
        # xeus's flags make the kernel a main module that keeps all of libc, libc++ and
        # emscripten's JS library for side modules loaded at run time (MAIN_MODULE=1). A
        # kernel that loads none but libxeus.so (on the link line, so its needs are kept)
        # keeps only what it uses (MAIN_MODULE=2): a third of the .wasm and .js. SIDE_MODULES,
        # or WASM_LOADS_SIDE_MODULES (packages' shared libraries, dlopen), keep them all.
        if(NOT arg_SIDE_MODULES AND NOT arg_WASM_LOADS_SIDE_MODULES)
            target_link_options(${kernel} PRIVATE "SHELL:-sMAIN_MODULE=2")
        endif()
        set(pre_js "${PROJECT_SOURCE_DIR}/wasm/initialize_xkernel.js" "${PROJECT_SOURCE_DIR}/wasm/pre.js")
        foreach(file IN LISTS pre_js)
            target_link_options(${kernel} PRIVATE "SHELL:--pre-js \"${file}\"")
        endforeach()
        if(arg_RUNTIME_FILES)
            target_link_options(${kernel} PRIVATE "SHELL:--preload-file \"${runtime_source}@${runtime_dir}\"")
            file(GLOB_RECURSE runtime_files CONFIGURE_DEPENDS "${runtime_source}/*")
            list(APPEND pre_js ${runtime_files})
        endif()
        set_target_properties(${kernel} PROPERTIES LINK_DEPENDS "${pre_js}")
        set(outputs "$<TARGET_FILE_DIR:${kernel}>/${kernel}.js" "$<TARGET_FILE_DIR:${kernel}>/${kernel}.wasm")
        if(arg_RUNTIME_FILES)
            list(APPEND outputs "$<TARGET_FILE_DIR:${kernel}>/${kernel}.data")
        endif()
        install(FILES ${outputs} DESTINATION "${CMAKE_INSTALL_BINDIR}")
        _xeus_kernel_add_lite(${kernel})
        _xeus_kernel_add_wasm_tests(${kernel})
    else()
        if(NOT EXISTS "${PROJECT_SOURCE_DIR}/src/main.cpp")
            message(FATAL_ERROR "${kernel} runs in the browser only (the answer with_native is false): "
                "build it with the wasm preset")
        endif()
        find_package(xeus ${XEUS_KERNEL_XEUS_VERSION} REQUIRED)
        find_package(xeus-zmq ${XEUS_KERNEL_XEUS_ZMQ_VERSION} REQUIRED)
        target_link_libraries(${library} PUBLIC xeus)

        _xeus_kernel_author_file(startup src/native_startup.cpp "your native start-up hooks (native_startup.hpp)")
        add_executable(${kernel} "${PROJECT_SOURCE_DIR}/src/main.cpp" "${startup}" "${factory}")
        target_link_libraries(${kernel} PRIVATE ${library} xeus-zmq)
        install(TARGETS ${kernel} RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
        if(arg_RUNTIME_FILES)
            install(DIRECTORY "${runtime_source}/" DESTINATION "${CMAKE_INSTALL_DATADIR}/${kernel}")
        endif()
        if(arg_SHARED)
            if(APPLE)
                set_target_properties(${kernel} PROPERTIES INSTALL_RPATH "@loader_path/../${CMAKE_INSTALL_LIBDIR}")
            elseif(UNIX)
                set_target_properties(${kernel} PROPERTIES INSTALL_RPATH "$ORIGIN/../${CMAKE_INSTALL_LIBDIR}")
            endif()
            _xeus_kernel_install_library(${library})
        endif()
    endif()

    _xeus_kernel_install_spec(${kernel} ${kernel} "${spec_merged}" "${arg_RUNTIME_FILES}" "${arg_SIDE_MODULES}")
    # What xeus_kernel_add_spec() needs to write more kernelspecs of this kernel.
    set_target_properties(${kernel} PROPERTIES XEUS_KERNEL_SPEC_SOURCE "${spec_source}"
        XEUS_KERNEL_RUNTIME_FILES "${arg_RUNTIME_FILES}" XEUS_KERNEL_RUNTIME_DIR "${runtime_source}"
        XEUS_KERNEL_SIDE_MODULES "${arg_SIDE_MODULES}")

    # Kernelspec for the kernel in the build tree: JUPYTER_PATH=<build>/share/jupyter finds
    # it, which is what the tests use. The executable goes to <build>/bin, as once installed.
    if(NOT EMSCRIPTEN)
        get_property(multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
        if(multi_config)
            foreach(config IN LISTS CMAKE_CONFIGURATION_TYPES)
                string(TOUPPER "${config}" upper)
                # The library too: a shared one (a DLL on Windows) must sit next to the executable.
                set_target_properties(${kernel} ${library} PROPERTIES
                    RUNTIME_OUTPUT_DIRECTORY_${upper} "${CMAKE_BINARY_DIR}/${config}/bin")
                _xeus_kernel_build_tree_spec(${kernel} ${kernel} "${spec_merged}" "${CMAKE_BINARY_DIR}/${config}"
                    "${runtime_source}")
            endforeach()
        else()
            set_target_properties(${kernel} ${library} PROPERTIES RUNTIME_OUTPUT_DIRECTORY "${CMAKE_BINARY_DIR}/bin")
            _xeus_kernel_build_tree_spec(${kernel} ${kernel} "${spec_merged}" "${CMAKE_BINARY_DIR}" "${runtime_source}")
        endif()
        _xeus_kernel_add_tests(${kernel} "${multi_config}")
    endif()
endfunction()

#   xeus_kernel_add_spec(<spec_name> KERNEL <kernel_name> DISPLAY_NAME <name>
#     [LANGUAGE <language>]          # default: the kernel's
#     [ARGS <argument>...]           # after argv[0]: what makes this kernelspec differ
#     [KERNELSPEC_METADATA <json>] [KERNELSPEC_ENV <NAME=value>...])
# Another kernelspec of the same kernel executable (a language standard, a mode): its own
# folder share/jupyter/kernels/<spec_name>/ (logos there, or the kernel's), in the build tree
# and installed, natively and in wasm (argv[0] names the same module).
function(xeus_kernel_add_spec spec_name)
    cmake_parse_arguments(PARSE_ARGV 1 arg "" "KERNEL;DISPLAY_NAME;LANGUAGE;KERNELSPEC_METADATA"
        "ARGS;KERNELSPEC_ENV")
    if(NOT arg_KERNEL OR NOT TARGET ${arg_KERNEL} OR "${arg_DISPLAY_NAME}" STREQUAL "")
        message(FATAL_ERROR "xeus_kernel_add_spec(${spec_name}) needs KERNEL <a kernel of xeus_kernel_add()> "
            "and DISPLAY_NAME <name>")
    endif()
    if(arg_UNPARSED_ARGUMENTS)
        message(FATAL_ERROR "xeus_kernel_add_spec(${spec_name}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
    endif()
    set(kernel ${arg_KERNEL})
    get_target_property(spec_source ${kernel} XEUS_KERNEL_SPEC_SOURCE)
    get_target_property(runtime_files ${kernel} XEUS_KERNEL_RUNTIME_FILES)
    get_target_property(runtime_source ${kernel} XEUS_KERNEL_RUNTIME_DIR)
    get_target_property(side_modules ${kernel} XEUS_KERNEL_SIDE_MODULES)
    set(spec_merged "${CMAKE_CURRENT_BINARY_DIR}/xeus-kernel/${spec_name}/kernel.json.in")
    set(spec_env "")
    if(NOT EMSCRIPTEN)
        set(spec_env ${arg_KERNELSPEC_ENV})
    endif()
    xeus_kernel_merge_spec(SOURCE "${spec_source}" OUTPUT "${spec_merged}" METADATA "${arg_KERNELSPEC_METADATA}"
        DISPLAY_NAME "${arg_DISPLAY_NAME}" LANGUAGE "${arg_LANGUAGE}" ENV ${spec_env})
    _xeus_kernel_install_spec(${spec_name} ${kernel} "${spec_merged}" "${runtime_files}" "${side_modules}" ${arg_ARGS})
    if(NOT EMSCRIPTEN)
        if(NOT runtime_files)
            set(runtime_source "")
        endif()
        get_property(multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
        if(multi_config)
            foreach(config IN LISTS CMAKE_CONFIGURATION_TYPES)
                _xeus_kernel_build_tree_spec(${spec_name} ${kernel} "${spec_merged}" "${CMAKE_BINARY_DIR}/${config}"
                    "${runtime_source}" ${arg_ARGS})
            endforeach()
        else()
            _xeus_kernel_build_tree_spec(${spec_name} ${kernel} "${spec_merged}" "${CMAKE_BINARY_DIR}" "${runtime_source}"
                ${arg_ARGS})
        endif()
    endif()
endfunction()

# The kernel's protocol tests (test/*.py, jupyter_kernel_test) run by ctest against the
# build-tree kernelspec, with the Python that has jupyter_kernel_test (environment-dev.yml).
function(_xeus_kernel_add_tests kernel multi_config)
    # -DBUILD_TESTING=OFF (CTest's switch), as the package recipes build: no tests, no Python.
    if(NOT EXISTS "${PROJECT_SOURCE_DIR}/test" OR (DEFINED BUILD_TESTING AND NOT BUILD_TESTING))
        return()
    endif()
    find_package(Python 3.9 COMPONENTS Interpreter)
    if(NOT Python_FOUND)
        message(WARNING "No Python found: the kernel's protocol tests are not registered. "
                        "Create the development environment from environment-dev.yml.")
        return()
    endif()
    if(multi_config)
        set(tree "${CMAKE_BINARY_DIR}/$<CONFIG>")
    else()
        set(tree "${CMAKE_BINARY_DIR}")
    endif()
    add_test(NAME ${kernel}_protocol
        COMMAND "${CMAKE_COMMAND}" -E env "JUPYTER_PATH=${tree}/share/jupyter"
                "${Python_EXECUTABLE}" -m pytest -p no:cacheprovider -v "${PROJECT_SOURCE_DIR}/test"
                --ignore "${PROJECT_SOURCE_DIR}/test/wasm"
        WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
    set_tests_properties(${kernel}_protocol PROPERTIES TIMEOUT 300)
endfunction()

# The `lite` target installs the kernel into the wasm host prefix and packs a JupyterLite
# site from that prefix into <build>/lite with jupyterlite-xeus: offline, no solve. Its
# settings are in lite/jupyter_lite_config.json and lite/jupyter-lite.json, its contents in
# notebooks/; `jupyter` comes from the build environment (environment-wasm-build.yml).
function(_xeus_kernel_add_lite kernel)
    find_program(XEUS_KERNEL_JUPYTER jupyter NO_CMAKE_FIND_ROOT_PATH)
    set(site "${CMAKE_BINARY_DIR}/lite")
    if(XEUS_KERNEL_JUPYTER)
        set(pack "${XEUS_KERNEL_JUPYTER}" lite build --output-dir "${site}"
            "--XeusAddon.prefix=${CMAKE_INSTALL_PREFIX}")
        # The example notebooks (notebooks/, yours) are the site's contents, when there are any.
        if(IS_DIRECTORY "${PROJECT_SOURCE_DIR}/notebooks")
            list(APPEND pack --contents "${PROJECT_SOURCE_DIR}/notebooks")
            set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/notebooks")
        endif()
    else()
        set(pack "${CMAKE_COMMAND}" -E echo
            "jupyter not found: activate the environment of environment-wasm-build.yml, then configure again"
            COMMAND "${CMAKE_COMMAND}" -E false)
    endif()
    add_custom_target(lite
        COMMAND "${CMAKE_COMMAND}" --install "${CMAKE_BINARY_DIR}"
        COMMAND ${pack}
        WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}/lite"
        DEPENDS ${kernel}
        COMMENT "Packing the JupyterLite site into ${site}"
        VERBATIM)
endfunction()

# The wasm tests (test/wasm): node drives the installed module through the xeus-lite server
# (*.test.mjs, and the smoke cells of test/smoke_cells.toml); the protocol tests of the native build (test/*.py, jupyter_kernel_test) run
# unchanged against the installed module, started by xeus-kernel-ci's bridge from a
# kernelspec written into <build>/bridge; Playwright opens the packed site in Chromium
# (pytest). The bridge and the harness of the node tests are xeus-kernel-ci's
# (environment-wasm-build.yml). Run after `lite`.
function(_xeus_kernel_add_wasm_tests kernel)
    set(tests "${PROJECT_SOURCE_DIR}/test/wasm")
    if(NOT EXISTS "${tests}" OR (DEFINED BUILD_TESTING AND NOT BUILD_TESTING))
        return()
    endif()
    find_program(XEUS_KERNEL_NODE node NO_CMAKE_FIND_ROOT_PATH)
    find_program(XEUS_KERNEL_PYTHON NAMES python3 python NO_CMAKE_FIND_ROOT_PATH)
    set(bridge_command "${XEUS_KERNEL_PYTHON}" -m xeus_kernel_ci.kernel_bridge)
    set(kernel_js "${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/${kernel}.js")
    file(GLOB node_tests CONFIGURE_DEPENDS "${tests}/*.test.mjs")
    # The smoke cells (test/smoke_cells.toml, yours) run in node too, for any language.
    set(smoke "${PROJECT_SOURCE_DIR}/test/smoke_cells.toml")
    set(smoke_cells)
    if(EXISTS "${smoke}")
        set(smoke_cells --smoke-cells "${smoke}")
    endif()
    if(XEUS_KERNEL_NODE AND XEUS_KERNEL_PYTHON AND (node_tests OR smoke_cells))
        add_test(NAME ${kernel}_node
            COMMAND ${bridge_command} node-test --node "${XEUS_KERNEL_NODE}" --kernel-js "${kernel_js}"
                    ${smoke_cells} ${node_tests}
            WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
    endif()
    if(XEUS_KERNEL_NODE AND XEUS_KERNEL_PYTHON)
        set(bridge "${CMAKE_BINARY_DIR}/bridge/share/jupyter")
        add_test(NAME ${kernel}_bridge_kernelspec
            COMMAND ${bridge_command} kernelspec
                    --from "${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/jupyter/kernels/${kernel}"
                    --to "${bridge}/kernels/${kernel}" --node "${XEUS_KERNEL_NODE}")
        set_tests_properties(${kernel}_bridge_kernelspec PROPERTIES FIXTURES_SETUP ${kernel}_bridge)
        add_test(NAME ${kernel}_protocol
            COMMAND "${CMAKE_COMMAND}" -E env "JUPYTER_PATH=${bridge}"
                    "${XEUS_KERNEL_PYTHON}" -m pytest -p no:cacheprovider -v "${PROJECT_SOURCE_DIR}/test"
                    --ignore "${tests}"
            WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
        set_tests_properties(${kernel}_protocol PROPERTIES FIXTURES_REQUIRED ${kernel}_bridge)
    endif()
    file(GLOB browser_tests CONFIGURE_DEPENDS "${tests}/test_*.py")
    if(XEUS_KERNEL_PYTHON AND browser_tests)
        add_test(NAME ${kernel}_browser
            COMMAND "${CMAKE_COMMAND}" -E env "LITE_SITE=${CMAKE_BINARY_DIR}/lite"
                    "${XEUS_KERNEL_PYTHON}" -m pytest -p no:cacheprovider -v "${tests}"
            WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
    endif()
    foreach(test IN ITEMS ${kernel}_node ${kernel}_protocol ${kernel}_browser)
        if(TEST ${test})
            set_tests_properties(${test} PROPERTIES TIMEOUT 300)
        endif()
    endforeach()
endfunction()
