/* The linux binary: parse the UML command line, bring up the subsystems,
 * mount the root, start init and run the event loop until halt. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <linux/reboot.h>
#include "cmdline.h"
#include "platform/platform.h"
#include "task/task.h"
#include "task/fork.h"
#include "task/exec.h"
#include "task/exit.h"
#include "task/sched.h"
#include "task/oops.h"
#include "mm/mm.h"
#include "fs/vfs.h"
#include "fs/devfs.h"
#include "fs/extfs.h"
#include "fs/pipe.h"
#include "fs/procfs.h"
#include "fs/hostfs.h"
#include "block/ubd.h"
#include "tty/tty.h"
#include "tty/chan.h"
#include "mconsole/mconsole.h"
#include "syscalls/syscall.h"
#include "lib/event.h"
#include "lib/ktime.h"
#include "lib/log.h"

static struct boot_config cfg;
static int host_sig_fd = -1;

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "linux: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	tty_restore_host();
	exit(1);
}

/* SIGTERM/SIGINT/SIGHUP ask for an orderly halt; SIGWINCH is the host
 * terminal's new size. */
static void host_signal(int fd, short revents, void *arg)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGWINCH) {
			tty_host_winch();
			continue;
		}
		printk_level(KERN_NOTICE, "linux: caught signal %d, halting\n", si.ssi_signo);
		sched_request_halt(-3);
	}
}

/* A fatal signal (a kernel crash, SIGQUIT or SIGABRT from outside) still
 * gives the host terminal back before the default action runs. The oops
 * handler chains here for faults outside a syscall. */
static void fatal_host_signal(int sig)
{
	tty_restore_host();
	mconsole_crash(sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void setup_fatal_signals(void)
{
	static const int fatal[] = { SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL };

	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], fatal_host_signal);
}

static void setup_host_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGWINCH);
	sigprocmask(SIG_BLOCK, &set, NULL);
	host_sig_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (host_sig_fd >= 0)
		event_watch_fd(host_sig_fd, POLLIN, host_signal, NULL);
}

static void configure_block_devices(void)
{
	char err[512];

	for (int i = 0; i < UBD_MAX; i++) {
		struct ubd_spec *u = &cfg.ubd[i];
		unsigned flags = 0;

		if (!u->present)
			continue;
		flags |= u->readonly ? UBD_RDONLY : 0;
		flags |= u->sync ? UBD_SYNC : 0;
		flags |= u->data ? UBD_DATA : 0;
		flags |= u->shared ? UBD_SHARED : 0;
		flags |= u->notrim ? UBD_NOTRIM : 0;
		if (ubd_configure(i, u->file, u->backing, flags, err, sizeof(err)) < 0) {
			/* The root device must work; others are logged as UML does. */
			if (i == cfg.root_unit)
				die("%s", err);
			printk_level(KERN_ERR, "%s\n", err);
		}
	}
	if (cfg.root_unit >= 0 && !ubd_configured(cfg.root_unit)) {
		char msg[128];
		snprintf(msg, sizeof(msg), "root device %s: no such ubd device is configured "
			 "(give ubd%d=IMAGE)", cfg.root, cfg.root_unit);
		die("%s", msg);
	}
}

static void setup_consoles(void)
{
	/* con0 defaults to the host's stdin/stdout, the others to none;
	 * con= and ssl= name the channel of every line not given its own.
	 * A line that fails is logged by the tty layer and left out. */
	tty_set_xterm(cfg.xterm_emulator, cfg.xterm_title, cfg.xterm_exec);
	if (cfg.con[0] || cfg.con_default)
		tty_line_setup_spec(0, cfg.con[0] ? cfg.con[0] : cfg.con_default);
	else if (tty_console_setup(0, 0, 1))
		printk_level(KERN_ERR, "Failed to set up console 0\n");
	for (int i = 1; i < 16; i++) {
		const char *spec = cfg.con[i] ? cfg.con[i] : cfg.con_default;

		if (spec)
			tty_line_setup_spec(i, spec);
	}
	for (int i = 0; i < 64; i++) {
		const char *spec = cfg.ssl[i] ? cfg.ssl[i] : cfg.ssl_default;

		if (spec)
			tty_line_setup_spec(TTY_SERIAL_BASE + i, spec);
	}
	if (tty_set_console(cfg.console ? cfg.console : "tty0"))
		printk_level(KERN_WARNING, "console=%s: no such console, using tty0\n", cfg.console);
}

static void mount_root(struct path *root)
{
	const char *types[] = { "ext4", "ext3", "ext2" };
	unsigned long flags = cfg.ro ? SB_RDONLY : 0;
	char source[32];
	int err = -ENODEV;

	if (cfg.root_unit < 0) {
		/* A filesystem without a device: root=/dev/root rootfstype=hostfs
		 * rootflags=HOSTDIR, as with UML. */
		err = vfs_mount_root(cfg.rootfstype, 0, cfg.root, flags, cfg.rootflags, root);
		if (err) {
			char msg[160];
			snprintf(msg, sizeof(msg), "VFS: Cannot mount root fs %s (%s): %s",
				 cfg.rootfstype, cfg.rootflags ? cfg.rootflags : "", strerror(-err));
			die("%s", msg);
		}
		printk("VFS: Mounted root (%s filesystem)%s.\n", cfg.rootfstype,
		       cfg.ro ? " readonly" : "");
		return;
	}
	dev_t dev = makedev(98, cfg.root_unit * 16 + (cfg.root_part > 0 ? cfg.root_part : 0));

	if (cfg.root_part > 0)
		snprintf(source, sizeof(source), "/dev/ubd%c%d", 'a' + cfg.root_unit, cfg.root_part);
	else
		snprintf(source, sizeof(source), "/dev/ubd%c", 'a' + cfg.root_unit);
	if (cfg.rootfstype) {
		err = vfs_mount_root(cfg.rootfstype, dev, source, flags, cfg.rootflags, root);
	} else {
		for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]) && err; i++)
			err = vfs_mount_root(types[i], dev, source, flags, cfg.rootflags, root);
	}
	if (err) {
		char msg[160];
		snprintf(msg, sizeof(msg), "VFS: Cannot mount root fs on %s (%s): %s",
			 source, ubd_file(cfg.root_unit), strerror(-err));
		die("%s", msg);
	}
	printk("VFS: Mounted root (%s filesystem)%s on device 98:%u.\n",
	       cfg.rootfstype ? cfg.rootfstype : "ext4", cfg.ro ? " readonly" : "",
	       minor(dev));
}

/* Like Linux's kernel_init: fds 0-2 on /dev/console, then the first init
 * that executes. */
static struct task *start_init(const struct path *root)
{
	const char *candidates[] = { "/sbin/init", "/etc/init", "/bin/init", "/bin/sh" };
	struct task *t = spawn_init_task();
	struct process *p;
	struct file *console;
	long r = -ENOENT;

	if (!t)
		die("%s", "cannot start the first guest process (is ptrace allowed?)");
	p = t->proc;
	p->fs = fs_context_new(root);
	p->fs->umask = 022;
	struct nameidata_ctx ctx = { p->fs, &p->cred, NULL };
	if (vfs_mkdir(&ctx, "/dev", 0755) == 0 || 1) {
		if (vfs_mount(&ctx, "devtmpfs", "/dev", "devtmpfs", 0, NULL))
			printk_level(KERN_WARNING, "devtmpfs: could not mount on /dev\n");
		vfs_mount(&ctx, "devpts", "/dev/pts", "devpts", 0, "gid=5,mode=620");
	}
	if (vfs_open(&ctx, "/dev/console", O_RDWR, 0, &console) == 0) {
		fd_install(p->files, console, 0, false, 1024);
		fd_install(p->files, file_get(console), 0, false, 1024);
		fd_install(p->files, file_get(console), 0, false, 1024);
	} else {
		printk_level(KERN_WARNING, "Warning: unable to open an initial console.\n");
	}
	current = t;
	if (cfg.init) {
		cfg.init_argv[0] = cfg.init;
		r = do_execve(t, cfg.init, (char **)cfg.init_argv, cfg.init_argc,
			      (char **)cfg.init_envp, cfg.init_envc);
		if (r != -EJUSTRETURN) {
			/* As Linux since 4.x: an explicit init= is not replaced. */
			current = NULL;
			printk_level(KERN_EMERG, "Kernel panic - not syncing: Requested init %s "
				     "failed (error %ld).\n", cfg.init, r);
			return NULL;
		}
	}
	for (unsigned i = 0; r != -EJUSTRETURN && i < 4; i++) {
		cfg.init_argv[0] = candidates[i];
		r = do_execve(t, candidates[i], (char **)cfg.init_argv, cfg.init_argc,
			      (char **)cfg.init_envp, cfg.init_envc);
	}
	current = NULL;
	if (r != -EJUSTRETURN) {
		printk_level(KERN_EMERG, "Kernel panic - not syncing: No working init found.\n");
		return NULL;
	}
	return t;
}

static int kill_one(struct process *p, void *arg)
{
	if (!p->zombie)
		process_exit(p, SIGKILL);
	return 0;
}

static void shutdown_all(void)
{
	/* Subsystem teardown before the filesystems go: one line each. */
	mconsole_shutdown();
	/* END subsystem teardown */
	for_each_process(kill_one, NULL);
	vfs_shutdown();
	ubd_shutdown();
	tty_restore_host();
}

int main(int argc, char **argv)
{
	char err[512];
	struct path root;
	struct task *init;
	int r, how;
	bool panic_shown;

	/* Descriptors 0-2 must exist, or the first files we open would pose
	 * as stdin/stdout. */
	for (int fd = open("/dev/null", O_RDWR); fd >= 0 && fd <= 2; fd = open("/dev/null", O_RDWR))
		;
	r = cmdline_parse(argc, argv, &cfg, stdout, err, sizeof(err));
	if (r == 1)
		return 0;
	if (r < 0) {
		fprintf(stderr, "linux: %s\n", err);
		return 1;
	}
	ktime_init();
	for (int i = 0; i < cfg.nmessages; i++) {
		if (cfg.message_level[i] == BOOT_MSG_HOST) {
			if (!cfg.quiet)
				fprintf(stderr, "%s\n", cfg.messages[i]);
		} else {
			printk_level(cfg.message_level[i], "%s\n", cfg.messages[i]);
		}
	}
	setsid();
	struct rlimit stack = { 8UL << 20, 8UL << 20 };
	setrlimit(RLIMIT_STACK, &stack);
	log_set_console_level(cfg.loglevel >= 0 ? cfg.loglevel : (cfg.quiet ? 4 : 7));
	log_set_panic_hook(tty_restore_host);

	sched_trace_syscalls = getenv("UMLINUX_STRACE") != NULL;
	r = platform_init();
	if (r < 0)
		die("platform: %s", strerror(-r));
	syscall_table_init();
	vfs_init();
	tmpfs_init();
	pipe_init();
	devfs_init();
	memdev_init();
	tty_init();
	ubd_init();
	extfs_init();
	procfs_init();
	procfs_set_cmdline(cfg.cmdline);
	mm_set_limit(cfg.mem);
	setup_fatal_signals();
	/* Subsystems configured from the command line: one line each. */
	if (mconsole_init(&cfg) < 0) return 1;
	hostfs_init();
	hostfs_setup(&cfg);
	/* END subsystem setup */

	configure_block_devices();
	setup_host_signals();
	setup_consoles();
	printk("Linux version %s (umlinux) #1\n", "6.12.0-umlinux");
	printk("Kernel command line: %s\n", cfg.cmdline);
	mount_root(&root);
	init = start_init(&root);
	if (!init) {
		sched_request_halt(-2);	/* the panic is said: no second one */
		shutdown_all();
		return 1;
	}
	return_to_user(init);
	oops_install_handler();
	sched_run();

	how = sched_halt_reason();
	/* The panic line went to the console; repeat it on stderr only if
	 * the console is somewhere else. */
	panic_shown = chan_console_is(1) || chan_console_is(2);
	shutdown_all();
	if (how == LINUX_REBOOT_CMD_RESTART && !cfg.noreboot) {
		/* UML reboots by executing itself again with the same argv. */
		execvp("/proc/self/exe", argv);
		fprintf(stderr, "Failed to exec kernel\n");
		return 1;
	}
	if (how == -2) {
		if (!panic_shown)
			fprintf(stderr, "Kernel panic - not syncing: Attempted to kill init!\n");
		return 134;
	}
	if (how == -3)
		return 1;
	/* Like UML: halt exits with the value written to /proc/exitcode. */
	return procfs_exitcode();
}
