/* Kernel log: a ring buffer read by syslog/dmesg, echoed to the console. */
#ifndef LIB_LOG_H
#define LIB_LOG_H
#include <stddef.h>
#include <sys/types.h>

/* Linux log levels, as the leading "<n>" of a message or the level argument. */
enum { KERN_EMERG, KERN_ALERT, KERN_CRIT, KERN_ERR, KERN_WARNING,
       KERN_NOTICE, KERN_INFO, KERN_DEBUG };

/* printk: log a message at KERN_INFO ("<n>" prefix selects another level). */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void printk_level(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Where console output goes (set by the tty layer); NULL = host stderr. */
void log_set_console(void (*write)(const char *buf, size_t len));
/* Suppress echo of messages below this level to the console. */
void log_set_console_level(int level);

/* Copy up to len bytes of the log (oldest first) into buf; returns bytes. */
size_t log_read_all(char *buf, size_t len);
size_t log_size(void);
void log_clear(void);
/* Sequence number of the newest record, for /dev/kmsg readers. */
unsigned long log_seq(void);
/* Fetch record seq into buf as "level,seq,usec,-;text\n"; -EPIPE if overwritten. */
ssize_t log_read_record(unsigned long seq, char *buf, size_t len);

/* Host-side messages before the console exists (stderr), as UML prints them. */
void host_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Called by panic() before it aborts (the kernel restores the host tty). */
void log_set_panic_hook(void (*fn)(void));

/* Unrecoverable kernel state: log, clean up the host terminal, abort. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
#endif
