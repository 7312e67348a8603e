# Managed by xeus-kernel-template: `copier update` rewrites this file.
# Writes a kernel.json from share/jupyter/kernels/<kernel>/kernel.json.in. Used by
# XeusKernel.cmake at configure time (build-tree kernelspec) and at install time, so that
# `cmake --install --prefix <elsewhere>` gets the right absolute argv[0]. The JSON is edited
# with string(JSON), never by text substitution: nothing in the display name is interpreted.
include_guard(GLOBAL)

# Quote VALUE as a JSON string.
function(_xeus_kernel_json_string out value)
    string(REPLACE "\\" "\\\\" value "${value}")
    string(REPLACE "\"" "\\\"" value "${value}")
    set(${out} "\"${value}\"" PARENT_SCOPE)
endfunction()

#   xeus_kernel_write_spec(SOURCE <kernel.json.in> OUTPUT <folder> EXECUTABLE <path>
#                          [RUNTIME_VARIABLE <name> RUNTIME_DIR <folder>]
#                          [WASM [SIDE_MODULES <prefix-relative path>...]])
function(xeus_kernel_write_spec)
    cmake_parse_arguments(PARSE_ARGV 0 arg "WASM" "SOURCE;OUTPUT;EXECUTABLE;RUNTIME_VARIABLE;RUNTIME_DIR" "SIDE_MODULES")
    file(READ "${arg_SOURCE}" spec)
    _xeus_kernel_json_string(argv0 "${arg_EXECUTABLE}")
    if(arg_WASM)
        # jupyterlite-xeus loads argv[0].js/.wasm; a connection file means nothing there.
        string(JSON spec SET "${spec}" argv "[${argv0}]")
    else()
        string(JSON spec SET "${spec}" argv "[${argv0}, \"-f\", \"{connection_file}\"]")
    endif()
    # jupyterlite-xeus ships the side modules listed in metadata.shared (name: prefix path).
    if(arg_SIDE_MODULES)
        string(JSON spec SET "${spec}" metadata shared "{}")
    endif()
    foreach(module IN LISTS arg_SIDE_MODULES)
        cmake_path(GET module FILENAME name)
        _xeus_kernel_json_string(path "${module}")
        string(JSON spec SET "${spec}" metadata shared "${name}" "${path}")
    endforeach()
    if(arg_RUNTIME_DIR)
        _xeus_kernel_json_string(value "${arg_RUNTIME_DIR}")
        string(JSON spec SET "${spec}" env "{\"${arg_RUNTIME_VARIABLE}\": ${value}}")
    endif()
    file(MAKE_DIRECTORY "${arg_OUTPUT}")
    file(WRITE "${arg_OUTPUT}/kernel.json.tmp" "${spec}\n")
    file(COPY_FILE "${arg_OUTPUT}/kernel.json.tmp" "${arg_OUTPUT}/kernel.json" ONLY_IF_DIFFERENT)
    file(REMOVE "${arg_OUTPUT}/kernel.json.tmp")
endfunction()
