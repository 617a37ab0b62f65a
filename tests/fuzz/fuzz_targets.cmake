# libFuzzer targets, one per input surface that takes bytes from outside (network peers, scenario
# files, the command line). Included (deferred, once every library exists) by fuzz_options.cmake when
# LSE_FUZZ=ON with clang; run them with scripts/fuzz.sh. Each target links the real decoder it exercises.
# Sources are named from CMAKE_CURRENT_LIST_DIR because this file runs in the top-level directory's scope.
set(lse_fuzz_dir ${CMAKE_CURRENT_LIST_DIR})

# lse_add_fuzzer(<name> SOURCES ... LIBS ...): an executable with libFuzzer's main.
function(lse_add_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  set_property(GLOBAL APPEND PROPERTY LSE_FUZZ_TARGETS ${name})
endfunction()

lse_add_fuzzer(fuzz_response_parser SOURCES ${lse_fuzz_dir}/fuzz_response_parser.cpp LIBS lse_http)
lse_add_fuzzer(fuzz_plan_decode SOURCES ${lse_fuzz_dir}/fuzz_plan_decode.cpp LIBS lse_plan)
lse_add_fuzzer(fuzz_json_path SOURCES ${lse_fuzz_dir}/fuzz_json_path.cpp LIBS lse_plan_extract)
lse_add_fuzzer(fuzz_protocol_decode SOURCES ${lse_fuzz_dir}/fuzz_protocol_decode.cpp LIBS lse_protocol lse_metrics)
lse_add_fuzzer(fuzz_snapshot_decode SOURCES ${lse_fuzz_dir}/fuzz_snapshot_decode.cpp LIBS lse_metrics)
lse_add_fuzzer(fuzz_units SOURCES ${lse_fuzz_dir}/fuzz_units.cpp LIBS lse_core)
lse_add_fuzzer(fuzz_threshold_parse SOURCES ${lse_fuzz_dir}/fuzz_threshold_parse.cpp LIBS lse_thresholds)

# Writes the seed corpora (valid encodings) into tests/fuzz/corpus/<target>/; run by hand after a
# wire format changes: cmake --build build-fuzz --target fuzz_make_seeds && build-fuzz/bin/fuzz_make_seeds DIR
add_executable(fuzz_make_seeds ${lse_fuzz_dir}/make_seeds.cpp)
target_link_libraries(fuzz_make_seeds PRIVATE lse_plan lse_protocol lse_metrics)
# The sample objects of the codec tests are the seeds.
target_include_directories(fuzz_make_seeds PRIVATE ${PROJECT_SOURCE_DIR}/tests/plan ${PROJECT_SOURCE_DIR}/tests/protocol
                           ${PROJECT_SOURCE_DIR}/tests/metrics)

# `cmake --build build-fuzz --target lse_fuzzers` builds every fuzzer.
get_property(lse_fuzz_targets GLOBAL PROPERTY LSE_FUZZ_TARGETS)
add_custom_target(lse_fuzzers DEPENDS ${lse_fuzz_targets})
