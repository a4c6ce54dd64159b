# The console handover and the ns16550 driver (drivers/uart, docs/uart.md):
# test_uart owns the kernel log ring itself (claim rules, overflow, a bad
# klog_read buffer), then starts the `uart` driver: log lines of four tasks,
# input typed on the serial line read through OP_READ, OP_WRITE/INFO and bad
# requests, the driver killed.  uart_panic*: a panic after the handover.
if(TESSERA_GUEST)
	if(TARGET uart_lib)
		tessera_program(test_uart test_uart.c ttest.c)
		target_link_libraries(test_uart PRIVATE uart_lib)
	endif()
	return()
endif()

set(uart_in "uart-in-7f3a")
set(uart_expect
	"${PASS_LINE}"
	"uart: ns16550 at 0x10000000, receive interrupts, kernel console handed over"
	"claim_rules: granted owner's line, written out when it ends"
	# The kernel wrote out the ring given back unread: the marker, then
	# whole lines up to the last one.
	"\\x5bklog: [0-9]+ bytes lost\\x5d\n\\x5btest_uart:[0-9]+\\x5d ring2 [0-9]{5} x{80}\n"
	"\\x5d ring2 00999 x{80}\n"
	"ring_overflow: [0-9]+ bytes lost of 1000 lines of [0-9]+ bytes, [0-9]+ kept"
	# Written out when the owner was killed, in order, then the kernel again.
	"\\x5d bad_klog_buffer: unread line of the owner\ntask test_uart \\(tid [0-9]+\\) killed: bad klog buffer"
	"bad_klog_buffer: the kernel writes again"
	"driver_lines: 4 tasks x 64 lines through the driver"
	"driver_read: 12 bytes \"${uart_in}\""
	"driver_write: bytes through OP_WRITE"
	"kill_owner: the kernel writes after the driver died")
foreach(k RANGE 3)
	foreach(i RANGE 63)
		list(APPEND uart_expect "\\x5d lines: task ${k} line ${i} of 64\n")
	endforeach()
endforeach()
tessera_node_test(NAME uart PROGRAM test_uart ARGS ${uart_in} SMP 2 TIMEOUT 120
	STDIN_TEXT ${uart_in} STDIN_AFTER "driver_read: 3 reads in flight"
	EXPECT ${uart_expect}
	FORBID "check failed" "FAIL ")

set(uart_panic_expect
	"kernel console handed over"
	"(?s)panic_order: line 19\n.*kernel panic on hart [0-9]+: debug: panic requested by test_uart"
	"stack trace")
foreach(i RANGE 19)
	list(APPEND uart_panic_expect "\\x5d panic_order: line ${i}\n")
endforeach()
tessera_node_test(NAME uart_panic PROGRAM test_uart ARGS panic SMP 2 ALLOW_PANIC EXIT_STATUS 99
	EXPECT ${uart_panic_expect})
# The same with the test itself as the owner, which never reads: the lines
# can only come from the ring the panic writes out.
list(REMOVE_AT uart_panic_expect 0)
tessera_node_test(NAME uart_panic_unread PROGRAM test_uart ARGS panic_unread SMP 2 ALLOW_PANIC
	EXIT_STATUS 99 EXPECT ${uart_panic_expect})
