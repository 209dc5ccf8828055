/* The kernel log: records in a ring buffer, echoed to the console. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/ktime.h"

#define LOG_RECORDS 1024
#define LOG_TEXT 256

struct log_record {
	unsigned long seq;
	int level;
	uint64_t usec;
	char text[LOG_TEXT];
};

static struct log_record ring[LOG_RECORDS];
static unsigned long next_seq;		/* records 0..next_seq-1 were written */
static void (*console_write)(const char *buf, size_t len);
static int console_level = KERN_DEBUG + 1;
static void (*panic_hook)(void);
static unsigned long clear_seq;		/* syslog's read-all starts here */
/* A partial line waiting for its newline. */
static char pending[LOG_TEXT];
static size_t pending_len;
static int pending_level = KERN_INFO;

void log_set_console(void (*write)(const char *buf, size_t len))
{
	console_write = write;
}

void log_set_console_level(int level)
{
	console_level = level;
}

void log_set_panic_hook(void (*fn)(void))
{
	panic_hook = fn;
}

static void console_out(const char *buf, size_t len)
{
	if (console_write)
		console_write(buf, len);
	else if (write(2, buf, len) < 0)
		return;
}

static void commit_line(int level, const char *text, size_t len)
{
	struct log_record *r = &ring[next_seq % LOG_RECORDS];

	if (len >= LOG_TEXT)
		len = LOG_TEXT - 1;
	r->seq = next_seq++;
	r->level = level;
	r->usec = ktime_ns() / 1000;
	memcpy(r->text, text, len);
	r->text[len] = 0;
	if (level < console_level) {
		console_out(text, len);
		console_out("\n", 1);
	}
}

static void log_text(int level, const char *s)
{
	/* A "<n>" prefix picks the level, as in Linux. */
	if (s[0] == '<' && s[1] >= '0' && s[1] <= '7' && s[2] == '>') {
		level = s[1] - '0';
		s += 3;
	}
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		if (pending_len == 0)
			pending_level = level;
		if (pending_len + n >= LOG_TEXT)
			n = LOG_TEXT - 1 - pending_len;
		memcpy(pending + pending_len, s, n);
		pending_len += n;
		if (!nl) {
			if (pending_len >= LOG_TEXT - 1) {
				commit_line(pending_level, pending, pending_len);
				pending_len = 0;
			}
			break;
		}
		commit_line(pending_level, pending, pending_len);
		pending_len = 0;
		s = nl + 1;
	}
}

void printk_level(int level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_text(level, buf);
}

void printk(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_text(KERN_INFO, buf);
}

unsigned long log_seq(void)
{
	return next_seq;
}

static unsigned long oldest_seq(void)
{
	return next_seq > LOG_RECORDS ? next_seq - LOG_RECORDS : 0;
}

ssize_t log_read_record(unsigned long seq, char *buf, size_t len)
{
	struct log_record *r;
	int n;

	if (seq < oldest_seq())
		return -EPIPE;
	if (seq >= next_seq)
		return -EAGAIN;
	r = &ring[seq % LOG_RECORDS];
	n = snprintf(buf, len, "%d,%lu,%llu,-;%s\n", r->level, r->seq,
		     (unsigned long long)r->usec, r->text);
	if (n < 0 || (size_t)n >= len)
		return -EINVAL;
	return n;
}

/* The syslog(2) format: "<level>[seconds.micros] text\n" per record. */
size_t log_read_all(char *buf, size_t len)
{
	size_t used = 0;

	unsigned long first = oldest_seq() > clear_seq ? oldest_seq() : clear_seq;

	for (unsigned long s = first; s < next_seq; s++) {
		struct log_record *r = &ring[s % LOG_RECORDS];
		int n = snprintf(buf + used, len - used, "<%d>[%5llu.%06llu] %s\n", r->level,
				 (unsigned long long)(r->usec / 1000000),
				 (unsigned long long)(r->usec % 1000000), r->text);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += n;
	}
	return used;
}

size_t log_size(void)
{
	return (next_seq - oldest_seq()) * (LOG_TEXT + 24);
}

void log_clear(void)
{
	clear_seq = next_seq;	/* records stay readable by /dev/kmsg */
}

void host_msg(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && write(2, buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1) < 0)
		return;
}

void panic(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk_level(KERN_EMERG, "Kernel panic - not syncing: %s\n", buf);
	if (panic_hook)
		panic_hook();
	abort();
}
