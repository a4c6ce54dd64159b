# cluster/launch --exec cannot hang or lie (issue 13, items 5 and 6): long
# scripts through the boot image, panics, unfinished scripts, --timeout and
# SIGTERM, and launch --nodes N (exec per node, its timeout), each a case of
# tests/node/exec_launch.py.
if(NOT TESSERA_GUEST)
	foreach(c long args_too_long panic panic_early unfinished timeout_guest timeout_sync timeout_hard sigterm
		cluster_exec cluster_timeout)
		add_test(NAME node_exec_launch_${c}
			COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/exec_launch.py
				--build-dir ${CMAKE_BINARY_DIR} --case ${c})
		set_tests_properties(node_exec_launch_${c} PROPERTIES LABELS node TIMEOUT 300)
	endforeach()
endif()
