/* ELF header checks on real binaries, and the initial stack layout. */
#include <elf.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include "unit.h"
#include "task/elf.h"

static int check_file(const char *path)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1000;
	memset(&eh, 0, sizeof(eh));
	if (read(fd, &eh, sizeof(eh)) < 0)
		eh.e_ident[0] = 0;
	close(fd);
	return elf_check_header(&eh);
}

static void test_headers(void)
{
	Elf64_Ehdr eh;

	CHECK_EQ(check_file("/bin/busybox"), 0);		/* static */
	CHECK_EQ(check_file("/bin/ls"), 0);			/* dynamic PIE */
	CHECK_EQ(check_file("build/stub"), 0);			/* our stub */
	CHECK_EQ(check_file("/etc/passwd"), -ENOEXEC);		/* text */
	CHECK_EQ(check_file("tools/mkimage.sh"), -ENOEXEC);	/* a script */

	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_machine = EM_X86_64;
	eh.e_type = ET_EXEC;
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 3;
	CHECK_EQ(elf_check_header(&eh), 0);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	CHECK_EQ(elf_check_header(&eh), -ENOEXEC);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_machine = EM_AARCH64;
	CHECK_EQ(elf_check_header(&eh), -ENOEXEC);
	eh.e_machine = EM_X86_64;
	eh.e_type = ET_REL;
	CHECK_EQ(elf_check_header(&eh), -ENOEXEC);
	eh.e_type = ET_DYN;
	eh.e_phnum = ELF_MAX_PHDRS + 1;
	CHECK_EQ(elf_check_header(&eh), -ENOEXEC);
	eh.e_phnum = 0;
	CHECK_EQ(elf_check_header(&eh), -ENOEXEC);
}

static void test_phdr_addr(void)
{
	struct elf_image img;

	memset(&img, 0, sizeof(img));
	img.ehdr.e_phoff = 64;
	img.phnum = 1;
	img.phdr[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = 0, .p_vaddr = 0x400000,
				    .p_filesz = 0x1000 };
	CHECK_EQ(elf_phdr_addr(&img, 0), 0x400040);
	CHECK_EQ(elf_phdr_addr(&img, 0x1000), 0x401040);
	img.phnum = 2;
	img.phdr[1] = (Elf64_Phdr){ .p_type = PT_PHDR, .p_vaddr = 0x400040 };
	CHECK_EQ(elf_phdr_addr(&img, 0x10), 0x400050);
}

static void test_stack(void)
{
	static uint8_t buf[65536];
	const uint64_t top = 0x7ff00000;
	char *argv[] = { "prog", "arg one", NULL };
	char *envp[] = { "A=1", "PATH=/bin", NULL };
	uint64_t auxv[] = { AT_PAGESZ, 4096, AT_ENTRY, 0x401000 };
	uint8_t rnd[16] = { 1, 2, 3 };
	struct stack_args a = { argv, 2, envp, 2, "/bin/prog", auxv, 2, rnd };
	uint64_t as, ae, es, ee, sp;

	sp = elf_build_stack(buf, sizeof(buf), top, &a, &as, &ae, &es, &ee);
	CHECK(sp != 0);
	CHECK_EQ(sp % 16, 0);
#define AT(addr) (buf + ((addr) - (top - sizeof(buf))))
	uint64_t *w = (uint64_t *)AT(sp);
	CHECK_EQ(w[0], 2);					/* argc */
	CHECK_STR((char *)AT(w[1]), "prog");
	CHECK_STR((char *)AT(w[2]), "arg one");
	CHECK_EQ(w[3], 0);
	CHECK_STR((char *)AT(w[4]), "A=1");
	CHECK_STR((char *)AT(w[5]), "PATH=/bin");
	CHECK_EQ(w[6], 0);
	CHECK_EQ(w[7], AT_PAGESZ);
	CHECK_EQ(w[8], 4096);
	CHECK_EQ(w[9], AT_ENTRY);
	CHECK_EQ(w[10], 0x401000);
	/* AT_RANDOM, AT_EXECFN, AT_PLATFORM and AT_NULL follow. */
	int found_random = 0, found_execfn = 0, found_null = 0;
	for (int i = 11; i < 40; i += 2) {
		if (w[i] == AT_RANDOM && !memcmp(AT(w[i + 1]), rnd, 16))
			found_random = 1;
		if (w[i] == AT_EXECFN && !strcmp((char *)AT(w[i + 1]), "/bin/prog"))
			found_execfn = 1;
		if (w[i] == AT_NULL) {
			found_null = 1;
			break;
		}
	}
	CHECK(found_random);
	CHECK(found_execfn);
	CHECK(found_null);
	/* /proc/PID/cmdline range: "prog\0arg one\0" */
	CHECK_EQ(ae - as, 13);
	CHECK(!memcmp(AT(as), "prog\0arg one\0", 13));
	CHECK_EQ(ee - es, 14);
	/* Too small a buffer fails cleanly. */
	CHECK_EQ(elf_build_stack(buf, 64, top, &a, &as, &ae, &es, &ee), 0);
}

int main(void)
{
	test_headers();
	test_phdr_addr();
	test_stack();
	return unit_done();
}
