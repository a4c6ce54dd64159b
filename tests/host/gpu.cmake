# virtio-gpu (drivers/gpu): the command queue and its response checks
# (vgpu_cmd.c) against a fake controlq; spec layouts from the host's
# <linux/virtio_gpu.h>.
tessera_host_test(test_gpu_cmd test_gpu_cmd.c fake_virtq.c ${TESSERA_ROOT}/drivers/gpu/vgpu_cmd.c
	${TESSERA_ROOT}/drivers/virtio/virtq.c ${TESSERA_ROOT}/drivers/virtio/virtio.c)
target_include_directories(test_gpu_cmd PRIVATE ${TESSERA_ROOT}/drivers/gpu/include
	${TESSERA_ROOT}/drivers/virtio/include)
