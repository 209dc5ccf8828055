/* Credentials of a process. Kept apart from task.h so subsystems such as
 * the VFS can check permissions without depending on the task code. */
#ifndef LIB_CRED_H
#define LIB_CRED_H
#include <stdbool.h>
#include <sys/types.h>

/* Credentials; process-wide (glibc and musl keep threads in step). */
struct cred {
	uid_t uid, euid, suid, fsuid;
	gid_t gid, egid, sgid, fsgid;
	int ngroups;
	gid_t groups[32];
};

/* Like Linux's in_group_p: the filesystem gid or a supplementary group. */
static inline bool cred_in_group(const struct cred *c, gid_t gid)
{
	if (c->fsgid == gid)
		return true;
	for (int i = 0; i < c->ngroups && i < 32; i++) {
		if (c->groups[i] == gid)
			return true;
	}
	return false;
}
#endif
