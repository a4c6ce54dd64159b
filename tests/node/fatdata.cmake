# FAT data integrity through booted nodes (tests/node/fat_diff_node.py,
# docs/fat.md): the differential test over several boots of FAT12/16/32
# images (cluster/launch --exec per boot, checked with mtools and fsck.fat),
# and a power cut (QEMU killed) after the FAT server's write-back bound.
if(TESSERA_GUEST)
	return()
endif()
find_program(FATDATA_MKFS NAMES mkfs.fat PATHS /sbin /usr/sbin)
find_program(FATDATA_MCOPY mcopy)
if(NOT FATDATA_MKFS OR NOT FATDATA_MCOPY)
	return()
endif()
add_test(NAME node_fat_diff
	COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/fat_diff_node.py
		--build-dir ${CMAKE_BINARY_DIR} --work ${CMAKE_BINARY_DIR}/test-logs/fat_diff
		--case diff --seeds 1 --boots 3 --ops 25)
set_tests_properties(node_fat_diff PROPERTIES LABELS node TIMEOUT 300)
# One boot or two each: a power cut after the write-back bound, issue 13
# item 1's reproduction, rm of a looped chain.
foreach(c writeback bigdelete loop)
	add_test(NAME node_fat_${c}
		COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/fat_diff_node.py
			--build-dir ${CMAKE_BINARY_DIR} --work ${CMAKE_BINARY_DIR}/test-logs/fat_diff
			--case ${c})
	set_tests_properties(node_fat_${c} PROPERTIES LABELS node TIMEOUT 180)
endforeach()
