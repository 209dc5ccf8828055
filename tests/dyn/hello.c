/* A dynamically linked program: exercises PT_INTERP, the loader's auxv
 * needs (AT_PHDR, AT_BASE, AT_ENTRY, AT_RANDOM) and shared libc. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>

int main(int argc, char **argv)
{
	printf("dyn-hello argc=%d arg1=%s base=%s random=%s\n", argc, argc > 1 ? argv[1] : "",
	       getauxval(AT_BASE) ? "set" : "zero", getauxval(AT_RANDOM) ? "set" : "zero");
	return 0;
}
