/*
 * exitcode: end with the status given as the first argument (0 without
 * one), after writing the other arguments, one per line in brackets, to
 * standard output.  The shell's tests use it for `$?` and argument passing:
 *
 *   exitcode 3 "a b" c   prints "[a b]\n[c]\n", exits with 3
 */
#include <stdio.h>
#include <stdlib.h>

int
main(int argc, char **argv)
{
	for (int i = 2; i < argc; i++)
		printf("[%s]\n", argv[i]);
	return argc > 1 ? atoi(argv[1]) : 0;
}
