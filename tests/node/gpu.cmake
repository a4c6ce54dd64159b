# virtio-gpu (drivers/gpu, docs/gpu.md): QEMU's virtio-gpu at 800x600;
# test_gpu starts pci, which spawns virtio-gpu (gpu0), checks INFO and the
# error cases, draws a known pattern (OP_WRITE by COPY/MOVE/SHARE, 8x16 cells,
# OP_MAP), then stays up; gpu_check.py takes a screendump, checks the pixels
# and quits QEMU.  The PNG is kept as test-logs/node_gpu.screen.png.
if(TESSERA_GUEST)
	if(TARGET vgpu_lib)
		tessera_program(test_gpu test_gpu.c ttest.c)
	endif()
else()
	tessera_node_test(NAME gpu PROGRAM test_gpu ARGS "800 600" SMP 2 TIMEOUT 120
		QEMU_ARGS -device virtio-gpu-pci,xres=800,yres=600
		QMP_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/gpu_check.py
		EXPECT "${PASS_LINE}" "gpu: pattern drawn"
		"virtio-gpu [0-9a-f:.]+: gpu0: 800x600 on scanout 0, queue [0-9]+, interrupts"
		"gpu: info 800x600 stride 3200 format 1 size 1921024"
		"gpu: errors: outside, empty, wrong length, no data -> invalid argument, map too big -> argument too large"
		"gpu: pattern written by COPY, MOVE and SHARE"
		"gpu: gradient drawn through OP_MAP \\(2 windows\\)"
		FORBID "virtio-gpu: " "FAIL ")
endif()
