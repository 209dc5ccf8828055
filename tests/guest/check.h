/*
 * Tiny TAP-like helpers for the guest test programs.  Each check prints
 * one line, "ok - what" or "not ok - what (errno=N name, line L)", and
 * check_done() prints a summary and returns the exit status (1 if any
 * check failed).  Lines are written with a single write() so output is
 * neither lost nor duplicated across fork().
 */
#ifndef GUEST_CHECK_H
#define GUEST_CHECK_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* An invalid user pointer the compiler cannot see through. */
static void *volatile check_bad_ptr __attribute__((unused)) = (void *)1;
#define BAD_PTR ((void *)check_bad_ptr)

static int check_count;
static int check_failures;

static inline void check_say(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	if (n > 0 && write(1, buf, n) < 0)
		_exit(3);
}

static inline void check_report(int ok, int err, int line, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	check_count++;
	if (ok) {
		check_say("ok - %s\n", what);
	} else {
		check_failures++;
		check_say("not ok - %s (errno=%d %s, line %d)\n", what, err,
			  strerror(err), line);
	}
}

/* CHECK(cond, "printf-style description", ...) */
#define CHECK(cond, ...) do {						\
	int ok_ = !!(cond);						\
	int err_ = errno;						\
	check_report(ok_, err_, __LINE__, __VA_ARGS__);			\
} while (0)

/* The call must return -1 (or MAP_FAILED) with errno == err. */
#define EXPECT_ERR(call, err) do {					\
	errno = 0;							\
	long r_ = (long)(call);						\
	int err_ = errno;						\
	check_report(r_ == -1 && err_ == (err), err_, __LINE__,		\
		     "%s fails with %s (got %ld)", #call, #err, r_);	\
} while (0)

#define SKIP(why) check_report(1, 0, __LINE__, "skipped %s", why)

static inline int check_done(void)
{
	check_say("1..%d\n# %d checks, %d failed\n", check_count, check_count,
		  check_failures);
	return check_failures ? 1 : 0;
}

/* Wait for pid; returns the raw status or -1. */
static inline int check_wait(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* Status of a child that exited normally with code, as a boolean. */
static inline int check_exited(int status, int code)
{
	return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code;
}

static inline int check_killed(int status, int sig)
{
	return status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

/* Make a fresh scratch directory /tmp/ugt-<tag>-XXXXXX into buf. */
static inline char *check_tmpdir(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "/tmp/ugt-%s-XXXXXX", tag);
	if (!mkdtemp(buf)) {
		check_say("not ok - mkdtemp %s (errno=%d)\n", buf, errno);
		exit(1);
	}
	return buf;
}

/* Remove a directory tree (no symlink following). */
static inline void check_rmtree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char sub[4096];

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		unlink(path);
		return;
	}
	chmod(path, 0700);
	/* Reopen after each removal so deleting never races the scan. */
	for (;;) {
		sub[0] = 0;
		d = opendir(path);
		if (!d)
			break;
		while ((de = readdir(d))) {
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
				snprintf(sub, sizeof(sub), "%s/%s", path,
					 de->d_name);
				break;
			}
		}
		closedir(d);
		if (!sub[0])
			break;
		check_rmtree(sub);
		if (lstat(sub, &st) == 0)
			break;	/* cannot remove: give up */
	}
	rmdir(path);
}

#endif
