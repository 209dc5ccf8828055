/*
 * The ELF auxiliary vector execve puts above the environment: each entry
 * is checked against what it describes (our own program headers read from
 * /proc/self/exe, _start, the credentials, the vDSO image).
 */
#include "check.h"
#include <elf.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/auxv.h>

extern char _start[];
extern char **environ;

/* The vector itself: it follows environ's terminating NULL. */
static Elf64_auxv_t *stack_auxv(char **envp)
{
	while (*envp)
		envp++;
	return (Elf64_auxv_t *)(envp + 1);
}

static int read_all(const char *path, void *buf, size_t len, off_t off)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = pread(fd, buf, len, off);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static void test_phdr_entry(void)
{
	static Elf64_Phdr file_ph[64];
	unsigned long phdr = getauxval(AT_PHDR), entry = getauxval(AT_ENTRY);
	unsigned long bias, want = 0;
	Elf64_Ehdr eh;
	int i, found = 0;

	CHECK(read_all("/proc/self/exe", &eh, sizeof(eh), 0) == 0 &&
	      !memcmp(eh.e_ident, ELFMAG, SELFMAG), "read our ELF header");
	CHECK(entry == (unsigned long)_start, "AT_ENTRY == &_start (%#lx, %p)", entry,
	      (void *)_start);
	bias = (unsigned long)_start - eh.e_entry;
	CHECK(eh.e_type == ET_EXEC ? bias == 0 : (bias & 4095) == 0,
	      "load bias %#lx fits the ELF type %d", bias, eh.e_type);
	CHECK(getauxval(AT_PHNUM) == eh.e_phnum, "AT_PHNUM == e_phnum (%lu)",
	      getauxval(AT_PHNUM));
	CHECK(getauxval(AT_PHENT) == sizeof(Elf64_Phdr), "AT_PHENT == sizeof(Elf64_Phdr)");
	if (eh.e_phnum > 64 || eh.e_phentsize != sizeof(Elf64_Phdr))
		return;
	CHECK(read_all("/proc/self/exe", file_ph, eh.e_phnum * sizeof(Elf64_Phdr),
		       eh.e_phoff) == 0, "read our program headers");
	/* the headers' address: the PT_LOAD that maps file offset e_phoff */
	for (i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr *ph = &file_ph[i];

		if (ph->p_type == PT_LOAD && ph->p_offset <= eh.e_phoff &&
		    eh.e_phoff < ph->p_offset + ph->p_filesz && !found) {
			want = bias + ph->p_vaddr + (eh.e_phoff - ph->p_offset);
			found = 1;
		}
	}
	CHECK(found && phdr == want, "AT_PHDR is where the headers are loaded (%#lx, %#lx)",
	      phdr, want);
	CHECK(phdr && !memcmp((void *)phdr, file_ph, eh.e_phnum * sizeof(Elf64_Phdr)),
	      "memory at AT_PHDR holds our program headers");
	CHECK(getauxval(AT_BASE) == 0, "AT_BASE 0: no interpreter for a static program");
}

static void test_values(char **argv)
{
	unsigned char *rnd = (unsigned char *)getauxval(AT_RANDOM);
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	const char *plat = (const char *)getauxval(AT_PLATFORM);
	struct stat a, b;
	int i, nonzero = 0;

	CHECK(getauxval(AT_PAGESZ) == 4096, "AT_PAGESZ 4096");
	CHECK(getauxval(AT_HWCAP) != 0, "AT_HWCAP nonzero (%#lx)", getauxval(AT_HWCAP));
	CHECK(getauxval(AT_CLKTCK) == 100, "AT_CLKTCK 100");
	CHECK(plat && !strcmp(plat, "x86_64"), "AT_PLATFORM x86_64");
	CHECK(rnd != NULL, "AT_RANDOM present");
	if (rnd) {
		for (i = 0; i < 16; i++)
			nonzero |= rnd[i];
		CHECK(nonzero, "AT_RANDOM: 16 readable bytes, not all zero");
	}
	CHECK(execfn && !strcmp(execfn, argv[0]), "AT_EXECFN is the path run (%s)",
	      execfn ? execfn : "(null)");
	CHECK(execfn && stat(execfn, &a) == 0 && stat("/proc/self/exe", &b) == 0 &&
	      a.st_ino == b.st_ino && a.st_dev == b.st_dev,
	      "AT_EXECFN names our executable");
	CHECK(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid(),
	      "AT_UID/AT_EUID == getuid/geteuid");
	CHECK(getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid(),
	      "AT_GID/AT_EGID == getgid/getegid");
	errno = 0;
	CHECK(getauxval(AT_SECURE) == 0 && errno == 0, "AT_SECURE present and 0");
	errno = 0;
	CHECK(getauxval(12345) == 0 && errno == ENOENT, "an absent type reads ENOENT");
}

/* The vDSO is optional in Linux; if offered it must be a whole ELF image. */
static void test_vdso(void)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)getauxval(AT_SYSINFO_EHDR);

	if (!eh) {
		CHECK(errno == ENOENT, "no AT_SYSINFO_EHDR: the entry is absent");
		return;
	}
	CHECK(((uintptr_t)eh & 4095) == 0, "vDSO is page aligned (%p)", (void *)eh);
	CHECK(!memcmp(eh->e_ident, ELFMAG, SELFMAG) && eh->e_ident[EI_CLASS] == ELFCLASS64,
	      "AT_SYSINFO_EHDR points at a 64-bit ELF header");
	CHECK(eh->e_type == ET_DYN && eh->e_machine == EM_X86_64,
	      "vDSO is an x86-64 shared object");
}

static void test_stack_vector(void)
{
	Elf64_auxv_t *v = stack_auxv(environ);
	int n, same = 1, has_null = 0;

	for (n = 0; n < 64 && v[n].a_type != AT_NULL; n++) {
		/* glibc answers these from its own (masked) copies */
		if (v[n].a_type == AT_HWCAP || v[n].a_type == AT_HWCAP2)
			continue;
		if (getauxval(v[n].a_type) != v[n].a_un.a_val) {
			check_say("# type %lu: stack %#lx, getauxval %#lx\n",
				  (unsigned long)v[n].a_type, (unsigned long)v[n].a_un.a_val,
				  getauxval(v[n].a_type));
			same = 0;
		}
	}
	has_null = n < 64;
	CHECK(has_null && n >= 10, "the vector after envp ends in AT_NULL (%d entries)", n);
	CHECK(same, "every entry on the stack matches getauxval");
}

/* Re-executed with a different argv[0]: AT_EXECFN is the path, not argv[0]. */
static int execfn_child(char **argv)
{
	const char *execfn = (const char *)getauxval(AT_EXECFN);

	return execfn && !strcmp(argv[0], "another-name") && !strcmp(execfn, argv[2]) ? 0 : 1;
}

int main(int argc, char **argv)
{
	char self[4096];
	ssize_t n;
	pid_t pid;

	if (argc > 2 && !strcmp(argv[1], "execfn"))
		return execfn_child(argv);
	test_phdr_entry();
	test_values(argv);
	test_vdso();
	test_stack_vector();

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = 0;
	pid = fork();
	if (pid == 0) {
		char *args[] = { "another-name", "execfn", self, NULL };

		execv(self, args);
		_exit(2);
	}
	CHECK(check_exited(check_wait(pid), 0),
	      "after exec with another argv[0], AT_EXECFN is the path");
	return check_done();
}
