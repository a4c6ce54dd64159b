# libc over dux (libc/, docs/libc.md): files on ramfs at /tmp, directories,
# errno, environment, time, malloc, stdio on a console served by the test,
# and the plain-C programs wc and cp.
if(TESSERA_GUEST)
	if(TARGET ramfs AND TARGET wc AND TARGET cp)
		tessera_program(test_libc test_libc.c ttest.c)
	endif()
else()
	tessera_node_test(NAME libc PROGRAM test_libc SMP 2 TIMEOUT 180
		EXPECT "passed, 0 failed" "ramfs: /tmp ready, 33554432 bytes"
		"libc: 1394255-byte file written in odd chunks, checksum [0-9a-f]{8} matches"
		"libc: wc said \"4 6 29 out.txt\""
		"libc: console test: this line goes to the log"
		"libc: TS_STDIO=log child on the log"
		"ramfs: /small unmounted"
		FORBID "check failed")
endif()
