# MiniSH scripts through cluster/launch --disk --exec on FAT images, checked
# by the host with mtools and fsck.fat -n (tests/node/exec_fat.py).
if(NOT TESSERA_GUEST)
	foreach(c files big status)
		add_test(NAME node_exec_${c}
			COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/exec_fat.py
				--build-dir ${CMAKE_BINARY_DIR} --work ${CMAKE_BINARY_DIR}/test-logs/exec
				--case ${c})
		set_tests_properties(node_exec_${c} PROPERTIES LABELS node TIMEOUT 240)
	endforeach()
endif()
