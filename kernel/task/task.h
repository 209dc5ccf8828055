/* Tasks (guest threads) and processes (thread groups). */
#ifndef TASK_TASK_H
#define TASK_TASK_H
#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>
#include <sys/resource.h>
#include <signal.h>
#include "lib/list.h"
#include "lib/waitq.h"
#include "lib/event.h"
#include "platform/platform.h"
#include "lib/cred.h"

struct mm;
struct fdtable;
struct fs_context;
struct file;

/* Guest signal sets are 64 bits, as Linux's x86-64 sigset_t is to syscalls. */
typedef uint64_t ksigset_t;
#define KSIG_NSIG 64
#define ksig_bit(sig) (1ULL << ((sig) - 1))

struct ksigaction {
	uint64_t handler;	/* SIG_DFL 0, SIG_IGN 1, or a guest address */
	uint64_t flags;
	uint64_t restorer;
	ksigset_t mask;
};

struct sigqueue_entry {
	struct list node;
	siginfo_t info;
};

struct sigpending {
	ksigset_t set;
	struct list queue;	/* struct sigqueue_entry, for siginfo */
};

/* Shared by the threads of a process (CLONE_SIGHAND). */
struct sighand {
	int refs;
	struct ksigaction action[KSIG_NSIG];
};

enum task_state {
	TASK_RUNNING,		/* guest code is running on the host */
	TASK_READY,		/* stopped, a syscall retry or resume is due */
	TASK_BLOCKED,		/* parked in a syscall on wait queues/timer */
	TASK_STOPPED,		/* job-control stop */
	TASK_DEAD,		/* thread exited; reaped with its process */
};

/* A process: one guest address space, pid = tgid, the unit of wait(). */
struct process {
	int pid;
	int pgid, sid;
	struct process *parent;
	struct list children;		/* struct process, sibling */
	struct list sibling;
	struct list all_node;		/* all processes */
	struct list threads;		/* struct task, thread_node */
	int nr_threads;
	struct mm *mm;
	struct fdtable *files;
	struct fs_context *fs;
	struct sighand *sighand;
	struct sigpending shared_pending;
	struct cred cred;
	struct rlimit rlim[RLIM_NLIMITS];
	char comm[16];
	char *exe_path;			/* for /proc/PID/exe */
	uint64_t arg_start, arg_end, env_start, env_end;
	bool zombie;			/* all threads dead, waiting for reap */
	bool reaped;			/* freed once its last task is gone */
	bool exiting;			/* exit_group in progress */
	int exit_code;			/* wait status */
	bool stopped;			/* job-control stopped (group stop) */
	int stop_sig;
	bool stop_reported, cont_reported;
	struct waitq child_wait;	/* woken when a child changes state */
	struct task *vfork_waiter;	/* parent parked until exec/exit */
	uint64_t start_time_ns;
	/* Accounting, in nanoseconds. */
	uint64_t utime_ns, stime_ns, cutime_ns, cstime_ns;
	uint64_t maxrss_kb, cmaxrss_kb;
	/* ITIMER_REAL (and alarm). */
	struct ktimer itimer_real;
	uint64_t itimer_real_interval;
	int tty_index;			/* controlling tty, -1 if none */
};

/* A task: one guest thread, backed by one host thread. */
struct task {
	int tid;
	struct process *proc;
	struct list thread_node;
	struct list all_node;		/* all tasks, by tid */
	struct platform_thread pt;	/* host side: tid, registers */
	enum task_state state;
	ksigset_t blocked;
	ksigset_t saved_mask;		/* restored after sigsuspend/ppoll */
	bool restore_saved_mask;
	struct sigpending pending;
	uint64_t sas_sp, sas_size;	/* sigaltstack */
	int sas_flags;
	uint64_t clear_child_tid;
	/* The syscall being serviced: number and arguments, kept so a parked
	 * call can be retried as it was made. */
	long sc_nr;
	uint64_t sc_args[6];
	bool in_syscall;
	struct list waits;		/* struct task_wait: queues parked on */
	uint64_t wake_deadline;		/* 0 = none; ktime_ns() deadline */
	struct ktimer wake_timer;
	struct task *host_next;		/* host tid hash chain */
	bool timed_out;
	long block_intr;		/* result if a signal interrupts the park */
	struct list ready_node;
	uint64_t syscall_count;
	int vfork_child;		/* vfork: the child we wait for */
	void *futex_wait;		/* the futex waiter record while parked */
};

/* The task whose syscall is being serviced (like Linux's current). */
extern struct task *current;

struct task *task_by_tid(int tid);
struct process *process_by_pid(int pid);
/* Iterate over all processes: fn returns nonzero to stop. */
int for_each_process(int (*fn)(struct process *p, void *arg), void *arg);

/* Park t's current syscall on wq; it is retried when wq is woken. */
void task_wait_on(struct task *t, struct waitq *wq);
/* Also wake t at the given ktime_ns() deadline (sets t->timed_out). */
void task_wait_until(struct task *t, uint64_t deadline_ns);
/* Make a parked task retry its syscall now. */
void task_wake(struct task *t);
/* A poll_table that parks t on every queue the poll methods offer. */
void task_poll_table(struct task *t, struct poll_table *pt);

/* The process a wait/kill targets; NULL if none. */
static inline struct process *task_process(struct task *t)
{
	return t ? t->proc : NULL;
}

#endif
