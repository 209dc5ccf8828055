/*
 * The kernel command line, parsed the way UML 6.12 does it (uml-compat.md §1):
 * host argv words are offered to the UML-level options (prefix match), joined
 * into /proc/cmdline, then parsed like any Linux command line (__setup
 * handlers, early params, unknown words to init). Pure: no kernel state, no
 * I/O except the --help/--version text written to `out`.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define UMLINUX_RELEASE "6.12.0-umlinux"

#define COMMAND_LINE_SIZE 4096
#define UBD_MAX 16
#define CON_MAX 16
#define SSL_MAX 64
#define NET_MAX 32
#define BOOT_MSG_MAX 32
/* UML's INIT_ENV_ARG_LIMIT: init gets argv[0] + 128 words, env HOME, TERM + 127. */
#define INIT_ARGS_MAX 128
#define DEFAULT_MEM (64ULL << 20)
#define MIN_MEM (16ULL << 20)

/*
 * message_level: a KERN_* level of lib/log.h, or BOOT_MSG_HOST for lines UML
 * prints on host stderr before the kernel log exists.
 */
#define BOOT_MSG_HOST (-1)

struct ubd_spec {
	bool present;
	char *file;		/* first file (image or COW file), malloc'd */
	char *backing;		/* second file or NULL, malloc'd */
	char *serial;		/* third field or NULL, malloc'd */
	bool readonly, sync, data, shared, notrim;	/* flags r s d c t */
};

/* eth<N>=<transport>,... or vec<N>:<key>=<value>,... in command-line order. */
struct net_spec {
	bool vector;
	unsigned int unit;
	const char *args;	/* after "eth<N>=" / "vec<N>:" */
};

struct boot_config {
	uint64_t mem;			/* bytes, default 64 MiB */
	const char *iomem, *initrd;	/* raw values or NULL (last one wins) */
	const char *init;		/* init= or NULL (try /sbin/init, /etc/init, /bin/init, /bin/sh) */
	const char *rdinit;
	const char *root;		/* root= value, default "98:0" */
	int root_unit, root_part;	/* ubd unit/partition of root, -1 for a nodev rootfstype */
	const char *rootfstype, *rootflags;
	bool rootwait;
	bool ro;			/* "ro" given (default rw like "rw") */
	char umid[64];			/* "" if none (random umid) */
	bool umid_set;			/* a valid umid= was given (possibly empty) */
	char *uml_dir;			/* uml_dir= with a trailing '/' added, or NULL; '~' not expanded */
	struct ubd_spec ubd[UBD_MAX];
	bool ubd_sync;			/* ubd=sync: devices configured later are synchronous too */
	const char *con_default;	/* con= */
	const char *con[CON_MAX];	/* conN= */
	const char *ssl_default;	/* ssl= */
	const char *ssl[SSL_MAX];
	bool ssl_non_raw;
	const char *console;		/* last console= value, default "tty0" */
	const char *hostfs;		/* hostfs= root directory or NULL (host "/") */
	bool hostfs_append;
	const char *xterm_emulator, *xterm_title, *xterm_exec;	/* NULL = default */
	const char *mconsole_notify;	/* mconsole=notify:<path> */
	int stderr_console;		/* stderr=<n> */
	struct net_spec net[NET_MAX];
	int nnet;
	bool quiet, noreboot, debug;	/* UML prefix match: "quietly" counts too */
	bool sysrq_always_enabled;
	int loglevel;			/* -1 unless loglevel= */
	int panic_timeout;		/* panic=, 0 = wait forever */
	/*
	 * init_argv[0] is "init" (the kernel replaces it with the path it runs);
	 * extra words from index 1; NULL-terminated, init_argc counts argv[0].
	 */
	const char *init_argv[INIT_ARGS_MAX + 2];
	int init_argc;
	/* "HOME=/", "TERM=linux", then the rest in order; NULL-terminated. */
	const char *init_envp[INIT_ARGS_MAX + 2];
	int init_envc;
	/* /proc/cmdline: words joined by spaces, umid=/xterm= removed, defaults appended */
	char cmdline[COMMAND_LINE_SIZE];
	/* Boot messages in order; log each at message_level[i] (BOOT_MSG_HOST: host stderr). */
	char *messages[BOOT_MSG_MAX];
	int message_level[BOOT_MSG_MAX];
	int nmessages;

	/* private: allocations owned by the config */
	char **owned;
	int nowned, owned_cap;
};

/*
 * Parse the host argv. Returns 0 on success, 1 if --help/--version/
 * --showconfig printed to `out` (the caller exits 0), or -1 on a fatal error
 * with a one-line message in err. Always call boot_config_free afterwards.
 */
int cmdline_parse(int argc, char **argv, struct boot_config *cfg, FILE *out,
		  char *err, size_t errlen);
void boot_config_free(struct boot_config *cfg);

/* Size with K/M/G/T/P/E suffix (any case), base auto-detected; -EINVAL on junk or overflow. */
int parse_size(const char *s, uint64_t *res);

/*
 * root= value -> ubd unit (0-15) and partition (0 = whole disk). Accepts
 * /dev/ubda, /dev/ubda1, /dev/ubd0, /dev/ubd/0, 98:0, 98:17 and a hex dev_t
 * such as 6200; -ENODEV for anything else (including /dev/root).
 */
int parse_root_device(const char *s, int *unit, int *partition);

/*
 * One ubd configuration, the text after "ubd" (as on the command line and
 * for mconsole "config ubd..."): "<unit><flags>=<file>[,<backing>[,<serial>]]"
 * or "=sync". Fills devs[unit] (UBD_MAX entries, strings malloc'd) and sets
 * *unit; "=sync" sets *global_sync and returns 1 with *unit = -1; any other
 * "=<x>" returns 1 with *error = "fake major not supported any more".
 * On failure returns a negative errno with *error set to UML's message.
 */
int ubd_parse_config(const char *str, struct ubd_spec *devs, bool *global_sync,
		     int *unit, const char **error);
void ubd_spec_clear(struct ubd_spec *spec);
#endif
