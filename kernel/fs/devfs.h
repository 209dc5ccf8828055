/* /dev: the devtmpfs filesystem and the memory devices (major 1). */
#ifndef FS_DEVFS_H
#define FS_DEVFS_H
#include <sys/types.h>

/* Register the "devtmpfs" filesystem type (needs tmpfs registered). */
int devfs_init(void);
/* Add a node to /dev, e.g. ("ubda", S_IFBLK | 0660, makedev(98, 0)). Before
 * devtmpfs is first mounted the node is remembered and made at mount time.
 * Returns 0, -EEXIST or another -errno. */
int devfs_add_node(const char *name, mode_t mode, dev_t rdev);
int devfs_remove_node(const char *name);

/* Register null, zero, full, random, urandom and kmsg as major 1. */
int memdev_init(void);
/* Fill buf from the host's random source; bytes or -errno. */
ssize_t host_random(void *buf, size_t len);
#endif
