/* Unix98 pseudo-terminals. Opening /dev/ptmx (5:2) makes a pair: the
 * master is a file of its own; the slave /dev/pts/N (136:N) is a struct
 * tty at index TTY_PTY_BASE + N with the common line discipline and job
 * control of tty.c. Master writes are the slave's input; the slave's
 * output (after OPOST processing) is what the master reads. The names
 * live in devpts (fs/devpts.c). */
#ifndef TTY_PTY_H
#define TTY_PTY_H

struct inode;
struct file;

/* Boot, from tty_init: register the devpts filesystem. */
int pty_init(void);
/* tty_open of /dev/ptmx: a new pair, its master file in f (-ENOSPC when
 * every index is taken). */
int pty_open_master(struct inode *ino, struct file *f);
#endif
