/* How guest code runs. The rest of the kernel sees guest threads only
 * through this interface: run until a syscall, fault or signal; read and
 * write registers; have the host thread make a system call on the kernel's
 * orders (mmap, munmap, mprotect, clone, ...). The backend is ptrace with
 * PTRACE_SYSEMU (platform/ptrace.c). */
#ifndef PLATFORM_PLATFORM_H
#define PLATFORM_PLATFORM_H
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>
#include <sys/user.h>
#include <signal.h>

struct platform_thread {
	pid_t host_tid;
	struct user_regs_struct regs;	/* valid while the thread is stopped */
	bool regs_dirty;		/* write back before resuming */
	uint8_t *fpstate;		/* XSAVE area, platform_fpstate_size() */
	bool fp_loaded, fp_dirty;
};

/* Why a guest thread stopped. */
enum stop_kind {
	STOP_SYSCALL,		/* guest made a syscall (regs at entry) */
	STOP_FAULT,		/* synchronous fault: info has signo/si_code/addr */
	STOP_KICK,		/* interrupted by the kernel (signal delivery) */
	STOP_EXITED,		/* the host thread is gone; status in exit_status */
	STOP_NEW_CHILD,		/* a thread made by platform_clone stopped first */
	STOP_OTHER,		/* anything else: resume it */
};

struct stop_event {
	enum stop_kind kind;
	pid_t host_tid;
	siginfo_t info;
	int exit_status;	/* STOP_EXITED: raw host wait status */
};

/* Address at which the stub's code is mapped in every guest process. */
#define STUB_BASE	0x7ff000000000UL
#define STUB_SIZE	0x2000UL
/* The stub's writable page: arguments of host calls made for the kernel. */
#define STUB_SCRATCH	(STUB_BASE + 0x1000UL)
/* Guest addresses must lie below this (the stub sits above). */
#define GUEST_TOP	0x7fef00000000UL
#define GUEST_STACK_TOP	0x7fef00000000UL

int platform_init(void);
size_t platform_fpstate_size(void);

/* Start a new, empty guest process: a host process running the stub,
 * stopped, with nothing mapped but the stub. Returns 0 or -errno. */
int platform_spawn(struct platform_thread *th);
/* Load registers (and FP state) of a stopped thread into th. */
int platform_get_regs(struct platform_thread *th);
int platform_get_fpstate(struct platform_thread *th);
/* Resume: in syscall-emulation mode, so its next syscall stops it. */
int platform_resume(struct platform_thread *th);
/* Interrupt a running thread so it stops with STOP_KICK. */
int platform_kick(struct platform_thread *th);
/* Have the stopped thread execute a host syscall; returns its result. */
long platform_host_syscall(struct platform_thread *th, long nr, uint64_t a0,
			   uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);
/* Host fork/clone of a stopped thread; the child's platform thread is
 * filled in and stopped. flags are host clone flags. Returns child tid. */
long platform_clone(struct platform_thread *parent, unsigned long flags,
		    struct platform_thread *child);
/* Open one of the kernel's own fds in the stopped thread's host process
 * (e.g. a page-cache memfd to map); returns that process's fd or -errno. */
long platform_install_fd(struct platform_thread *th, int kernel_fd, int flags);
/* Wait for the next stop of any guest thread; returns 0 and fills ev, or
 * -EAGAIN if none is pending (nonblocking). */
int platform_next_stop(struct stop_event *ev);
/* The host fd that becomes readable when stops may be pending. */
int platform_event_fd(void);
/* Kill a host thread's whole process immediately. */
void platform_kill(pid_t host_pid);
/* Read/write guest memory of a stopped thread's process. */
ssize_t platform_read_mem(pid_t host_tid, void *dst, uint64_t src, size_t len);
ssize_t platform_write_mem(pid_t host_tid, uint64_t dst, const void *src, size_t len);
#endif
