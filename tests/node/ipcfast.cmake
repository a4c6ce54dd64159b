# The IPC fast path (docs/ipc.md, The fast path): send-and-wait and
# reply-and-wait on 1 and 2 harts (the test pins its tasks to hart 0).
if(TESSERA_GUEST)
	tessera_program(test_ipc_fast test_ipc_fast.c ttest.c)
	return()
endif()
foreach(n 1 2)
	tessera_node_test(NAME ipc_fast_smp${n} PROGRAM test_ipc_fast SMP ${n} TIMEOUT 90
		EXPECT "${PASS_LINE}" "fast: 100 calls, 100 \\+ 120 hand-offs")
endforeach()
