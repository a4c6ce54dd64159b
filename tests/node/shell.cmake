# MiniSH (shell/, docs/shell.md) and the system calls it needs: task_list,
# svc_list, task_spawn_image (test_shell_sys), the shell driven through a
# console the test serves (test_shell).  Both embed the stripped ELF file of
# the exitcode program: the kernel spawns it from memory, the shell from a
# file on ramfs.
if(TESSERA_GUEST)
	if(TARGET exitcode)
		set(_sh_elf ${CMAKE_CURRENT_BINARY_DIR}/exitcode.stripped)
		add_custom_command(OUTPUT ${_sh_elf}
			COMMAND ${CMAKE_OBJCOPY} --strip-all $<TARGET_FILE:exitcode> ${_sh_elf}
			DEPENDS exitcode VERBATIM)
		set(_sh_elf_s ${CMAKE_CURRENT_BINARY_DIR}/exitcode_elf.S)
		file(CONFIGURE OUTPUT ${_sh_elf_s} CONTENT
"	.section .rodata
	.globl exitcode_elf, exitcode_elf_end
exitcode_elf:
	.incbin \"${_sh_elf}\"
exitcode_elf_end:
")
		set_source_files_properties(${_sh_elf_s} PROPERTIES OBJECT_DEPENDS ${_sh_elf})
		tessera_program(test_shell_sys test_shell_sys.c ttest.c ${_sh_elf_s} ${_sh_elf})
		if(TARGET sh AND TARGET ramfs)
			tessera_program(test_shell test_shell.c ttest.c ${_sh_elf_s} ${_sh_elf})
		endif()
	endif()
else()
	tessera_node_test(NAME shell_sys PROGRAM test_shell_sys SMP 2 TIMEOUT 120
		EXPECT "passed, 0 failed"
		"spawn corrupt_mem: bad executable: bad ELF header size"
		"shell_sys: 200 spawns from memory"
		"killed: bad task list buffer"
		"killed: bad service list buffer"
		"killed: bad image pointer"
		"killed: bad arguments pointer"
		"killed: arguments over 2080 bytes"
		FORBID "check failed")
	tessera_node_test(NAME shell PROGRAM test_shell SMP 2 TIMEOUT 180
		EXPECT "passed, 0 failed" "\\[sh:[0-9]+\\] shell-log-check 0"
		FORBID "check failed" "transcript differs")
	# mount/umount/df and a program run from a FAT disk made by mkfs.fat;
	# fsck.fat -n checks the image afterwards.
	find_program(SHELL_MKFS_FAT NAMES mkfs.fat PATHS /sbin /usr/sbin)
	find_program(SHELL_FSCK_FAT NAMES fsck.fat PATHS /sbin /usr/sbin)
	if(SHELL_MKFS_FAT AND SHELL_FSCK_FAT AND EXISTS ${CMAKE_SOURCE_DIR}/fs/CMakeLists.txt)
		set(_sh_img ${CMAKE_CURRENT_BINARY_DIR}/shell_fat.img)
		add_test(NAME shell_fat_image_make COMMAND sh -c
			"rm -f ${_sh_img} && ${SHELL_MKFS_FAT} -C -n SHELLDISK ${_sh_img} 8192")
		add_test(NAME shell_fat_image_check COMMAND ${SHELL_FSCK_FAT} -n ${_sh_img})
		set_tests_properties(shell_fat_image_make PROPERTIES FIXTURES_SETUP shell_fat_image
			LABELS node)
		set_tests_properties(shell_fat_image_check PROPERTIES FIXTURES_CLEANUP shell_fat_image
			LABELS node)
		tessera_node_test(NAME shell_fat PROGRAM test_shell ARGS disk SMP 2 TIMEOUT 180
			QEMU_ARGS -drive if=none,id=s0,format=raw,file=${_sh_img}
				-device virtio-blk-pci,drive=s0
			EXPECT "passed, 0 failed" FORBID "check failed" "transcript differs")
		set_tests_properties(node_shell_fat PROPERTIES FIXTURES_REQUIRED shell_fat_image)
	else()
		foreach(t shell_fat_image_make shell_fat_image_check node_shell_fat)
			tessera_missing_test(${t} "mkfs.fat, fsck.fat or fs/ missing" LABELS node)
		endforeach()
	endif()
	tessera_node_test(NAME shell_sys_slots PROGRAM test_shell_sys SMP 2 TIMEOUT 120
		KERNEL ${TESSERA_KERNEL_SLOTS} EXPECT "passed, 0 failed" FORBID "check failed")
endif()
