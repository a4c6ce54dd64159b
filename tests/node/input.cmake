# virtio-input (drivers/input, docs/input.md): a virtio keyboard and a
# virtio tablet; test_input starts pci, which spawns virtio-input for each;
# the QMP script input_type.py types a line, a key and moves the tablet.
if(TESSERA_GUEST)
	if(TARGET vinput_lib)
		tessera_program(test_input test_input.c ttest.c)
		target_link_libraries(test_input PRIVATE vinput_lib)
	endif()
else()
	tessera_node_test(NAME input PROGRAM test_input SMP 2 TIMEOUT 240
		QMP_SCRIPT ${CMAKE_CURRENT_SOURCE_DIR}/input_type.py
		QEMU_ARGS -device virtio-keyboard-pci -device virtio-tablet-pci
		EXPECT "${PASS_LINE}"
		"virtio-input [0-9a-f:.]+: input[01]: keyboard \"QEMU Virtio Keyboard\", events 0x[0-9a-f]+, queue [0-9]+, interrupts"
		"virtio-input [0-9a-f:.]+: input[01]: pointer \"QEMU Virtio Tablet\", events 0x[0-9a-f]+, queue [0-9]+, interrupts"
		"input: keyboard input[01] \"QEMU Virtio Keyboard\", pointer input[01] \"QEMU Virtio Tablet\""
		"input: errors: bad offset/length/data -> invalid argument"
		"input: got \"Hello, World! 123\""
		"input: raw: 78 events of the typed line match"
		"input: raw: KEY_Z down/up, 82 events, 0 dropped"
		"input: pointer: ABS_X 1000, ABS_Y 2000, BTN_LEFT down/up"
		FORBID "virtio-input: " "FAIL ")
endif()
