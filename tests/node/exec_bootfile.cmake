# Boot files (docs/cluster.md): the boot_read system call and bootfile_load,
# on a file the boot image carries for the test (boot.testdata).
if(TESSERA_GUEST)
	tessera_program(test_bootfile test_bootfile.c ttest.c ${CMAKE_SOURCE_DIR}/user/bootfile.c)
	tessera_boot_file(boot.testdata ${CMAKE_CURRENT_SOURCE_DIR}/data/boot.testdata)
else()
	tessera_node_test(NAME bootfile PROGRAM test_bootfile
		EXPECT "5 passed, 0 failed" FORBID "check failed")
endif()
