# Managed by xeus-kernel-template: `copier update` merges the template's changes into this file;
# your edits to the same lines become conflicts.
# Writes a kernel.json from share/jupyter/kernels/<kernel>/kernel.json.in. Used by
# XeusKernel.cmake at configure time (your kernelspec extras, the build-tree kernelspec) and
# at install time, so that `cmake --install --prefix <elsewhere>` gets the right absolute
# argv[0]. The JSON is edited with string(JSON), never by text substitution: nothing in a
# name or value is interpreted.
include_guard(GLOBAL)
if(POLICY CMP0174)
    cmake_policy(SET CMP0174 NEW)
endif()

# Quote VALUE as a JSON string.
function(_xeus_kernel_json_string out value)
    string(REPLACE "\\" "\\\\" value "${value}")
    string(REPLACE "\"" "\\\"" value "${value}")
    string(REPLACE "\n" "\\n" value "${value}")
    string(REPLACE "\t" "\\t" value "${value}")
    set(${out} "\"${value}\"" PARENT_SCOPE)
endfunction()

# Set env.NAME to VALUE (a string) in the kernelspec held by the variable SPEC_VARIABLE.
function(_xeus_kernel_set_env spec_variable name value)
    set(json "${${spec_variable}}")
    string(JSON env ERROR_VARIABLE no_env GET "${json}" env)
    if(no_env)
        string(JSON json SET "${json}" env "{}")
    endif()
    _xeus_kernel_json_string(value "${value}")
    string(JSON json SET "${json}" env "${name}" "${value}")
    set(${spec_variable} "${json}" PARENT_SCOPE)
endfunction()

#   xeus_kernel_merge_spec(SOURCE <kernel.json.in> OUTPUT <file>
#                          [DISPLAY_NAME <name>] [LANGUAGE <language>]
#                          [METADATA <json object>] [ENV <NAME=value>...])
# Merges the author's extra metadata and environment (and, for another kernelspec of the
# same kernel, its display name and language) into the kernelspec. The template's own
# fields (argv, metadata.wasm_name, metadata.shared) cannot be overridden this way.
function(xeus_kernel_merge_spec)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "SOURCE;OUTPUT;METADATA;DISPLAY_NAME;LANGUAGE" "ENV")
    file(READ "${arg_SOURCE}" spec)
    foreach(field IN ITEMS DISPLAY_NAME LANGUAGE)
        if(NOT "${arg_${field}}" STREQUAL "")
            string(TOLOWER "${field}" key)
            _xeus_kernel_json_string(value "${arg_${field}}")
            string(JSON spec SET "${spec}" ${key} "${value}")
        endif()
    endforeach()
    if(NOT "${arg_METADATA}" STREQUAL "")
        string(JSON type ERROR_VARIABLE error TYPE "${arg_METADATA}")
        if(error OR NOT type STREQUAL "OBJECT")
            message(FATAL_ERROR "KERNELSPEC_METADATA must be a JSON object, e.g. [[{\"lua_version\": \"5.4\"}]]: "
                "got ${arg_METADATA}")
        endif()
        set(template_fields wasm_name shared)
        string(JSON count LENGTH "${arg_METADATA}")
        if(count GREATER 0)
            math(EXPR last "${count} - 1")
            foreach(index RANGE ${last})
                string(JSON key MEMBER "${arg_METADATA}" ${index})
                if(key IN_LIST template_fields)
                    message(FATAL_ERROR "KERNELSPEC_METADATA sets metadata.${key}, which the template writes: "
                        "remove it (SIDE_MODULES fills metadata.shared)")
                endif()
                string(JSON value GET "${arg_METADATA}" "${key}")
                string(JSON type TYPE "${arg_METADATA}" "${key}")
                # GET gives objects and arrays as JSON, the other types as CMake values.
                if(type STREQUAL "STRING")
                    _xeus_kernel_json_string(value "${value}")
                elseif(type STREQUAL "BOOLEAN")
                    if(value)
                        set(value true)
                    else()
                        set(value false)
                    endif()
                elseif(type STREQUAL "NULL")
                    set(value null)
                endif()
                string(JSON spec SET "${spec}" metadata "${key}" "${value}")
            endforeach()
        endif()
    endif()
    foreach(assignment IN LISTS arg_ENV)
        if(NOT assignment MATCHES "^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
            message(FATAL_ERROR "KERNELSPEC_ENV takes NAME=value entries, got \"${assignment}\"")
        endif()
        _xeus_kernel_set_env(spec "${CMAKE_MATCH_1}" "${CMAKE_MATCH_2}")
    endforeach()
    file(WRITE "${arg_OUTPUT}.tmp" "${spec}\n")
    file(COPY_FILE "${arg_OUTPUT}.tmp" "${arg_OUTPUT}" ONLY_IF_DIFFERENT)
    file(REMOVE "${arg_OUTPUT}.tmp")
endfunction()

#   xeus_kernel_write_spec(SOURCE <kernel.json.in> OUTPUT <folder> EXECUTABLE <path>
#                          [ARGS <argument>...]
#                          [RUNTIME_VARIABLE <name> RUNTIME_DIR <folder>]
#                          [WASM [SIDE_MODULES <prefix-relative path>...]])
# ARGS follow argv[0] (a kernelspec of xeus_kernel_add_spec() passes its own).
function(xeus_kernel_write_spec)
    cmake_parse_arguments(PARSE_ARGV 0 arg "WASM" "SOURCE;OUTPUT;EXECUTABLE;RUNTIME_VARIABLE;RUNTIME_DIR"
        "SIDE_MODULES;ARGS")
    file(READ "${arg_SOURCE}" spec)
    _xeus_kernel_json_string(argv "${arg_EXECUTABLE}")
    foreach(argument IN LISTS arg_ARGS)
        _xeus_kernel_json_string(argument "${argument}")
        string(APPEND argv ", ${argument}")
    endforeach()
    if(arg_WASM)
        # jupyterlite-xeus loads argv[0].js/.wasm; a connection file means nothing there.
        string(JSON spec SET "${spec}" argv "[${argv}]")
    else()
        string(JSON spec SET "${spec}" argv "[${argv}, \"-f\", \"{connection_file}\"]")
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
    if(NOT "${arg_RUNTIME_DIR}" STREQUAL "")
        _xeus_kernel_set_env(spec "${arg_RUNTIME_VARIABLE}" "${arg_RUNTIME_DIR}")
    endif()
    file(MAKE_DIRECTORY "${arg_OUTPUT}")
    file(WRITE "${arg_OUTPUT}/kernel.json.tmp" "${spec}\n")
    file(COPY_FILE "${arg_OUTPUT}/kernel.json.tmp" "${arg_OUTPUT}/kernel.json" ONLY_IF_DIFFERENT)
    file(REMOVE "${arg_OUTPUT}/kernel.json.tmp")
endfunction()
