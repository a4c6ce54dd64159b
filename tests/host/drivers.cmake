# Driver libraries (drivers/blk, net, input: virtio_*.c) with their
# completion paths against a fake virtio PCI function (vdev.c) and the
# spec-side virtqueue (fake_virtq.c): used lengths and status bytes that
# lie.  The GPU's command queue has its own test (gpu.cmake).
set(VDEV_SRC fake_virtq.c vdev.c ${VIRTQ_SRC} ${VIRTIO_DIR}/virtio.c)
foreach(drv blk net input)
	set(name test_v${drv})
	tessera_host_test(${name} ${name}.c ${VDEV_SRC} ${TESSERA_ROOT}/drivers/${drv}/virtio_${drv}.c)
	target_include_directories(${name} PRIVATE ${VIRTIO_DIR}/include
		${TESSERA_ROOT}/drivers/pci/include ${TESSERA_ROOT}/drivers/${drv}/include)
endforeach()
