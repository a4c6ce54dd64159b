# Host mode: declare node tests, each booting one QEMU with the guest kernel
# and boot image (TESSERA_KERNEL, TESSERA_INITRD) through
# tests/node/run_node_test.py.
#
# tessera_node_test(NAME <name> PROGRAM <program>
#                   [ARGS "<words passed after -->"]
#                   [KERNEL_ARGS "<boot arguments before --, e.g. console=gpu>"]
#                   [SMP <harts 1..8, default 1>] [MEM <size, default 256M>]
#                   [TIMEOUT <seconds, default 60>] [ICOUNT]
#                   [KERNEL <image, default TESSERA_KERNEL>]
#                   [EXIT_STATUS <n, default 0>] [ALLOW_PANIC]
#                   [STDIN_TEXT <text typed on the serial line>
#                    STDIN_AFTER <regex: the serial text the guest prints
#                                 when it is ready to read; required>]
#                   [TTEST_SOURCE <C source of the ttest program, default
#                                  tests/node/<program>.c if it exists>]
#                   [PASSES <n: the runner's exact pass count when the run
#                            does not use the whole table tests[]>]
#                   [QMP_SCRIPT <file.py: run(node) drives QEMU over QMP while
#                                the test runs; see tests/node/run_node_test.py>]
#                   [QEMU_ARGS <extra QEMU arguments, one list element each>]
#                   [EXPECT <regex>...] [FORBID <regex>...] [LABELS <label>...])
#
# Adds the ctest test node_<name> (labels: node + LABELS) that boots with
# "init=<program> -- <args>" and passes iff QEMU exits 0, every EXPECT regex
# (Python syntax) is in the serial log and no line matches a FORBID regex or
# the kernel-panic pattern.  The log is build/test-logs/node_<name>.log.
# Regexes go through CMake first: write "\\d" for \d; a ';' splits a list.
#
# A ttest program (tests/node/ttest.h) is checked for its exact pass count:
# "<program>: N passed, 0 failed" with N the number of tests in the table
# tests[] of its source, read at each run (nothing to declare; see
# tests/node/run_node_test.py for when no summary is expected).  A program
# whose source is elsewhere names it with TTEST_SOURCE.
find_package(Python3 REQUIRED COMPONENTS Interpreter)
include(${CMAKE_CURRENT_LIST_DIR}/TesseraMissingTest.cmake)

set(TESSERA_NODE_RUNNER ${CMAKE_SOURCE_DIR}/tests/node/run_node_test.py)
set(TESSERA_TEST_LOG_DIR ${CMAKE_BINARY_DIR}/test-logs)

function(tessera_node_test)
	cmake_parse_arguments(PARSE_ARGV 0 T "ICOUNT;ALLOW_PANIC" "NAME;PROGRAM;ARGS;KERNEL_ARGS;SMP;MEM;TIMEOUT;KERNEL;EXIT_STATUS;STDIN_TEXT;STDIN_AFTER;QMP_SCRIPT;TTEST_SOURCE;PASSES"
		"EXPECT;FORBID;LABELS;QEMU_ARGS")
	if(T_UNPARSED_ARGUMENTS)
		message(FATAL_ERROR "tessera_node_test: unknown arguments: ${T_UNPARSED_ARGUMENTS}")
	endif()
	if(NOT T_NAME OR NOT T_PROGRAM)
		message(FATAL_ERROR "tessera_node_test: NAME and PROGRAM are required")
	endif()
	if(NOT T_KERNEL)
		set(T_KERNEL ${TESSERA_KERNEL})
	endif()
	if(NOT "${T_STDIN_TEXT}" STREQUAL "" AND "${T_STDIN_AFTER}" STREQUAL "")
		message(FATAL_ERROR "tessera_node_test ${T_NAME}: STDIN_TEXT needs STDIN_AFTER <regex>, "
			"the serial text the guest prints when it is ready to read (no fixed delays)")
	endif()
	if(NOT T_TTEST_SOURCE AND EXISTS ${CMAKE_SOURCE_DIR}/tests/node/${T_PROGRAM}.c)
		file(STRINGS ${CMAKE_SOURCE_DIR}/tests/node/${T_PROGRAM}.c has_table
			REGEX "struct ttest tests\\[\\]")
		if(has_table)
			set(T_TTEST_SOURCE ${CMAKE_SOURCE_DIR}/tests/node/${T_PROGRAM}.c)
		endif()
	endif()
	if(NOT T_SMP)
		set(T_SMP 1)
	endif()
	if(NOT T_MEM)
		set(T_MEM 256M)
	endif()
	if(NOT T_TIMEOUT)
		set(T_TIMEOUT 60)
	endif()

	set(bootargs "init=${T_PROGRAM}")
	if(NOT "${T_KERNEL_ARGS}" STREQUAL "")
		string(APPEND bootargs " ${T_KERNEL_ARGS}")
	endif()
	if(NOT "${T_ARGS}" STREQUAL "")
		string(APPEND bootargs " -- ${T_ARGS}")
	endif()
	set(cmd ${Python3_EXECUTABLE} ${TESSERA_NODE_RUNNER}
		--kernel ${T_KERNEL} --initrd ${TESSERA_INITRD}
		--name node_${T_NAME} --smp ${T_SMP} --mem ${T_MEM}
		--timeout ${T_TIMEOUT} --bootargs "${bootargs}"
		--log-dir ${TESSERA_TEST_LOG_DIR})
	if(T_ICOUNT)
		list(APPEND cmd --icount)
	endif()
	if(T_ALLOW_PANIC)
		list(APPEND cmd --allow-panic)
	endif()
	if(NOT "${T_STDIN_TEXT}" STREQUAL "")
		list(APPEND cmd --stdin-text "${T_STDIN_TEXT}" --stdin-after "${T_STDIN_AFTER}")
	endif()
	if(T_TTEST_SOURCE)
		list(APPEND cmd --ttest ${T_TTEST_SOURCE})
	endif()
	if(NOT "${T_PASSES}" STREQUAL "")
		list(APPEND cmd --passes ${T_PASSES})
	endif()
	if(T_QMP_SCRIPT)
		list(APPEND cmd --qmp-script ${T_QMP_SCRIPT})
	endif()
	if(NOT "${T_EXIT_STATUS}" STREQUAL "")
		list(APPEND cmd --exit-status ${T_EXIT_STATUS})
	endif()
	foreach(a IN LISTS T_QEMU_ARGS)
		list(APPEND cmd "--qemu-arg=${a}")
	endforeach()
	foreach(re IN LISTS T_EXPECT)
		list(APPEND cmd --expect "${re}")
	endforeach()
	foreach(re IN LISTS T_FORBID)
		list(APPEND cmd --forbid "${re}")
	endforeach()

	set(labels node ${T_LABELS})
	add_test(NAME node_${T_NAME} COMMAND ${cmd})
	math(EXPR ctest_timeout "${T_TIMEOUT} + 30")
	set_tests_properties(node_${T_NAME} PROPERTIES
		TIMEOUT ${ctest_timeout}
		LABELS "${labels}"
		SKIP_RETURN_CODE 77)
endfunction()

