# netproxy (netproxy/, docs/netproxy.md): two nodes joined directly by a
# QEMU dgram unix-socket pair (no switch, no host network), driven by
# tests/node/np_pair.py: they form, exchange ECHO and names, a killed node
# is noticed within 3 s and comes back; the same through the virtio-net
# server (ipc); a node with another key is refused.
if(TESSERA_GUEST)
	if(TARGET netproxy)
		tessera_program(test_np test_np.c)
	endif()
	return()
endif()
if(NOT EXISTS ${CMAKE_SOURCE_DIR}/third_party/lwip/src/Filelists.cmake)
	message(WARNING "netproxy node tests skipped: run ci/deps (lwIP, mbedTLS sources)")
	return()
endif()
set(np_sock_dir ${CMAKE_CURRENT_BINARY_DIR})
foreach(scenario pair ipc wrongkey)
	add_test(NAME node_netproxy_${scenario}
		COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/np_pair.py
			--kernel ${TESSERA_KERNEL} --initrd ${TESSERA_INITRD}
			--name node_netproxy_${scenario} --scenario ${scenario}
			--log-dir ${TESSERA_TEST_LOG_DIR} --sock-dir ${np_sock_dir} --timeout 150)
	set_tests_properties(node_netproxy_${scenario} PROPERTIES TIMEOUT 180
		LABELS "node;netproxy" SKIP_RETURN_CODE 77)
endforeach()
# init on a real cluster node: pci hold=net, nic=, default exports and
# boot.export, names gone while the peer is down (np_init.py).
include(${CMAKE_SOURCE_DIR}/cmake/TesseraClusterTest.cmake)
tessera_cluster_test(NAME netproxy_init NODES 2 SCRIPT np_init.py TIMEOUT 240 LABELS netproxy)
