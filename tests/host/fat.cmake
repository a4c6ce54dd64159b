# FAT library (fs/fat): unit tests on images formatted in memory, a check
# against mkfs.fat / mtools / fsck.fat (fat_mtools.py drives test_fat in its
# image-tool mode), and a fuzzer on corrupted small images.  docs/fat.md.
file(GLOB FAT_SRC CONFIGURE_DEPENDS ${TESSERA_ROOT}/fs/fat/*.c)
set(FAT_INC ${TESSERA_ROOT}/fs/include)

tessera_host_test(test_fat test_fat.c test_fat_tool.c ${FAT_SRC})
target_include_directories(test_fat PRIVATE ${FAT_INC})
# Multi-sector paths, counted on the in-memory device (one request per run).
tessera_host_test(test_fat_runs test_fat_runs.c test_fat_tool.c ${FAT_SRC})
target_include_directories(test_fat_runs PRIVATE ${FAT_INC})

find_program(MKFS_FAT NAMES mkfs.fat mkfs.vfat PATHS /sbin /usr/sbin)
find_program(FSCK_FAT NAMES fsck.fat fsck.vfat PATHS /sbin /usr/sbin)
find_program(MTOOLS_MCOPY mcopy)
find_package(Python3 COMPONENTS Interpreter)
if(MKFS_FAT AND FSCK_FAT AND MTOOLS_MCOPY AND Python3_Interpreter_FOUND)
	add_test(NAME fat_mtools
		COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/fat_mtools.py
			--tool $<TARGET_FILE:test_fat> --mkfs ${MKFS_FAT}
			--fsck ${FSCK_FAT} --work ${CMAKE_CURRENT_BINARY_DIR}/fat_mtools.d)
	set_tests_properties(fat_mtools PROPERTIES LABELS host TIMEOUT 300)
	# Random operations over several mounts of FAT12/16/32 images, the
	# whole tree compared with a model through mtools (fat_diff.py).
	add_test(NAME fat_diff
		COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/fat_diff.py
			--tool $<TARGET_FILE:test_fat> --mkfs ${MKFS_FAT}
			--fsck ${FSCK_FAT} --work ${CMAKE_CURRENT_BINARY_DIR}/fat_diff.d
			--seeds 1-2 --boots 4 --ops 30)
	set_tests_properties(fat_diff PROPERTIES LABELS host TIMEOUT 300)
else()
	tessera_missing_test(fat_mtools "mkfs.fat, fsck.fat, mtools or python3 missing" LABELS host)
endif()

file(GLOB fat_seeds ${HOST_DATA}/fat_*.img)
list(APPEND FUZZ_FLAGS -I${FAT_INC})
tessera_fuzzer(fuzz_fat "${FAT_SRC}" "${fat_seeds}"
	${FAT_INC}/fs/fat.h ${TESSERA_ROOT}/fs/fat/fat_int.h)
