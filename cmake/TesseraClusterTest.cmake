# Cluster tests: each boots a cluster through cluster/cluster.py and drives
# it with a Python script (tests/cluster/run_cluster_test.py).
#
# tessera_cluster_test(NAME <name> NODES <n> SCRIPT <file.py>
#                      [TIMEOUT <seconds, default 120>] [PCAP] [LABELS <label>...])
#
# Adds the ctest test cluster_<name> (labels: cluster + LABELS).  The runner
# makes the cluster "ctest-<name>" under the build's run folder, waits until
# every node is up (and formed, when netproxy is in the boot image), calls
# run(c, ctx) of SCRIPT (c: cluster.Cluster; ctx: build dir, log folder, pcap
# path) and ends every process by PID, pass or fail.  A script fails by
# raising (assert).  Node logs stay in build/test-logs/cluster_<name>/.
function(tessera_cluster_test)
	cmake_parse_arguments(PARSE_ARGV 0 T "PCAP" "NAME;NODES;SCRIPT;TIMEOUT" "LABELS")
	if(T_UNPARSED_ARGUMENTS OR NOT T_NAME OR NOT T_NODES OR NOT T_SCRIPT)
		message(FATAL_ERROR "tessera_cluster_test: NAME, NODES and SCRIPT are required "
			"(unknown: ${T_UNPARSED_ARGUMENTS})")
	endif()
	if(NOT T_TIMEOUT)
		set(T_TIMEOUT 120)
	endif()
	set(cmd ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/cluster/run_cluster_test.py
		--build-dir ${CMAKE_BINARY_DIR} --name ctest-${T_NAME} --nodes ${T_NODES}
		--script ${CMAKE_CURRENT_SOURCE_DIR}/${T_SCRIPT} --timeout ${T_TIMEOUT}
		--log-dir ${CMAKE_BINARY_DIR}/test-logs/cluster_${T_NAME})
	if(T_PCAP)
		list(APPEND cmd --pcap)
	endif()
	add_test(NAME cluster_${T_NAME} COMMAND ${cmd})
	# The runner's own deadline is TIMEOUT; ctest's leaves it room to clean up.
	math(EXPR ctest_timeout "${T_TIMEOUT} + 30")
	set_tests_properties(cluster_${T_NAME} PROPERTIES LABELS "cluster;${T_LABELS}"
		TIMEOUT ${ctest_timeout})
endfunction()
