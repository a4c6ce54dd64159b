# The US key map of the input server (drivers/input/keymap.c, docs/input.md):
# event sequences -> exact bytes.  Key codes from the host's
# <linux/input-event-codes.h> (the same list as the riscv64 cross headers).
tessera_host_test(test_keymap test_keymap.c ${TESSERA_ROOT}/drivers/input/keymap.c)
target_include_directories(test_keymap PRIVATE ${TESSERA_ROOT}/drivers/input/include)
