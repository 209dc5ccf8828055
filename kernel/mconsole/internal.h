/* Shared by the files of kernel/mconsole, not for other subsystems. */
#ifndef MCONSOLE_INTERNAL_H
#define MCONSOLE_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "mconsole_proto.h"

struct boot_config;

/* One request being served: where to reply and the command text. */
struct mc_request {
	int fd;
	struct sockaddr_un from;
	socklen_t fromlen;
	struct mconsole_request req;
	const char *args;		/* after the command name and blanks */
	bool dead;			/* a reply could not be delivered: stop */
};

/* Send text (split into 511-byte packets) with err in the first packet;
 * the last packet carries more. */
void mc_reply(struct mc_request *r, const char *text, int32_t err, int more);
static inline void mc_ok(struct mc_request *r, const char *text)
{
	mc_reply(r, text, 0, 0);
}
static inline void mc_err(struct mc_request *r, const char *text)
{
	mc_reply(r, text, 1, 0);
}
/* Streamed output: what the kernel logged since seq, then the final empty
 * packet (sysrq, stack). */
void mc_reply_log_since(struct mc_request *r, unsigned long seq);

/* Run one decoded request (the stop loop runs requests itself). */
void mc_dispatch(struct mc_request *r);
/* stop: serve requests alone until go (or a halt or host signal). */
void mc_stop_loop(struct mc_request *r);
bool mc_stopped(void);
void mc_set_stopped(bool stopped);

/* Commands: one handler each. */
void mc_cmd_version(struct mc_request *r);
void mc_cmd_help(struct mc_request *r);
void mc_cmd_halt(struct mc_request *r);
void mc_cmd_reboot(struct mc_request *r);
void mc_cmd_config(struct mc_request *r);
void mc_cmd_remove(struct mc_request *r);
void mc_cmd_sysrq(struct mc_request *r);
void mc_cmd_cad(struct mc_request *r);
void mc_cmd_stop(struct mc_request *r);
void mc_cmd_go(struct mc_request *r);
void mc_cmd_log(struct mc_request *r);
void mc_cmd_proc(struct mc_request *r);
void mc_cmd_stack(struct mc_request *r);

/* The commands, in UML's lookup order. */
enum mc_command {
	MC_VERSION, MC_HALT, MC_REBOOT, MC_CONFIG, MC_REMOVE, MC_SYSRQ, MC_HELP,
	MC_CAD, MC_STOP, MC_GO, MC_LOG, MC_PROC, MC_STACK, MC_NR_COMMANDS
};
/* Find a command by UML's prefix match: its enum mc_command, or -1.
 * *name_len is the length of the name matched. */
int mc_command_lookup(const char *cmd, size_t *name_len);

/* The umid directory (umid.c). -EBUSY if a live kernel holds the umid,
 * -EINVAL for a umid that cannot name a directory, another negative value
 * if the directory cannot be made; err says why. */
int umid_claim(const struct boot_config *cfg, char *err, size_t errlen);
const char *umid_dir(void);		/* with a trailing '/' */
void umid_remove(void);
/* Async-signal-safe variant for crash handlers. */
void umid_remove_crash(void);

/* Add /proc/mconsole (only with a notify socket). */
void mc_register_proc_file(void);

/* Run fn with the kernel's view of guest files: init's root and cwd,
 * root credentials, current = init's thread (for /proc/self). */
struct nameidata_ctx;
int mc_with_init_ctx(int (*fn)(const struct nameidata_ctx *ctx, void *arg), void *arg);
#endif
