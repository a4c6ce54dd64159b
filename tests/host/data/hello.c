/* Tiny user program used as ELF test data: text, rodata, data and bss. */
const char msg[] = "hello from tessera";
int counter = 7;
char buf[8192];

void
_start(void)
{
	for (unsigned i = 0; i < sizeof(msg); i++)
		buf[i] = msg[i] + (char)counter;
	for (;;)
		__asm__ volatile("wfi");
}
