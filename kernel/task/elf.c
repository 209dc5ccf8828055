/* ELF headers and the initial stack image. */
#include <errno.h>
#include <string.h>
#include "task/elf.h"

int elf_check_header(const Elf64_Ehdr *eh)
{
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64 ||
	    (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) ||
	    eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phnum == 0 || eh->e_phnum > ELF_MAX_PHDRS)
		return -ENOEXEC;
	return 0;
}

uint64_t elf_phdr_addr(const struct elf_image *img, uint64_t bias)
{
	for (int i = 0; i < img->phnum; i++)
		if (img->phdr[i].p_type == PT_PHDR)
			return img->phdr[i].p_vaddr + bias;
	/* No PT_PHDR: find the PT_LOAD that maps the header's file offset. */
	for (int i = 0; i < img->phnum; i++) {
		const Elf64_Phdr *ph = &img->phdr[i];
		if (ph->p_type == PT_LOAD && ph->p_offset <= img->ehdr.e_phoff &&
		    img->ehdr.e_phoff < ph->p_offset + ph->p_filesz)
			return ph->p_vaddr + bias + (img->ehdr.e_phoff - ph->p_offset);
	}
	return 0;
}

uint64_t elf_build_stack(uint8_t *buf, size_t len, uint64_t top, const struct stack_args *a,
			 uint64_t *arg_start, uint64_t *arg_end, uint64_t *env_start,
			 uint64_t *env_end)
{
	uint64_t base = top - len;		/* guest address of buf[0] */
	uint64_t pos = top, sp;
	uint64_t argp[a->argc + 1], envp[a->envc + 1];
	uint64_t execfn_addr, random_addr, platform_addr;
	size_t words;

#define PUSH_BYTES(src, n) do {						\
		if (pos - (n) < base)					\
			return 0;					\
		pos -= (n);						\
		memcpy(buf + (pos - base), (src), (n));			\
	} while (0)

	static const char end_marker[8];

	PUSH_BYTES(end_marker, 8);
	PUSH_BYTES(a->execfn, strlen(a->execfn) + 1);
	execfn_addr = pos;
	*env_end = pos;
	for (int i = a->envc - 1; i >= 0; i--) {
		PUSH_BYTES(a->envp[i], strlen(a->envp[i]) + 1);
		envp[i] = pos;
	}
	*env_start = pos;
	*arg_end = pos;
	for (int i = a->argc - 1; i >= 0; i--) {
		PUSH_BYTES(a->argv[i], strlen(a->argv[i]) + 1);
		argp[i] = pos;
	}
	*arg_start = pos;
	PUSH_BYTES("x86_64", 7);
	platform_addr = pos;
	PUSH_BYTES(a->random16, 16);
	random_addr = pos;
	pos &= ~15UL;

	/* argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL pair. */
	words = 1 + a->argc + 1 + a->envc + 1 + 2 * (a->nauxv + 4);
	sp = (pos - words * 8) & ~15UL;
	if (sp < base)
		return 0;
	uint64_t *w = (uint64_t *)(buf + (sp - base));
	size_t i = 0;
	w[i++] = a->argc;
	for (int k = 0; k < a->argc; k++)
		w[i++] = argp[k];
	w[i++] = 0;
	for (int k = 0; k < a->envc; k++)
		w[i++] = envp[k];
	w[i++] = 0;
	for (int k = 0; k < a->nauxv; k++) {
		w[i++] = a->auxv[2 * k];
		w[i++] = a->auxv[2 * k + 1];
	}
	w[i++] = AT_RANDOM;
	w[i++] = random_addr;
	w[i++] = AT_EXECFN;
	w[i++] = execfn_addr;
	w[i++] = AT_PLATFORM;
	w[i++] = platform_addr;
	w[i++] = AT_NULL;
	w[i++] = 0;
	/* Zero the alignment padding between the tables and the strings. */
	memset(buf + (sp - base) + i * 8, 0, pos - (sp + i * 8));
	return sp;
#undef PUSH_BYTES
}
