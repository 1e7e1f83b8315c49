# Runs the built tlsprobe to write its man page and shell completions (one source of truth:
# the command table behind --help). Called by the tlsprobe_docs target with -DEXE= -DOUT_DIR=.
file(MAKE_DIRECTORY "${OUT_DIR}")
foreach(job "man;tlsprobe.1" "completion;bash;tlsprobe.bash" "completion;zsh;_tlsprobe"
            "completion;fish;tlsprobe.fish")
  list(POP_BACK job file)
  execute_process(COMMAND "${EXE}" ${job} OUTPUT_FILE "${OUT_DIR}/${file}"
                  RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "tlsprobe ${job} failed (${result})")
  endif()
endforeach()
