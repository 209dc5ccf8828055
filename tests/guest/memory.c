/* Address space: brk, mmap, munmap, mprotect, mremap, msync, madvise. */
#include "check.h"
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

static char dir[64];
static long pg;

static sigjmp_buf fault_jmp;
static volatile int fault_sig, fault_code;
static void *volatile fault_addr;

static void fault_handler(int sig, siginfo_t *si, void *uc)
{
	fault_sig = sig;
	fault_code = si->si_code;
	fault_addr = si->si_addr;
	siglongjmp(fault_jmp, 1);
}

/* Returns 1 if writing (write=1) or reading addr faults. */
static int faults(void *addr, int write)
{
	fault_sig = 0;
	fault_addr = NULL;
	if (sigsetjmp(fault_jmp, 1) == 0) {
		if (write)
			*(volatile char *)addr = 1;
		else
			(void)*(volatile char *)addr;
		return 0;
	}
	return 1;
}

static int all_bytes(const char *p, size_t n, char c)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

static void test_brk(void)
{
	char *cur, *old, *now;

	cur = (char *)syscall(SYS_brk, 0);
	CHECK(cur != NULL && cur != (char *)-1, "brk(0) returns the break");
	now = (char *)syscall(SYS_brk, cur + 64 * 1024);
	CHECK(now == cur + 64 * 1024, "brk grows by 64 KiB");
	memset(cur, 0x5a, 64 * 1024);
	CHECK(all_bytes(cur, 64 * 1024, 0x5a), "new brk area is writable");
	now = (char *)syscall(SYS_brk, cur + 4096);
	CHECK(now == cur + 4096, "brk shrinks");
	CHECK(faults(cur + 32 * 1024, 0), "memory above a shrunk break faults");
	now = (char *)syscall(SYS_brk, cur + 64 * 1024);
	CHECK(now == cur + 64 * 1024 && all_bytes(cur + 8192, 4096, 0),
	      "regrown brk memory is zeroed");
	CHECK((char *)syscall(SYS_brk, (char *)1) == cur + 64 * 1024,
	      "invalid brk leaves the break unchanged");
	syscall(SYS_brk, cur);

	old = sbrk(0);
	CHECK(sbrk(8192) == old && sbrk(0) == old + 8192, "sbrk grows");
	old[8191] = 1;
	CHECK(sbrk(-8192) == old + 8192 && sbrk(0) == old, "sbrk shrinks");
}

static void test_anon(void)
{
	char *p, *q;

	p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p != MAP_FAILED && ((uintptr_t)p % pg) == 0, "mmap anonymous 3 pages");
	CHECK(all_bytes(p, 3 * pg, 0), "anonymous memory starts zeroed");
	memset(p, 'a', 3 * pg);
	CHECK(all_bytes(p, 3 * pg, 'a'), "anonymous memory is writable");

	q = mmap(p + pg, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_FIXED, -1, 0);
	CHECK(q == p + pg, "MAP_FIXED at the middle page");
	CHECK(all_bytes(p + pg, pg, 0) && all_bytes(p, pg, 'a') &&
	      all_bytes(p + 2 * pg, pg, 'a'), "MAP_FIXED replaced only the middle page");
	q = mmap(p, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		 -1, 0);
	CHECK(q == MAP_FAILED && errno == EEXIST, "MAP_FIXED_NOREPLACE -> EEXIST");

	CHECK(munmap(p + pg, pg) == 0, "munmap middle page");
	CHECK(faults(p + pg + 10, 0) && fault_sig == SIGSEGV &&
	      fault_addr == p + pg + 10 && fault_code == SEGV_MAPERR,
	      "access to unmapped page -> SIGSEGV MAPERR at the address");
	CHECK(!faults(p, 0) && !faults(p + 2 * pg, 1), "neighbours still mapped");

	CHECK(mprotect(p, pg, PROT_READ) == 0, "mprotect PROT_READ");
	CHECK(!faults(p, 0) && p[5] == 'a', "read-only page readable");
	CHECK(faults(p + 5, 1) && fault_sig == SIGSEGV && fault_code == SEGV_ACCERR &&
	      fault_addr == p + 5, "write to read-only page -> SIGSEGV ACCERR");
	CHECK(mprotect(p, pg, PROT_NONE) == 0 && faults(p, 0), "PROT_NONE read faults");
	CHECK(mprotect(p, pg, PROT_READ | PROT_WRITE) == 0 && !faults(p, 1) &&
	      p[6] == 'a', "mprotect back to read-write keeps contents");
	EXPECT_ERR(mprotect(p + 1, pg, PROT_READ), EINVAL);
	EXPECT_ERR(mprotect(p + pg, pg, PROT_READ), ENOMEM);
	EXPECT_ERR(munmap(p + 1, pg), EINVAL);
	CHECK(munmap(p, 3 * pg) == 0, "munmap range including a hole");
	CHECK(faults(p, 0) && faults(p + 2 * pg, 0), "whole range unmapped");
	CHECK(munmap(p, pg) == 0, "munmap of unmapped memory succeeds");

	/* madvise DONTNEED */
	p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 'm', 2 * pg);
	CHECK(madvise(p, pg, MADV_DONTNEED) == 0, "madvise MADV_DONTNEED");
	CHECK(all_bytes(p, pg, 0) && all_bytes(p + pg, pg, 'm'),
	      "MADV_DONTNEED zeroes only the advised page");
	munmap(p, 2 * pg);

	/* mremap */
	p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (long i = 0; i < 2 * pg; i++)
		p[i] = i % 251;
	EXPECT_ERR(mremap(p, pg, 2 * pg, 0), ENOMEM);
	q = mremap(p, 2 * pg, 64 * pg, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED, "mremap grow with MREMAP_MAYMOVE");
	{
		int same = 1;

		for (long i = 0; i < 2 * pg; i++)
			if (q[i] != (char)(i % 251))
				same = 0;
		CHECK(same, "mremap keeps the contents");
	}
	CHECK(all_bytes(q + 2 * pg, 62 * pg, 0), "grown part is zeroed");
	q[64 * pg - 1] = 1;
	p = mremap(q, 64 * pg, pg, 0);
	CHECK(p == q && p[1] == 1, "mremap shrink in place");
	CHECK(faults(q + 2 * pg, 0), "shrunk tail unmapped");
	munmap(p, pg);

	/* error cases */
	p = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p == MAP_FAILED && errno == EINVAL, "mmap length 0 -> EINVAL");
	p = mmap(NULL, pg, PROT_READ, MAP_ANONYMOUS, -1, 0);
	CHECK(p == MAP_FAILED && errno == EINVAL, "mmap without PRIVATE/SHARED -> EINVAL");
	p = mmap((void *)0x10001, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0);
	CHECK(p == MAP_FAILED && errno == EINVAL, "unaligned MAP_FIXED -> EINVAL");
	p = mmap(NULL, 1UL << 62, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(p == MAP_FAILED && errno == ENOMEM, "huge mmap -> ENOMEM");
	p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, 1000, 0);
	CHECK(p == MAP_FAILED && errno == EBADF, "mmap of a bad fd -> EBADF");
}

static void test_fork_sharing(void)
{
	char *priv, *shared;
	pid_t pid;

	priv = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	shared = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(priv != MAP_FAILED && shared != MAP_FAILED, "mmap private and shared");
	strcpy(priv, "parent");
	strcpy(shared, "parent");
	pid = fork();
	if (pid == 0) {
		int bad = strcmp(priv, "parent") || strcmp(shared, "parent");

		strcpy(priv, "child");
		strcpy(shared, "child");
		_exit(bad);
	}
	CHECK(check_exited(check_wait(pid), 0), "child sees parent's memory");
	CHECK(!strcmp(priv, "parent"), "MAP_PRIVATE is copy-on-write across fork");
	CHECK(!strcmp(shared, "child"), "MAP_SHARED anonymous is shared across fork");
	munmap(priv, pg);
	munmap(shared, pg);
}

static void test_file(void)
{
	char path[128], buf[64], *p;
	int fd, rfd;

	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(fd >= 0, "create file");
	CHECK(ftruncate(fd, 2 * pg) == 0, "size 2 pages");
	CHECK(pwrite(fd, "file-data", 9, 0) == 9 && pwrite(fd, "page-two", 8, pg) == 8,
	      "write file content");

	p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED, "mmap file MAP_PRIVATE");
	CHECK(!memcmp(p, "file-data", 9) && !memcmp(p + pg, "page-two", 8),
	      "private mapping sees file content");
	memcpy(p, "PRIVATE", 7);
	CHECK(pread(fd, buf, 9, 0) == 9 && !memcmp(buf, "file-data", 9),
	      "private writes do not reach the file");
	munmap(p, 2 * pg);

	p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, pg);
	CHECK(p != MAP_FAILED && !memcmp(p, "page-two", 8), "mmap at a file offset");
	munmap(p, pg);
	p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, fd, 100);
	CHECK(p == MAP_FAILED && errno == EINVAL, "unaligned file offset -> EINVAL");

	p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "mmap file MAP_SHARED");
	memcpy(p + 100, "SHARED!", 7);
	memcpy(p + pg + 8, "-tail", 5);
	CHECK(msync(p, 2 * pg, MS_SYNC) == 0, "msync MS_SYNC");
	CHECK(pread(fd, buf, 7, 100) == 7 && !memcmp(buf, "SHARED!", 7),
	      "shared write reaches the file");
	rfd = open(path, O_RDONLY);
	CHECK(pread(rfd, buf, 13, pg) == 13 && !memcmp(buf, "page-two-tail", 13),
	      "read() through another fd sees it");
	CHECK(munmap(p, 2 * pg) == 0, "munmap shared");
	EXPECT_ERR(msync(p, pg, MS_SYNC), ENOMEM);

	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
	CHECK(p == MAP_FAILED && errno == EACCES,
	      "writable MAP_SHARED of a read-only fd -> EACCES");
	p = mmap(NULL, pg, PROT_READ, MAP_SHARED, rfd, 0);
	CHECK(p != MAP_FAILED && !memcmp(p + 100, "SHARED!", 7),
	      "read-only shared mapping of a read-only fd");
	close(rfd);
	CHECK(p[0] == 'f', "mapping survives closing the fd");
	munmap(p, pg);
	close(fd);
}

/* One page cache: read(), write() and every shared mapping of a file see
 * the same bytes at once, with no msync, even in unrelated processes. */
static void test_shared_coherence(void)
{
	char path[128], buf[16], *p;
	int fd, status, sync_pipe[2];
	pid_t pid;

	snprintf(path, sizeof(path), "%s/coherent", dir);
	fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
	CHECK(fd >= 0 && ftruncate(fd, pg) == 0, "create a one-page file");
	p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "map it shared");
	CHECK(pwrite(fd, "WRITTEN", 7, 0) == 7 && !memcmp(p, "WRITTEN", 7),
	      "write() shows in the mapping at once");
	memcpy(p + 64, "STORED", 6);
	CHECK(pread(fd, buf, 6, 64) == 6 && !memcmp(buf, "STORED", 6),
	      "a store shows in read() at once");
	CHECK(pipe(sync_pipe) == 0, "pipe");
	pid = fork();
	if (pid == 0) {
		/* A process that maps the file on its own, not by inheritance. */
		int cfd = open(path, O_RDWR);
		char *q = cfd < 0 ? MAP_FAILED :
			  mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
		if (q == MAP_FAILED)
			_exit(1);
		memcpy(q + 128, "FROM-CHILD", 10);
		_exit(write(sync_pipe[1], "x", 1) == 1 && !memcmp(q, "WRITTEN", 7) ? 0 : 2);
	}
	CHECK(read(sync_pipe[0], buf, 1) == 1, "child mapped and stored");
	CHECK(!memcmp(p + 128, "FROM-CHILD", 10), "another process's store shows in our mapping");
	status = check_wait(pid);
	CHECK(check_exited(status, 0), "child saw our write in its own mapping");
	close(sync_pipe[0]);
	close(sync_pipe[1]);
	CHECK(ftruncate(fd, 0) == 0 && ftruncate(fd, pg) == 0 && p[0] == 0 && p[64] == 0,
	      "truncate and regrow: the mapping reads zeros");
	munmap(p, pg);
	close(fd);
}

int main(void)
{
	struct sigaction sa;

	pg = sysconf(_SC_PAGESIZE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	check_tmpdir(dir, sizeof(dir), "memory");
	test_brk();
	test_anon();
	test_fork_sharing();
	test_file();
	test_shared_coherence();
	check_rmtree(dir);
	return check_done();
}
