# Supervision and orderly shutdown (issue 13 items 4, 7-10, 13): cluster/launch
# --exec scripts that kill servers and init, checked on the host
# (tests/node/super_exec.py).
if(NOT TESSERA_GUEST)
	foreach(c shutdown_init shutdown_poweroff restart bad_disk blk_death umount_dead)
		add_test(NAME node_super_${c}
			COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/super_exec.py
				--build-dir ${CMAKE_BINARY_DIR} --work ${CMAKE_BINARY_DIR}/test-logs/super
				--case ${c})
		set_tests_properties(node_super_${c} PROPERTIES LABELS node TIMEOUT 240)
	endforeach()
endif()
# ^C through the serial line ends the foreground program (status 130); the
# shell survives the console server's death (tests/node/super_intr.py).
if(NOT TESSERA_GUEST)
	tessera_node_test(NAME super_intr PROGRAM init SMP 2 TIMEOUT 120 EXIT_STATUS 4
		QMP_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/super_intr.py
		EXPECT "^st=130" "^wc=130" "^prompt=130" "^reconnected")
endif()
# console=gpu: the GPU and keyboard drivers are killed and restarted by the
# PCI server; the console attaches again; ^C on the keyboard (super_gpu.py).
if(NOT TESSERA_GUEST)
	tessera_node_test(NAME super_gpu PROGRAM init KERNEL_ARGS console=gpu SMP 2 TIMEOUT 120
		QEMU_ARGS -device virtio-gpu-pci,xres=800,yres=600 -device virtio-keyboard-pci
		QMP_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/super_gpu.py
		EXPECT "console: gpu0 back" "console: input input0 back"
			"pci: restart 00:0.\\.0 -> driver virtio-gpu \\(started")
endif()
