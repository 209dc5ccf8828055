/* The umid directory <uml_dir><umid>/ holding "pid" and the "mconsole"
 * socket (uml-compat.md §3.11). A directory whose pid is dead is stale and
 * reclaimed; one whose kernel is alive is refused. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cmdline.h"
#include "lib/hostfile.h"
#include "mconsole/internal.h"

static char name[64];
static char dir[4096];		/* "<uml_dir><umid>/" */
static size_t dir_len;
static pid_t owner;		/* the kernel process that created it */

const char *umid_name(void)
{
	return name;
}

const char *umid_dir(void)
{
	return dir;
}

/* uml_dir= (with '~' meaning $HOME) or ~/.uml/; always ends in '/'. */
static int parent_dir(const struct boot_config *cfg, char *buf, size_t len)
{
	const char *home = getenv("HOME");
	const char *given = cfg->uml_dir;
	int n;

	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : "/";
	}
	if (!given)
		n = snprintf(buf, len, "%s/.uml/", home);
	else if (given[0] == '~' && (given[1] == '/' || !given[1]))
		n = snprintf(buf, len, "%s%s", home, given + 1);
	else
		n = snprintf(buf, len, "%s", given);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Remove the files of a directory (not recursing), then the directory. */
static int remove_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char file[4096 + 256];

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		unlink(file);
	}
	closedir(d);
	return rmdir(path) < 0 ? -errno : 0;
}

/* The pid recorded in an existing umid directory, or 0 if it is stale:
 * no readable pid, or no such process (UML's test, uml-compat.md §3.11). */
static pid_t live_owner(const char *path)
{
	char file[4096 + 8], buf[32];
	long pid;
	char *end;

	snprintf(file, sizeof(file), "%spid", path);
	if (host_read_file(file, buf, sizeof(buf)) <= 0)
		return 0;
	pid = strtol(buf, &end, 10);
	if (end == buf || pid <= 0 || pid > 0x3fffffff)
		return 0;
	/* A reboot re-executes this very process: its old directory is ours. */
	if (pid == getpid())
		return 0;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return 0;
	return pid;
}

static int write_pid_file(char *err, size_t errlen)
{
	char file[4096 + 8], buf[24];
	int fd, n;

	snprintf(file, sizeof(file), "%spid", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "Failed to create pid file \"%s\": %s", file, strerror(errno));
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, n) != n) {
		snprintf(err, errlen, "Failed to write pid file \"%s\": %s", file, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* A random 6-character umid, the way UML picks one: a mkstemp name. */
static int random_umid(const char *parent, char *err, size_t errlen)
{
	char tmpl[4096 + 8];
	int fd;

	snprintf(tmpl, sizeof(tmpl), "%sXXXXXX", parent);
	fd = mkstemp(tmpl);
	if (fd < 0) {
		snprintf(err, errlen, "make_umid - mkstemp(%s) failed: %s", tmpl, strerror(errno));
		return -1;
	}
	close(fd);
	unlink(tmpl);
	snprintf(name, sizeof(name), "%s", tmpl + strlen(parent));
	return 0;
}

int umid_claim(const struct boot_config *cfg, char *err, size_t errlen)
{
	char parent[4096];
	pid_t pid;

	if (parent_dir(cfg, parent, sizeof(parent)) < 0) {
		snprintf(err, errlen, "uml_dir: path too long");
		return -1;
	}
	if (mkdir(parent, 0777) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "Failed to create uml_dir \"%s\": %s", parent, strerror(errno));
		return -1;
	}
	if (cfg->umid_set && cfg->umid[0]) {
		if (strchr(cfg->umid, '/') || !strcmp(cfg->umid, ".") || !strcmp(cfg->umid, "..")) {
			snprintf(err, errlen, "umid \"%s\" is not a valid directory name", cfg->umid);
			return -EINVAL;
		}
		snprintf(name, sizeof(name), "%s", cfg->umid);
	} else if (random_umid(parent, err, errlen) < 0) {
		return -1;
	}
	if ((size_t)snprintf(dir, sizeof(dir), "%s%s/", parent, name) >= sizeof(dir) - 16) {
		snprintf(err, errlen, "umid directory name too long");
		return -1;
	}
	dir_len = strlen(dir);
	if (mkdir(dir, 0777) < 0) {
		if (errno != EEXIST) {
			snprintf(err, errlen, "Failed to create umid directory \"%s\": %s", dir,
				 strerror(errno));
			return -1;
		}
		pid = live_owner(dir);
		if (pid) {
			snprintf(err, errlen, "umid \"%s\" is already in use by pid %d (%s)",
				 name, (int)pid, dir);
			return -EBUSY;
		}
		remove_dir(dir);
		if (mkdir(dir, 0777) < 0) {
			snprintf(err, errlen, "Failed to reclaim stale umid directory \"%s\": %s",
				 dir, strerror(errno));
			return -1;
		}
	}
	owner = getpid();
	if (write_pid_file(err, errlen) < 0) {
		umid_remove();
		return -1;
	}
	return 0;
}

void umid_remove(void)
{
	if (!owner || owner != getpid())
		return;
	owner = 0;
	remove_dir(dir);
}

/* From a crash handler: only the two entries we made, with plain system
 * calls (no stdio, no malloc). */
void umid_remove_crash(void)
{
	static const char *entries[] = { "pid", "mconsole" };
	char file[sizeof(dir) + 16];

	if (!owner || owner != getpid())
		return;
	owner = 0;
	for (int i = 0; i < 2; i++) {
		size_t n = strlen(entries[i]);
		memcpy(file, dir, dir_len);
		memcpy(file + dir_len, entries[i], n + 1);
		unlink(file);
	}
	rmdir(dir);
}
