# The text console on the GPU (drivers/console, docs/console.md).
if(TESSERA_GUEST)
	if(TARGET console)
		tessera_program(test_console test_console.c)
	endif()
else()
	set(con_devs -device virtio-gpu-pci,xres=800,yres=600 -device virtio-keyboard-pci)
	# Draws known text (scrolling past a screenful); the QMP script checks
	# every pixel of the text area against the font.
	tessera_node_test(NAME console_gpu PROGRAM test_console ARGS draw SMP 2 TIMEOUT 120
		QEMU_ARGS ${con_devs}
		QMP_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/console_check.py
		EXPECT "console: info 100x37 cells, kind 2" "console: 0 checks failed"
			"console: console ready, output gpu, 1 input source"
		FORBID "check failed")
	# Keys typed through QMP reach a program through virtio-input and the
	# console.
	tessera_node_test(NAME console_input PROGRAM test_console ARGS type SMP 2 TIMEOUT 120
		QEMU_ARGS ${con_devs}
		QMP_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/console_type.py
		EXPECT "console: got \"Hello, Tessera! ~/a_b-c=1 \\\"quoted\\\"\""
		FORBID "check failed")
endif()

# The whole path on a booted node: init with console=gpu starts the shell on
# the GPU console; a command typed on the virtio keyboard runs and its
# output is found drawn on the screen.
if(NOT TESSERA_GUEST)
	tessera_node_test(NAME init_gpu PROGRAM init KERNEL_ARGS console=gpu SMP 2 TIMEOUT 120
		QEMU_ARGS ${con_devs}
		QMP_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/init_gpu.py
		EXPECT "init: console on gpu")
endif()
if(NOT TESSERA_GUEST)
	tessera_node_test(NAME init_uart PROGRAM init SMP 2 TIMEOUT 120 EXIT_STATUS 3
		QMP_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/init_uart.py
		EXPECT "init: console on uart" "^serial-ok" "^serial-oK!")
endif()
