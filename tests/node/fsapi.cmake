# File-system interface (issue 13 items 2, 3, 11, 12): MiniSH scripts through
# cluster/launch --disk --exec on FAT images, checked by the host with mtools
# and fsck.fat -n (tests/node/exec_fsapi.py).
if(NOT TESSERA_GUEST)
	foreach(c samefile)
		add_test(NAME node_fsapi_${c}
			COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/exec_fsapi.py
				--build-dir ${CMAKE_BINARY_DIR} --work ${CMAKE_BINARY_DIR}/test-logs/fsapi
				--case ${c})
		set_tests_properties(node_fsapi_${c} PROPERTIES LABELS node TIMEOUT 240)
	endforeach()
endif()
