# File-system interface (issue 13 items 2, 3, 11, 12): MiniSH scripts through
# cluster/launch --disk --exec on FAT images, checked by the host with mtools
# and fsck.fat -n (tests/node/exec_fsapi.py); and node_fsapi, a guest test
# (test_fsapi.c) of the block server's write hold and user/cp.c.
if(TESSERA_GUEST)
	if(TARGET fat AND TARGET ramfs)
		tessera_program(test_fsapi test_fsapi.c ttest.c)
	endif()
	return()
endif()
find_program(FSAPI_MKFS_FAT NAMES mkfs.fat PATHS /sbin /usr/sbin)
find_program(FSAPI_FSCK_FAT NAMES fsck.fat PATHS /sbin /usr/sbin)
if(FSAPI_MKFS_FAT AND FSAPI_FSCK_FAT AND EXISTS ${CMAKE_SOURCE_DIR}/fs/CMakeLists.txt)
	set(_fsapi_img ${CMAKE_CURRENT_BINARY_DIR}/fsapi.img)
	add_test(NAME fsapi_image_make COMMAND sh -c
		"rm -f ${_fsapi_img} && ${FSAPI_MKFS_FAT} -C ${_fsapi_img} 8192 && echo ro > ${_fsapi_img}.ro && mcopy -i ${_fsapi_img} ${_fsapi_img}.ro ::/ro.txt && mattrib -i ${_fsapi_img} +r ::/ro.txt")
	add_test(NAME fsapi_image_check COMMAND ${FSAPI_FSCK_FAT} -n ${_fsapi_img})
	set_tests_properties(fsapi_image_make PROPERTIES FIXTURES_SETUP fsapi_image LABELS node)
	set_tests_properties(fsapi_image_check PROPERTIES FIXTURES_CLEANUP fsapi_image
		LABELS node)
	tessera_node_test(NAME fsapi PROGRAM test_fsapi SMP 2 TIMEOUT 120
		QEMU_ARGS -drive if=none,id=f0,format=raw,file=${_fsapi_img}
			-device virtio-blk-pci,drive=f0
		EXPECT "passed, 0 failed" "fsapi: blk write hold: second mount refused"
			"fsapi: cp onto itself refused 3 times"
			"fsapi: listings carry what stat gives"
		FORBID "check failed")
	set_tests_properties(node_fsapi PROPERTIES FIXTURES_REQUIRED fsapi_image)
endif()
if(NOT TESSERA_GUEST)
	foreach(c samefile busy lsl longnames)
		add_test(NAME node_fsapi_${c}
			COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/exec_fsapi.py
				--build-dir ${CMAKE_BINARY_DIR} --work ${CMAKE_BINARY_DIR}/test-logs/fsapi
				--case ${c})
		set_tests_properties(node_fsapi_${c} PROPERTIES LABELS node TIMEOUT 240)
	endforeach()
endif()
