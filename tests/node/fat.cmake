# FAT server (fs/fat_server.c, docs/fat.md): a FAT16 image made by mkfs.fat
# and mcopy before the run (fixture fat_node_image) is attached as a
# virtio-blk disk; test_fatfs starts pci, then `fat blk=blk0 name=/disk`,
# and uses the file protocol (ipc/include/tessera/proto_file.h); afterwards
# fat_node_image_check runs fsck.fat -n and mtools on the image.
if(TESSERA_GUEST)
	if(TARGET fat)
		tessera_program(test_fatfs test_fatfs.c ttest.c)
		target_include_directories(test_fatfs PRIVATE ${CMAKE_SOURCE_DIR}/fs/include)
	endif()
	return()
endif()

find_program(FAT_NODE_MKFS NAMES mkfs.fat PATHS /sbin /usr/sbin)
find_program(FAT_NODE_MCOPY mcopy)
if(NOT FAT_NODE_MKFS OR NOT FAT_NODE_MCOPY OR NOT EXISTS ${CMAKE_SOURCE_DIR}/fs/CMakeLists.txt)
	foreach(t fat_node_image_make fat_node_image_check node_fatfs)
		tessera_missing_test(${t} "mkfs.fat, mcopy or fs/ missing" LABELS node)
	endforeach()
	return()
endif()
set(fat_img ${CMAKE_CURRENT_BINARY_DIR}/fat_node.img)
set(fat_py ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/host/fat_node_image.py)
add_test(NAME fat_node_image_make COMMAND ${fat_py} make ${fat_img})
add_test(NAME fat_node_image_check COMMAND ${fat_py} check ${fat_img})
set_tests_properties(fat_node_image_make PROPERTIES FIXTURES_SETUP fat_node_image)
set_tests_properties(fat_node_image_check PROPERTIES FIXTURES_CLEANUP fat_node_image)
tessera_node_test(NAME fatfs PROGRAM test_fatfs SMP 2 TIMEOUT 120
	QEMU_ARGS -drive if=none,id=f0,format=raw,file=${fat_img} -device virtio-blk-pci,drive=f0
	EXPECT "${PASS_LINE}" "fat: /disk on blk0: FAT16, [0-9]+ clusters of 2048 bytes"
	"fatfs: host files read back" "fatfs: written, renamed, deleted"
	"fatfs: listing matches" "fatfs: errors")
set_tests_properties(node_fatfs PROPERTIES FIXTURES_REQUIRED fat_node_image)
