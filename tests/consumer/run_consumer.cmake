# Builds and runs a project outside Cadenza that uses it, as a user would:
#   MODE=install       tests/consumer against an installed Cadenza (find_package)
#   MODE=subdirectory  tests/consumer with add_subdirectory of this checkout
#   MODE=example       examples/own_sequences against an installed Cadenza, on
#                      sequences written here; it must learn to continue them
# Called by ctest with -DMODE -DSOURCE_DIR -DBINARY_DIR.
set(work "${BINARY_DIR}/consumer-${MODE}")
file(REMOVE_RECURSE "${work}")
set(project_dir "${SOURCE_DIR}/tests/consumer")
set(program consumer)
if(MODE STREQUAL "install" OR MODE STREQUAL "example")
  execute_process(COMMAND ${CMAKE_COMMAND} --install "${BINARY_DIR}" --prefix "${work}/prefix"
                  RESULT_VARIABLE rc OUTPUT_QUIET)
  if(rc)
    message(FATAL_ERROR "cmake --install failed")
  endif()
  set(configure_args -DCMAKE_PREFIX_PATH=${work}/prefix)
  if(MODE STREQUAL "example")
    set(project_dir "${SOURCE_DIR}/examples/own_sequences")
    set(program train-own-sequences)
  endif()
else()
  set(configure_args -DCADENZA_SOURCE_DIR=${SOURCE_DIR})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S "${project_dir}" -B "${work}/build"
                        -DCMAKE_BUILD_TYPE=Release ${configure_args}
                RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "configuring the consumer (${MODE}) failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build "${work}/build" RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "building the consumer (${MODE}) failed")
endif()
set(args "")
if(MODE STREQUAL "example")
  # Three sequences over one cycle of eight words: the model must continue it.
  set(cycle "do re mi fa sol la ti do2")
  string(REPEAT "${cycle} " 8 line)
  file(WRITE "${work}/sequences.txt" "${line}\n${line}\n${line}\n")
  set(args "${work}/sequences.txt" --epochs 40 --window 8 --units 32 --continue 8 --save "${work}/model.ckpt")
endif()
execute_process(COMMAND "${work}/build/${program}" ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(rc)
  message(FATAL_ERROR "the consumer (${MODE}) ran but failed")
endif()
if(MODE STREQUAL "example")
  # The first window is "do re mi fa sol la ti do2"; then the cycle goes on.
  if(NOT out MATCHES "continuation: do re mi fa sol la ti do2\n" OR NOT EXISTS "${work}/model.ckpt")
    message(FATAL_ERROR "the example did not learn to continue the cycle, or did not save its model")
  endif()
endif()
