# libFuzzer configuration of the whole build (issue 6). Included right after project() so that the
# flags reach every library before it is defined:
#   - by the top-level CMakeLists.txt:   include(tests/fuzz/fuzz_options.cmake)
#   - or, without touching it, by scripts/fuzz.sh:
#       cmake -DCMAKE_PROJECT_lsengine_INCLUDE=<repo>/tests/fuzz/fuzz_options.cmake -DLSE_FUZZ=ON ...
# With LSE_FUZZ=ON (clang only) every library is compiled with -fsanitize=fuzzer-no-link (coverage
# feedback for libFuzzer) plus address and undefined, and fuzz_targets.cmake is included at the end
# of the top-level directory (add_subdirectory is not allowed there), once every library exists.
include_guard(GLOBAL)

option(LSE_FUZZ "Build the libFuzzer targets in tests/fuzz (clang only)" OFF)

if(LSE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "LSE_FUZZ needs clang (libFuzzer); configure with -DCMAKE_CXX_COMPILER=clang++ "
                        "-DCMAKE_C_COMPILER=clang")
  endif()
  # Not combined with LSE_SANITIZE: the fuzz configuration brings its own sanitizers.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
  # Deferred arguments are expanded when the call runs, so the path is kept in a variable now.
  set(LSE_FUZZ_TARGETS_FILE ${CMAKE_CURRENT_LIST_DIR}/fuzz_targets.cmake)
  cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL include ${LSE_FUZZ_TARGETS_FILE})
endif()
