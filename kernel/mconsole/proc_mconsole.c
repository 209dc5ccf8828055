/* /proc/mconsole: what the guest writes there goes to the notify socket
 * as USER_NOTIFY messages (uml-compat.md §3.9). The file exists only when
 * a notify socket is configured; it has no read method, so reads fail
 * with EIO as in UML. */
#include <string.h>
#include "fs/procfs.h"
#include "lib/log.h"
#include "mconsole/mconsole.h"
#include "mconsole/internal.h"

/*
 * One datagram per write(2). The doc leaves longer writes open; like
 * UML, the bytes past a datagram's 512 are truncated (not split), and the
 * write still reports every byte taken. A notify socket nobody listens on
 * any more is not the guest's error either.
 */
static ssize_t proc_mconsole_write(const char *buf, size_t len)
{
	mconsole_notify_user(buf, len);
	return len;
}

static const struct procfs_file proc_mconsole = {
	.name = "mconsole",
	.mode = 0200,
	.write = proc_mconsole_write,
};

void mc_register_proc_file(void)
{
	int err = procfs_register_file(&proc_mconsole);

	if (err)
		printk_level(KERN_ERR, "mconsole: cannot add /proc/mconsole: %s\n",
			     strerror(-err));
}
