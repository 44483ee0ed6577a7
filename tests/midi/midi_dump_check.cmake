# Runs cadenza-midi-dump on one file and checks its exit status and output.
#   cmake -DDUMP=<binary> -DWORK=<dir> -DMODE=bad|good -P midi_dump_check.cmake
# bad: a text file; expect exit 1 and a reason on stderr.
# good: a one-note MIDI file written here (printf, octal escapes); expect
# exit 0 and JSON with "notes" on stdout.
file(MAKE_DIRECTORY "${WORK}")
if(MODE STREQUAL "bad")
  set(input "${WORK}/not_midi.mid")
  file(WRITE "${input}" "this is not a MIDI file\n")
  set(expected_rc 1)
else()
  set(input "${WORK}/one_note.mid")
  # MThd (format 0, 1 track, 480 ticks) + MTrk: C4 on, 480 ticks, off, end.
  execute_process(COMMAND printf
    "MThd\\000\\000\\000\\006\\000\\000\\000\\001\\001\\340MTrk\\000\\000\\000\\015\\000\\220\\074\\100\\203\\140\\200\\074\\000\\000\\377\\057\\000"
    OUTPUT_FILE "${input}" RESULT_VARIABLE printf_rc)
  if(NOT printf_rc EQUAL 0)
    message(FATAL_ERROR "could not write ${input} with printf")
  endif()
  set(expected_rc 0)
endif()
execute_process(COMMAND "${DUMP}" "${input}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL expected_rc)
  message(FATAL_ERROR "cadenza-midi-dump ${input}: exit ${rc}, expected ${expected_rc}\nstdout: ${out}\nstderr: ${err}")
endif()
if(MODE STREQUAL "bad")
  if(err STREQUAL "")
    message(FATAL_ERROR "cadenza-midi-dump rejected ${input} without a message on stderr")
  endif()
else()
  if(NOT out MATCHES "\"notes\"" OR NOT out MATCHES "\"pitch\": *60")
    message(FATAL_ERROR "cadenza-midi-dump ${input}: no note C4 in the JSON:\n${out}")
  endif()
endif()
