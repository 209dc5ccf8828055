/* Command names in UML's lookup order (uml-compat.md §3.4). Kept apart
 * from the handlers so the lookup can be tested on its own. */
#include <string.h>
#include "mconsole/internal.h"

static const char *const names[MC_NR_COMMANDS] = {
	[MC_VERSION] = "version",
	[MC_HALT] = "halt",
	[MC_REBOOT] = "reboot",
	[MC_CONFIG] = "config",
	[MC_REMOVE] = "remove",
	[MC_SYSRQ] = "sysrq",
	[MC_HELP] = "help",
	[MC_CAD] = "cad",
	[MC_STOP] = "stop",
	[MC_GO] = "go",
	[MC_LOG] = "log",
	[MC_PROC] = "proc",
	[MC_STACK] = "stack",
};

/* The first name that is a prefix of cmd wins: "versionXYZ" is version,
 * "goo" is go. */
int mc_command_lookup(const char *cmd, size_t *name_len)
{
	for (int i = 0; i < MC_NR_COMMANDS; i++) {
		size_t n = strlen(names[i]);
		if (!strncmp(cmd, names[i], n)) {
			*name_len = n;
			return i;
		}
	}
	return -1;
}
