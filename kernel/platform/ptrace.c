/* The ptrace backend: guest threads are host threads traced with
 * PTRACE_SYSEMU, started from the embedded stub. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cpuid.h>
#include <time.h>
#include <elf.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/close_range.h>
#include "platform/platform.h"
#include "lib/log.h"

#ifndef PTRACE_SYSEMU
#define PTRACE_SYSEMU 31
#endif

#define STUB_SYSCALL_ADDR	(STUB_BASE + 0x10)
#define STUB_SYSCALL_RET	(STUB_BASE + 0x12)
/* The host signal the kernel uses to interrupt a running guest thread. */
#define KICK_SIGNAL		SIGUSR2

extern const char stub_image[], stub_image_end[];

static int stub_fd = -1;
static int chld_fd = -1;
static size_t fpstate_size;
static pid_t kernel_pid;

size_t platform_fpstate_size(void)
{
	return fpstate_size;
}

/* The XSAVE area size for the features the host enabled (CPUID 0xD.0 EBX);
 * never a constant, since it differs between CPUs (AMX makes it ~11 KiB). */
static size_t probe_xsave_size(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid_count(0xd, 0, &a, &b, &c, &d) || b < 512)
		return 512 + 64;
	return b;
}

int platform_init(void)
{
	sigset_t set;
	size_t len = stub_image_end - stub_image;

	kernel_pid = getpid();
	fpstate_size = probe_xsave_size();
	stub_fd = memfd_create("umlinux-stub", MFD_CLOEXEC);
	if (stub_fd < 0)
		return -errno;
	if (write(stub_fd, stub_image, len) != (ssize_t)len)
		return -EIO;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	chld_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (chld_fd < 0)
		return -errno;
	return 0;
}

int platform_event_fd(void)
{
	return chld_fd;
}

/* The child side of platform_spawn: runs on a small stack sharing the
 * kernel's memory until execveat, so it only makes raw system calls. */
static int spawn_child(void *arg)
{
	sigset_t none;

	/* SIGCHLD ignored (this survives exec and fork) makes the host reap
	 * a guest process's host children itself: the guest never waits on
	 * the host, so they would otherwise stay host zombies. */
	struct { void *handler; unsigned long flags; void *restorer; uint64_t mask; } ign =
		{ SIG_IGN, 0, NULL, 0 };

	(void)arg;
	sigemptyset(&none);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8);
	syscall(SYS_rt_sigaction, SIGCHLD, &ign, NULL, 8);
	syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
	/* The guest's host process keeps no host descriptors. */
	syscall(SYS_close_range, 0, ~0U, CLOSE_RANGE_CLOEXEC);
	static char *const argv[] = { "umlinux-guest", NULL };
	static char *const envp[] = { NULL };
	syscall(SYS_execveat, stub_fd, "", argv, envp, AT_EMPTY_PATH);
	syscall(SYS_exit, 127);
	return 127;
}

static int wait_stopped(pid_t tid, int *status)
{
	for (;;) {
		pid_t r = waitpid(tid, status, __WALL);
		if (r == tid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

int platform_get_regs(struct platform_thread *th)
{
	if (ptrace(PTRACE_GETREGS, th->host_tid, 0, &th->regs) < 0)
		return -errno;
	th->regs_dirty = false;
	th->fp_loaded = false;
	return 0;
}

int platform_get_fpstate(struct platform_thread *th)
{
	struct iovec iov;

	if (th->fp_loaded)
		return 0;
	if (!th->fpstate) {
		th->fpstate = aligned_alloc(64, (fpstate_size + 63) & ~63UL);
		if (!th->fpstate)
			return -ENOMEM;
	}
	iov.iov_base = th->fpstate;
	iov.iov_len = fpstate_size;
	if (ptrace(PTRACE_GETREGSET, th->host_tid, NT_X86_XSTATE, &iov) < 0)
		return -errno;
	th->fp_loaded = true;
	th->fp_dirty = false;
	return 0;
}

static int flush_state(struct platform_thread *th)
{
	if (th->regs_dirty) {
		if (ptrace(PTRACE_SETREGS, th->host_tid, 0, &th->regs) < 0)
			return -errno;
		th->regs_dirty = false;
	}
	if (th->fp_loaded && th->fp_dirty) {
		struct iovec iov = { th->fpstate, fpstate_size };
		if (ptrace(PTRACE_SETREGSET, th->host_tid, NT_X86_XSTATE, &iov) < 0)
			return -errno;
		th->fp_dirty = false;
	}
	return 0;
}

/* Threads resumed by platform_resume whose next stop is not collected
 * yet (see collect_stops). */
static int threads_running;

int platform_resume(struct platform_thread *th)
{
	int err = flush_state(th);

	if (err)
		return err;
	th->fp_loaded = false;
	if (ptrace(PTRACE_SYSEMU, th->host_tid, 0, 0) < 0)
		return -errno;
	threads_running++;
	return 0;
}

int platform_kick(struct platform_thread *th)
{
	if (syscall(SYS_tgkill, th->host_tid, th->host_tid, KICK_SIGNAL) < 0)
		return -errno;
	return 0;
}

/* Run one host system call in a stopped thread through the stub's gadget.
 * The thread's guest registers are saved and restored around it. Signals
 * that arrive meanwhile are kernel kicks (the guest cannot signal on the
 * host): they are dropped, since the kernel looks for guest signals before
 * resuming anyway. */
static long gadget_call(struct platform_thread *th, const struct user_regs_struct *call,
			pid_t *event_child)
{
	struct user_regs_struct out;
	pid_t tid = th->host_tid;
	int status, sig = 0;

	if (ptrace(PTRACE_SETREGS, tid, 0, call) < 0)
		return -errno;
	for (;;) {
		if (ptrace(PTRACE_CONT, tid, 0, sig) < 0)
			return -errno;
		sig = 0;
		if (wait_stopped(tid, &status) < 0)
			return -ECHILD;
		if (!WIFSTOPPED(status))
			return -ESRCH;
		if (status >> 16) {
			/* fork/clone event: note the child, carry on. */
			unsigned long msg = 0;
			ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
			if (event_child)
				*event_child = (pid_t)msg;
			continue;
		}
		if (WSTOPSIG(status) == SIGTRAP)
			break;
		if (WSTOPSIG(status) != KICK_SIGNAL && WSTOPSIG(status) != SIGSTOP)
			sig = WSTOPSIG(status);
	}
	if (ptrace(PTRACE_GETREGS, tid, 0, &out) < 0)
		return -errno;
	if (out.rip != STUB_SYSCALL_RET + 1) {
		printk_level(KERN_ERR, "platform: gadget stopped at %llx\n", out.rip);
		return -EFAULT;
	}
	return (long)out.rax;
}

long platform_host_syscall(struct platform_thread *th, long nr, uint64_t a0,
			   uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct user_regs_struct call = th->regs;
	long ret;

	call.rax = nr;
	call.orig_rax = -1;
	call.rdi = a0;
	call.rsi = a1;
	call.rdx = a2;
	call.r10 = a3;
	call.r8 = a4;
	call.r9 = a5;
	call.rip = STUB_SYSCALL_ADDR;
	ret = gadget_call(th, &call, NULL);
	/* Put the guest's registers back as they were. */
	th->regs_dirty = true;
	return ret;
}

long platform_clone(struct platform_thread *parent, unsigned long flags,
		    struct platform_thread *child)
{
	struct user_regs_struct call = parent->regs;
	pid_t new_tid = 0;
	int status;
	long ret;

	call.rax = SYS_clone;
	call.orig_rax = -1;
	call.rdi = flags;
	call.rsi = 0;		/* same stack: the child stops before running */
	call.rdx = 0;
	call.r10 = 0;
	call.r8 = 0;
	call.rip = STUB_SYSCALL_ADDR;
	ret = gadget_call(parent, &call, &new_tid);
	parent->regs_dirty = true;
	if (ret < 0)
		return ret;
	if (!new_tid)
		new_tid = ret;
	/* The new thread is traced from birth and stops with SIGSTOP. */
	if (wait_stopped(new_tid, &status) < 0 || !WIFSTOPPED(status))
		return -ESRCH;
	memset(child, 0, sizeof(*child));
	child->host_tid = new_tid;
	return new_tid;
}

int platform_spawn(struct platform_thread *th)
{
	static char stack[16384] __attribute__((aligned(16)));
	struct user_regs_struct regs;
	int status;
	long r;
	pid_t pid;

	pid = clone(spawn_child, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
	if (pid < 0)
		return -errno;
	if (wait_stopped(pid, &status) < 0 || !WIFSTOPPED(status)) {
		printk_level(KERN_ERR, "platform: stub failed to start\n");
		return -ECHILD;
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD |
		   PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK) < 0) {
		r = -errno;
		kill(pid, SIGKILL);
		return r;
	}
	memset(th, 0, sizeof(*th));
	th->host_tid = pid;
	if (ptrace(PTRACE_GETREGS, pid, 0, &regs) < 0)
		return -errno;
	th->regs = regs;
	/* Leave nothing of the host in the guest's address space but the
	 * stub: no host stack, no vdso, no ELF headers. */
	r = platform_host_syscall(th, SYS_munmap, 0x10000, STUB_BASE - 0x10000, 0, 0, 0, 0);
	if (r == 0)
		r = platform_host_syscall(th, SYS_munmap, STUB_BASE + STUB_SIZE,
					  0x800000000000UL - STUB_BASE - STUB_SIZE - 0x1000, 0, 0, 0, 0);
	if (r < 0) {
		printk_level(KERN_ERR, "platform: cannot clear the guest address space: %ld\n", r);
		platform_kill(pid);
		return (int)r;
	}
	memset(&th->regs, 0, sizeof(th->regs));
	th->regs.cs = regs.cs;
	th->regs.ss = regs.ss;
	th->regs.ds = regs.ds;
	th->regs.es = regs.es;
	th->regs.eflags = 0x202;
	th->regs.rip = STUB_BASE + 0x20;
	th->regs_dirty = true;
	return 0;
}

long platform_install_fd(struct platform_thread *th, int kernel_fd, int flags)
{
	char path[64];
	int n = snprintf(path, sizeof(path), "/proc/%d/fd/%d", kernel_pid, kernel_fd);

	if (platform_write_mem(th->host_tid, STUB_SCRATCH, path, n + 1) != n + 1)
		return -EFAULT;
	return platform_host_syscall(th, SYS_openat, AT_FDCWD, STUB_SCRATCH,
				     flags | O_CLOEXEC, 0, 0, 0);
}

void platform_kill(pid_t host_pid)
{
	kill(host_pid, SIGKILL);
}

static void classify_stop(pid_t tid, int status, struct stop_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->host_tid = tid;
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		ev->kind = STOP_EXITED;
		ev->exit_status = status;
		return;
	}
	ev->kind = STOP_OTHER;
	if (!WIFSTOPPED(status))
		return;
	if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
		ev->kind = STOP_SYSCALL;
		return;
	}
	/* PTRACE_EVENT_* stops (clone is handled inside platform_clone). */
	if (status >> 16)
		return;
	if (ptrace(PTRACE_GETSIGINFO, tid, 0, &ev->info) < 0)
		return;
	switch (ev->info.si_signo) {
	case SIGSEGV: case SIGBUS: case SIGFPE: case SIGILL: case SIGTRAP:
		if (ev->info.si_code > 0 || ev->info.si_signo == SIGTRAP)
			ev->kind = STOP_FAULT;
		break;
	case KICK_SIGNAL:
		ev->kind = STOP_KICK;
		break;
	case SIGSTOP:
		ev->kind = STOP_NEW_CHILD;
		break;
	}
}

/*
 * Stops collected from the host but not yet handed out. waitpid(-1)
 * reports the first stopped child in the host's list, so taking one stop
 * at a time let a few busy guests (a fork bomb) starve every other one.
 * Instead each round collects every child that has stopped and hands the
 * stops out in that order: each guest thread gets one turn per round.
 */
#define STOP_QUEUE	4096

static struct {
	pid_t tid;
	int status;
} stop_queue[STOP_QUEUE];

static unsigned stop_head, stop_count;

/* Collect every stopped child. With one guest thread running (the common
 * case) its stop is all there usually is: most rounds then take one stop
 * and skip the waitpid that would find nothing; every 16th round drains
 * fully anyway, so stops of threads that were not resumed (killed while
 * stopped) wait at most 16 rounds. */
static void collect_stops(void)
{
	static unsigned rounds;
	bool quick = threads_running == 1 && ++rounds % 16;

	while (stop_count < STOP_QUEUE) {
		unsigned slot = (stop_head + stop_count) % STOP_QUEUE;
		int status;
		pid_t tid = waitpid(-1, &status, WNOHANG | __WALL);

		if (tid <= 0)
			break;
		stop_queue[slot].tid = tid;
		stop_queue[slot].status = status;
		stop_count++;
		if (threads_running > 0)
			threads_running--;
		if (quick)
			break;
	}
}

int platform_next_stop(struct stop_event *ev)
{
	struct signalfd_siginfo ssi;

	if (!stop_count) {
		collect_stops();
		if (!stop_count) {
			/* Nothing now: drain the SIGCHLD notifications (so
			 * poll() sleeps until the next one), then look once
			 * more, since a stop may have come in between. */
			while (read(chld_fd, &ssi, sizeof(ssi)) == sizeof(ssi))
				;
			collect_stops();
			if (!stop_count)
				return -EAGAIN;
		}
	}
	classify_stop(stop_queue[stop_head].tid, stop_queue[stop_head].status, ev);
	stop_head = (stop_head + 1) % STOP_QUEUE;
	stop_count--;
	return 0;
}

ssize_t platform_read_mem(pid_t host_tid, void *dst, uint64_t src, size_t len)
{
	struct iovec local = { dst, len }, remote = { (void *)src, len };
	ssize_t r = process_vm_readv(host_tid, &local, 1, &remote, 1, 0);

	return r < 0 ? -errno : r;
}

ssize_t platform_write_mem(pid_t host_tid, uint64_t dst, const void *src, size_t len)
{
	struct iovec local = { (void *)src, len }, remote = { (void *)dst, len };
	ssize_t r = process_vm_writev(host_tid, &local, 1, &remote, 1, 0);

	return r < 0 ? -errno : r;
}
