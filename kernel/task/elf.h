/* ELF image parsing and the initial process stack: pure functions, so they
 * are unit-tested without a guest. */
#ifndef TASK_ELF_H
#define TASK_ELF_H
#include <elf.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_PHDRS 64

struct elf_image {
	Elf64_Ehdr ehdr;
	Elf64_Phdr phdr[ELF_MAX_PHDRS];
	int phnum;
	char interp[256];	/* PT_INTERP path, "" if static */
	uint64_t min_vaddr, max_vaddr;	/* page-aligned span of PT_LOADs */
};

/* Validate an x86-64 ELF header; -ENOEXEC if it is not one we run. */
int elf_check_header(const Elf64_Ehdr *eh);
/* The address of the program headers in memory, given the load bias. */
uint64_t elf_phdr_addr(const struct elf_image *img, uint64_t bias);

struct stack_args {
	char **argv;		/* kernel copies of the strings */
	int argc;
	char **envp;
	int envc;
	const char *execfn;
	const uint64_t *auxv;	/* (type, value) pairs before AT_RANDOM etc. */
	int nauxv;		/* number of pairs */
	const uint8_t *random16;
};

/* Lay out argc/argv/envp/auxv and the strings below top, as Linux does.
 * buf is a scratch buffer of size len that will hold [sp, top). Returns
 * the new stack pointer, or 0 if it does not fit. arg/env ranges are set
 * for /proc/PID/cmdline and environ. */
uint64_t elf_build_stack(uint8_t *buf, size_t len, uint64_t top, const struct stack_args *a,
			 uint64_t *arg_start, uint64_t *arg_end, uint64_t *env_start,
			 uint64_t *env_end);
#endif
