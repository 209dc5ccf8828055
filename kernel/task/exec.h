/* execve: replace a process image. */
#ifndef TASK_EXEC_H
#define TASK_EXEC_H
#include "task/task.h"

/* argv/envp are kernel copies. Returns -EJUSTRETURN on success (the task's
 * registers are set for the new image) or -errno before the point of no
 * return. */
long do_execve(struct task *t, const char *path, char **argv, int argc, char **envp, int envc);
/* Copy a NULL-terminated guest pointer array of strings; returns count or
 * -errno. *total accumulates the bytes used (E2BIG past the limit). */
int copy_strings_from_user(struct task *t, uint64_t uptr, char ***out, size_t *total);
void free_strings(char **v, int n);
#endif
