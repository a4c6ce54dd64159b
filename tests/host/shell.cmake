# MiniSH (shell/): the parser and the line editor are pure C, tested here
# with exact words and exact output bytes; the editor's output is drawn by
# the console's terminal model (drivers/console/term.c) to check the
# screen.  fuzz_sh: both on hostile input.
set(SH_DIR ${TESSERA_ROOT}/shell)
tessera_host_test(test_sh_parse test_sh_parse.c ${SH_DIR}/parse.c)
target_include_directories(test_sh_parse PRIVATE ${SH_DIR}/include)
tessera_host_test(test_sh_ledit test_sh_ledit.c ${SH_DIR}/ledit.c
	${TESSERA_ROOT}/drivers/console/term.c)
target_include_directories(test_sh_ledit PRIVATE ${SH_DIR}/include
	${TESSERA_ROOT}/drivers/console/include)
list(APPEND FUZZ_FLAGS -I${SH_DIR}/include)
tessera_fuzzer(fuzz_sh "${SH_DIR}/ledit.c;${SH_DIR}/parse.c" ""
	${SH_DIR}/include/shell/ledit.h ${SH_DIR}/include/shell/parse.h)
