/* Small host files (/proc/<pid>/statm, a umid's pid file) read whole. */
#ifndef LIB_HOSTFILE_H
#define LIB_HOSTFILE_H
#include <stddef.h>
#include <sys/types.h>

/* Read up to len - 1 bytes of path into buf and NUL-terminate it: the
 * byte count, or -errno if the file cannot be opened or read. */
ssize_t host_read_file(const char *path, char *buf, size_t len);
#endif
