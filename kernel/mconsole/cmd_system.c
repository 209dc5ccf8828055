/* mconsole commands about the whole machine: version, help, halt, reboot,
 * cad, log, stop and go (uml-compat.md §3.5, §3.7). */
#include <stdio.h>
#include <string.h>
#include <linux/reboot.h>
#include "lib/log.h"
#include "lib/uts.h"
#include "task/task.h"
#include "task/sched.h"
#include "signal/signal.h"
#include "platform/platform.h"
#include "mconsole/internal.h"

static bool stopped;

bool mc_stopped(void)
{
	return stopped;
}

void mc_set_stopped(bool s)
{
	stopped = s;
}

void mc_cmd_version(struct mc_request *r)
{
	char buf[4 * UTS_LEN + 16];

	snprintf(buf, sizeof(buf), "%s %s %s %s %s", UTS_SYSNAME,
		 uts_hostname[0] ? uts_hostname : "(none)", UTS_RELEASE, UTS_VERSION,
		 UTS_MACHINE);
	mc_ok(r, buf);
}

void mc_cmd_help(struct mc_request *r)
{
	static const char text[] =
		"Commands:\n"
		"    version - Get kernel version\n"
		"    help - Print this message\n"
		"    halt - Halt the machine (no sync, no userspace shutdown)\n"
		"    reboot - Restart the machine (re-executes the kernel)\n"
		"    config <dev>=<config> - Add a device (ubdN=FILE, mem=[+-]SIZE)\n"
		"    config <dev> - Query the configuration of a device\n"
		"    remove <dev> - Remove a device\n"
		"    sysrq <letter> - Run a SysRq function (h lists them)\n"
		"    cad - invoke the Ctrl-Alt-Del handler\n"
		"    stop - Freeze the machine; only the mconsole answers\n"
		"    go - Resume a stopped machine\n"
		"    log <string> - Write a line into the kernel log\n"
		"    proc <file> - Read a file of the kernel's procfs\n"
		"    stack <pid> - Show registers and stack of a guest task\n";

	mc_ok(r, text);
}

void mc_cmd_halt(struct mc_request *r)
{
	mc_ok(r, "");
	printk_level(KERN_NOTICE, "mconsole: halt\n");
	sched_request_halt(LINUX_REBOOT_CMD_HALT);
}

void mc_cmd_reboot(struct mc_request *r)
{
	mc_ok(r, "");
	printk_level(KERN_NOTICE, "mconsole: reboot\n");
	sched_request_halt(LINUX_REBOOT_CMD_RESTART);
}

/* Ctrl-Alt-Del: a restart, or SIGINT to init once init has turned C-A-D
 * off (as init systems do). */
void mc_cmd_cad(struct mc_request *r)
{
	if (sched_ctrl_alt_del() < 0) {
		mc_err(r, "No init process to signal");
		return;
	}
	mc_ok(r, "");
}

/* "log " is skipped as a whole and the text goes in at warning level as
 * it is, like UML: clients send the line's end themselves (Debian's sends
 * "log \n" after the text). */
void mc_cmd_log(struct mc_request *r)
{
	const char *text = r->req.data;
	size_t len = strlen(text);

	printk_level(KERN_WARNING, "%s", text + (len < 4 ? len : 4));
	mc_ok(r, "");
}

/* Guest threads running on the host are interrupted; their stops are not
 * handled until go, so they stay frozen. */
static int kick_running(struct process *p, void *arg)
{
	struct list *pos;

	list_for_each(pos, &p->threads) {
		struct task *t = list_entry(pos, struct task, thread_node);
		if (t->state == TASK_RUNNING)
			platform_kick(&t->pt);
	}
	return 0;
}

void mc_cmd_stop(struct mc_request *r)
{
	if (stopped) {
		mc_err(r, "Already stopped");
		return;
	}
	stopped = true;
	for_each_process(kick_running, NULL);
	mc_ok(r, "stopped");
	printk_level(KERN_NOTICE, "mconsole: stopped\n");
	mc_stop_loop(r);
	printk_level(KERN_NOTICE, "mconsole: continuing\n");
}

void mc_cmd_go(struct mc_request *r)
{
	if (!stopped) {
		mc_err(r, "Not stopped");
		return;
	}
	stopped = false;
	mc_ok(r, "");
}
