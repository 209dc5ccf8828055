/*
 * Kernel command line (uml-compat.md §1). Two passes, as in UML:
 *   1. each host argv word is offered to the UML-level options (strncmp
 *      prefix match) and, unless the option removes itself, appended to
 *      /proc/cmdline;
 *   2. the joined line is split like Linux's next_arg() and handed to the
 *      generic handlers (__setup prefix match, early params, core params);
 *      unclaimed words become init's argv or environment.
 * Every string the config points to is owned by the config.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "cmdline.h"
#include "lib/log.h"

struct parse_state {
	struct boot_config *cfg;
	FILE *out;
	char *err;
	size_t errlen;
	bool failed;
	bool have_root, have_console;	/* UML-level: suppress the defaults */
	const char *mem_arg;		/* last mem= value, checked after pass 1 */
};

static void fail(struct parse_state *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct parse_state *st, const char *fmt, ...)
{
	va_list ap;

	if (st->failed)
		return;
	st->failed = true;
	if (!st->err || !st->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(st->err, st->errlen, fmt, ap);
	va_end(ap);
}

static char *own(struct parse_state *st, char *p)
{
	struct boot_config *cfg = st->cfg;

	if (!p) {
		fail(st, "cmdline: out of memory");
		return NULL;
	}
	if (cfg->nowned == cfg->owned_cap) {
		int cap = cfg->owned_cap ? cfg->owned_cap * 2 : 16;
		char **n = realloc(cfg->owned, cap * sizeof(*n));

		if (!n) {
			free(p);
			fail(st, "cmdline: out of memory");
			return NULL;
		}
		cfg->owned = n;
		cfg->owned_cap = cap;
	}
	cfg->owned[cfg->nowned++] = p;
	return p;
}

static char *keep(struct parse_state *st, const char *s)
{
	return own(st, strdup(s));
}

static void msg(struct parse_state *st, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void msg(struct parse_state *st, int level, const char *fmt, ...)
{
	struct boot_config *cfg = st->cfg;
	va_list ap;
	char *m;

	if (cfg->nmessages == BOOT_MSG_MAX)
		return;
	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	if (!m)
		return;
	cfg->message_level[cfg->nmessages] = level;
	cfg->messages[cfg->nmessages++] = m;
}

/*
 * Linux's simple_strtoul with base 0: "0x" + hex digit is hex, a leading 0
 * is octal, no sign or blanks. Saturates at ULONG_MAX instead of wrapping,
 * so a huge unit number is "out of range" rather than an aliased small one.
 */
static unsigned long k_strtoul(const char *s, const char **end, bool *overflow)
{
	const char *p = s;
	unsigned long v = 0;
	unsigned int base = 10;
	bool ovf = false;
	bool any = false;

	if (p[0] == '0') {
		if (tolower((unsigned char)p[1]) == 'x' && isxdigit((unsigned char)p[2])) {
			base = 16;
			p += 2;
		} else {
			base = 8;
		}
	}
	for (;; p++) {
		int c = tolower((unsigned char)*p);
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			break;
		if (d >= base)
			break;
		any = true;
		if (v > (ULONG_MAX - d) / base)
			ovf = true;
		v = ovf ? ULONG_MAX : v * base + d;
	}
	if (end)
		*end = any ? p : s;
	if (overflow)
		*overflow = ovf;
	return v;
}

/* kstrtoint: optional sign, whole string, range-checked. */
static int k_strtoint(const char *s, int *res)
{
	bool neg = false, ovf;
	const char *end;
	unsigned long v;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	v = k_strtoul(s, &end, &ovf);
	if (*end == '\n')
		end++;
	if (*end)
		return -EINVAL;
	if (ovf || v > (neg ? (unsigned long)INT_MAX + 1 : (unsigned long)INT_MAX))
		return -ERANGE;
	*res = neg ? (int)-(long)v : (int)v;
	return 0;
}

int parse_size(const char *s, uint64_t *res)
{
	const char *end;
	unsigned long v;
	unsigned int shift = 0;
	bool ovf;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	v = k_strtoul(s, &end, &ovf);
	if (ovf)
		return -EINVAL;
	switch (tolower((unsigned char)*end)) {
	case 'e': shift = 60; break;
	case 'p': shift = 50; break;
	case 't': shift = 40; break;
	case 'g': shift = 30; break;
	case 'm': shift = 20; break;
	case 'k': shift = 10; break;
	}
	if (shift)
		end++;
	if (*end)
		return -EINVAL;
	if (shift && (uint64_t)v > (UINT64_MAX >> shift))
		return -EINVAL;
	*res = (uint64_t)v << shift;
	return 0;
}

/* All of s is a decimal number <= max. */
static bool parse_dec(const char *s, unsigned long max, int *res)
{
	unsigned long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		v = v * 10 + (*s - '0');
		if (v > max)
			return false;
	}
	*res = (int)v;
	return true;
}

#define UBD_MAJOR 98

static int minor_to_ubd(unsigned long major, unsigned long minor, int *unit, int *part)
{
	if (major != UBD_MAJOR || minor >= UBD_MAX * 16)
		return -ENODEV;
	*unit = minor / 16;
	*part = minor % 16;
	return 0;
}

int parse_root_device(const char *s, int *unit, int *partition)
{
	int u, p = 0, maj, min;
	const char *colon;

	if (!s || !*s)
		return -ENODEV;
	if (!strncmp(s, "/dev/ubd", 8)) {
		s += 8;
		if (*s == '/') {
			/* devfs style /dev/ubd/<n> */
			if (!parse_dec(s + 1, UBD_MAX - 1, &u))
				return -ENODEV;
		} else if (*s >= 'a' && *s < 'a' + UBD_MAX) {
			u = *s++ - 'a';
			if (*s && (*s == '0' || !parse_dec(s, 15, &p)))
				return -ENODEV;
		} else if (!parse_dec(s, UBD_MAX - 1, &u)) {
			return -ENODEV;
		}
		*unit = u;
		*partition = p;
		return 0;
	}
	colon = strchr(s, ':');
	if (colon) {
		char majs[16];

		if (colon - s >= (long)sizeof(majs))
			return -ENODEV;
		memcpy(majs, s, colon - s);
		majs[colon - s] = 0;
		if (!parse_dec(majs, 4095, &maj) || !parse_dec(colon + 1, 1 << 20, &min))
			return -ENODEV;
		return minor_to_ubd(maj, min, unit, partition);
	}
	/* A bare hex dev_t, as Linux accepts ("6200" = 98:0). */
	if (strlen(s) > 8)
		return -ENODEV;
	for (const char *q = s; *q; q++)
		if (!isxdigit((unsigned char)*q))
			return -ENODEV;
	{
		unsigned long dev = strtoul(s, NULL, 16);

		return minor_to_ubd((dev & 0xfff00) >> 8,
				    (dev & 0xff) | ((dev >> 12) & 0xfff00),
				    unit, partition);
	}
}

void ubd_spec_clear(struct ubd_spec *spec)
{
	free(spec->file);
	free(spec->backing);
	free(spec->serial);
	memset(spec, 0, sizeof(*spec));
}

/* Next ',' or ':' separated field (strsep semantics); empty -> absent. */
static const char *ubd_field(const char **p, size_t *len)
{
	const char *s = *p, *e;

	if (!s)
		return NULL;
	e = s + strcspn(s, ",:");
	*p = *e ? e + 1 : NULL;
	*len = e - s;
	return e == s ? NULL : s;
}

int ubd_parse_config(const char *str, struct ubd_spec *devs, bool *global_sync,
		     int *unit, const char **error)
{
	struct ubd_spec spec = { .present = true };
	const char *p = str, *file, *backing, *serial;
	size_t flen = 0, blen = 0, slen = 0;
	unsigned long n;
	int i;

	*unit = -1;
	if (*p == '=') {
		if (!strcmp(p + 1, "sync")) {
			*global_sync = true;
			return 1;
		}
		*error = "fake major not supported any more";
		return 1;
	}
	if (isdigit((unsigned char)*p)) {
		n = k_strtoul(p, &p, NULL);
	} else if (*p >= 'a' && *p <= 'z') {
		n = *p++ - 'a';
	} else {
		*error = "Couldn't parse device number";
		return -EINVAL;
	}
	if (n >= UBD_MAX) {
		*error = "Device number out of range";
		return -ERANGE;
	}
	if (devs[n].present) {
		*error = "Device is already configured";
		return -EBUSY;
	}

	spec.sync = *global_sync;
	/* At most six flag letters: UML scans sizeof("rscdt=") characters. */
	for (i = 0; i < 7; i++, p++) {
		switch (*p) {
		case 'r': spec.readonly = true; break;
		case 's': spec.sync = true; break;
		case 'd': spec.data = true; break;
		case 'c': spec.shared = true; break;
		case 't': spec.notrim = true; break;
		case '=':
			p++;
			goto fields;
		default:
			*error = "Expected '=' or flag letter (r, s, c, t or d)";
			return -EINVAL;
		}
	}
	*error = *p == '=' ? "Too many flags specified" : "Missing '='";
	return -EINVAL;

fields:
	file = ubd_field(&p, &flen);
	backing = ubd_field(&p, &blen);
	serial = ubd_field(&p, &slen);
	if (backing && spec.data) {
		*error = "Can't specify both 'd' and a cow file";
		return -EINVAL;
	}
	*unit = n;
	/* UML keeps an empty file name as "not configured". */
	if (!file)
		return 0;
	spec.file = strndup(file, flen);
	if (backing)
		spec.backing = strndup(backing, blen);
	if (serial)
		spec.serial = strndup(serial, slen);
	if (!spec.file || (backing && !spec.backing) || (serial && !spec.serial)) {
		ubd_spec_clear(&spec);
		*error = "out of memory";
		return -ENOMEM;
	}
	devs[n] = spec;
	return 0;
}

/* ---- pass 1: UML-level options ---- */

static void print_help(FILE *out)
{
	static const char *const lines[] = {
		"mem=<size>                    guest RAM; bytes or K/M/G/T/P/E suffix (default 64M, minimum 16M)",
		"ubd<n><flags>=<file>[,<backing>[,<serial>]]  block device n (0-15 or a-p); flags r s d c t",
		"ubd=sync                      open ubd devices configured after it with O_SYNC",
		"root=<device>                 root device: /dev/ubda[<part>], 98:<minor> (default 98:0)",
		"rootfstype=<fs>               root filesystem type (hostfs boots from a host directory)",
		"rootflags=<options>           root mount options (the host directory for hostfs)",
		"ro, rw                        mount the root filesystem read-only / read-write (default rw)",
		"init=<path>                   program to run as init (default /sbin/init, ..., /bin/sh)",
		"con[<n>]=<channel>            console n (0-15) or all consoles: fd:<n>, null, pty, pts, port:<p>, tty:<dev>, xterm, none",
		"ssl[<n>]=<channel>            serial line n (0-63) or all serial lines",
		"console=<tty>                 the console device: tty<n> or ttyS<n> (default tty0)",
		"eth<n>=<transport>,<args>     legacy network device",
		"vec<n>:<key>=<value>,...      vector network device",
		"umid=<name>                   machine id naming the mconsole directory (at most 63 characters)",
		"uml_dir=<directory>           parent of the umid directory (default ~/.uml/)",
		"mconsole=notify:<socket>      datagram socket told about the mconsole",
		"hostfs=<directory>[,append]   host directory that hostfs mounts are relative to",
		"xterm=<emulator>[,<title-switch>[,<exec-switch>]]  terminal for xterm channels",
		"quiet, debug, loglevel=<n>    console verbosity",
		"noreboot                      a reboot request halts instead",
		"--                            everything after goes to init's argv",
		"--help, --version, --showconfig  print and exit",
	};

	fprintf(out, "User Mode Linux v%s\n", UMLINUX_RELEASE);
	fprintf(out, "\tumlinux: a user-mode Linux kernel, command-line compatible with UML\n\n");
	fprintf(out, "Usage: linux [options] [-- init arguments]\n");
	fprintf(out, "Other words are passed to init: name=value as environment, the rest as arguments.\n\n");
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		fprintf(out, "  %s\n", lines[i]);
}

static int uml_help(struct parse_state *st, const char *arg, bool *add)
{
	print_help(st->out);
	return 1;
}

static int uml_version(struct parse_state *st, const char *arg, bool *add)
{
	fprintf(st->out, "%s\n", UMLINUX_RELEASE);
	return 1;
}

static int uml_showconfig(struct parse_state *st, const char *arg, bool *add)
{
	fprintf(st->out, "#\n# umlinux %s: no .config, the features are fixed\n#\n"
		"CONFIG_UML=y\nCONFIG_64BIT=y\nCONFIG_X86_64=y\n"
		"CONFIG_BLK_DEV_UBD=y\nCONFIG_INIT_ENV_ARG_LIMIT=%d\n",
		UMLINUX_RELEASE, INIT_ARGS_MAX);
	return 1;
}

static int uml_mem(struct parse_state *st, const char *arg, bool *add)
{
	st->mem_arg = arg;
	return 0;
}

static int uml_iomem(struct parse_state *st, const char *arg, bool *add)
{
	st->cfg->iomem = keep(st, arg);
	return 0;
}

static int uml_initrd(struct parse_state *st, const char *arg, bool *add)
{
	st->cfg->initrd = keep(st, arg);
	return 0;
}

static int uml_root(struct parse_state *st, const char *arg, bool *add)
{
	st->have_root = true;
	return 0;
}

static int uml_console(struct parse_state *st, const char *arg, bool *add)
{
	st->have_console = true;
	return 0;
}

static int uml_debug(struct parse_state *st, const char *arg, bool *add)
{
	st->cfg->debug = true;
	msg(st, BOOT_MSG_HOST, "'debug' is not necessary to gdb UML in skas mode - run 'gdb linux'");
	return 0;
}

static int uml_quiet(struct parse_state *st, const char *arg, bool *add)
{
	st->cfg->quiet = true;
	return 0;
}

static int uml_noreboot(struct parse_state *st, const char *arg, bool *add)
{
	st->cfg->noreboot = true;
	return 0;
}

static int uml_umid(struct parse_state *st, const char *arg, bool *add)
{
	struct boot_config *cfg = st->cfg;

	/* UML leaves a second umid= on the command line. */
	if (cfg->umid_set) {
		msg(st, BOOT_MSG_HOST, "umid already set");
		return 0;
	}
	*add = false;
	if (strlen(arg) >= sizeof(cfg->umid))
		return 0;	/* silently ignored: a random umid is used */
	strcpy(cfg->umid, arg);
	cfg->umid_set = true;
	return 0;
}

static int uml_uml_dir(struct parse_state *st, const char *arg, bool *add)
{
	struct boot_config *cfg = st->cfg;
	size_t len = strlen(arg);
	char *dir;

	if (!len) {
		msg(st, BOOT_MSG_HOST, "uml_dir can't be an empty string");
		return 0;
	}
	if (asprintf(&dir, "%s%s", arg, arg[len - 1] == '/' ? "" : "/") < 0)
		dir = NULL;
	if (!dir) {
		fail(st, "cmdline: out of memory");
		return 0;
	}
	free(cfg->uml_dir);
	cfg->uml_dir = dir;
	return 0;
}

static int uml_hostfs(struct parse_state *st, const char *arg, bool *add)
{
	struct boot_config *cfg = st->cfg;
	char *opts = keep(st, arg), *next;

	if (!opts)
		return 0;
	next = strchr(opts, ',');
	if (next)
		*next++ = 0;
	if (*opts)
		cfg->hostfs = opts;
	for (opts = next; opts; opts = next) {
		next = strchr(opts, ',');
		if (next)
			*next++ = 0;
		if (!*opts)
			continue;
		if (!strcmp(opts, "append"))
			cfg->hostfs_append = true;
		else
			msg(st, BOOT_MSG_HOST, "hostfs_args - unsupported option - %s", opts);
	}
	return 0;
}

static int uml_xterm(struct parse_state *st, const char *arg, bool *add)
{
	struct boot_config *cfg = st->cfg;
	char *s = keep(st, arg), *f[3] = { 0 };

	*add = false;
	if (!s)
		return 0;
	for (int i = 0; i < 3 && s; i++) {
		f[i] = s;
		s = strchr(s, ',');
		if (s)
			*s++ = 0;
	}
	/* Empty fields keep the defaults. */
	cfg->xterm_emulator = f[0] && *f[0] ? f[0] : NULL;
	cfg->xterm_title = f[1] && *f[1] ? f[1] : NULL;
	cfg->xterm_exec = f[2] && *f[2] ? f[2] : NULL;
	return 0;
}

struct uml_option {
	const char *name;
	/* Nonzero: stop and exit 0. May clear *add to keep the word off the command line. */
	int (*setup)(struct parse_state *st, const char *arg, bool *add);
};

static const struct uml_option uml_options[] = {
	{ "--help", uml_help },
	{ "--version", uml_version },
	{ "--showconfig", uml_showconfig },
	{ "mem=", uml_mem },
	{ "iomem=", uml_iomem },
	{ "initrd=", uml_initrd },
	{ "root=", uml_root },
	{ "console=", uml_console },
	{ "debug", uml_debug },
	{ "quiet", uml_quiet },
	{ "noreboot", uml_noreboot },
	{ "umid=", uml_umid },
	{ "uml_dir=", uml_uml_dir },
	{ "hostfs=", uml_hostfs },
	{ "xterm=", uml_xterm },
};

static int uml_checksetup(struct parse_state *st, const char *word, bool *add)
{
	for (size_t i = 0; i < sizeof(uml_options) / sizeof(uml_options[0]); i++) {
		const struct uml_option *o = &uml_options[i];
		size_t n = strlen(o->name);

		if (!strncmp(word, o->name, n) && o->setup(st, word + n, add))
			return 1;
	}
	return 0;
}

static void add_arg(struct parse_state *st, const char *arg)
{
	char *line = st->cfg->cmdline;
	size_t len = strlen(line), alen = strlen(arg);

	if (len + (len ? 1 : 0) + alen >= COMMAND_LINE_SIZE) {
		fail(st, "add_arg: Too many command line arguments!");
		return;
	}
	if (len)
		line[len++] = ' ';
	memcpy(line + len, arg, alen + 1);
}

/* ---- pass 2: the generic kernel ---- */

static char *skip_spaces(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* Linux's next_arg(): split off one parameter, honouring double quotes. */
static char *next_arg(char *args, char **param, char **val)
{
	unsigned int i, equals = 0;
	bool in_quote = false, quoted = false;

	if (*args == '"') {
		args++;
		in_quote = quoted = true;
	}
	for (i = 0; args[i]; i++) {
		if (isspace((unsigned char)args[i]) && !in_quote)
			break;
		if (equals == 0 && args[i] == '=')
			equals = i;
		if (args[i] == '"')
			in_quote = !in_quote;
	}
	*param = args;
	if (!equals) {
		*val = NULL;
	} else {
		args[equals] = 0;
		*val = args + equals + 1;
		/* Don't include quotes in the value. */
		if (**val == '"') {
			(*val)++;
			if (args[i - 1] == '"')
				args[i - 1] = 0;
		}
	}
	if (quoted && i > 0 && args[i - 1] == '"')
		args[i - 1] = 0;
	if (args[i]) {
		args[i] = 0;
		args += i + 1;
	} else {
		args += i;
	}
	return skip_spaces(args);
}

/* Turn param\0val (or param\0"val) back into "param=val". */
static void repair_env_string(char *param, char *val)
{
	size_t n;

	if (!val)
		return;
	n = strlen(param);
	if (val == param + n + 1) {
		val[-1] = '=';
	} else if (val == param + n + 2) {
		val[-2] = '=';
		memmove(val - 1, val, strlen(val) + 1);
	}
}

/* First n characters equal, treating '-' and '_' alike (Linux parameqn). */
static bool parameqn(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ca = a[i] == '-' ? '_' : a[i];
		char cb = b[i] == '-' ? '_' : b[i];

		if (ca != cb)
			return false;
	}
	return true;
}

static void line_setup(struct parse_state *st, const char **conf, unsigned int num,
		       const char **def, const char *init, const char *name)
{
	const char *end, *error;
	unsigned long n;

	if (*init == '=') {
		/* con= / ssl=: all lines at once */
		*def = init + 1;
		return;
	}
	n = k_strtoul(init, &end, NULL);
	if (*end != '=')
		error = "Couldn't parse device number";
	else if (n >= num)
		error = "Device number out of range";
	else {
		conf[n] = end + 1;
		return;
	}
	msg(st, KERN_ERR, "Failed to set up %s with configuration string \"%s\" : %s",
	    name, init, error);
}

/* Generic handlers get the text after their name; true = consumed. */
static bool setup_ubd(struct parse_state *st, char *str)
{
	struct boot_config *cfg = st->cfg;
	const char *error = NULL;
	int unit, ret;

	ret = ubd_parse_config(str, cfg->ubd, &cfg->ubd_sync, &unit, &error);
	if (ret == -ENOMEM) {
		fail(st, "cmdline: out of memory");
	} else if (ret < 0) {
		/* UML's strsep has cut the word at the first separator by then. */
		int len = strcmp(error, "Can't specify both 'd' and a cow file") ?
			(int)strlen(str) : (int)strcspn(str, ",:");

		msg(st, KERN_ERR, "Failed to initialize device with \"%.*s\" : %s",
		    len, str, error);
	} else if (ret == 1) {
		if (error)
			msg(st, KERN_WARNING, "%s", error);
		else
			msg(st, KERN_INFO, "ubd: Synchronous mode");
	}
	return true;
}

static bool setup_udb(struct parse_state *st, char *str)
{
	msg(st, KERN_WARNING,
	    "udb%s specified on command line is almost certainly a ubd -> udb TYPO", str);
	return true;
}

static bool setup_fake_ide(struct parse_state *st, char *str)
{
	msg(st, KERN_INFO, "fake_ide: option removed, ignored");
	return true;
}

static bool setup_con(struct parse_state *st, char *str)
{
	/* console= is not a console channel */
	if (!strncmp(str, "sole=", 5))
		return false;
	line_setup(st, st->cfg->con, CON_MAX, &st->cfg->con_default, str, "console");
	return true;
}

static bool setup_ssl(struct parse_state *st, char *str)
{
	line_setup(st, st->cfg->ssl, SSL_MAX, &st->cfg->ssl_default, str, "serial line");
	return true;
}

static bool setup_ssl_non_raw(struct parse_state *st, char *str)
{
	st->cfg->ssl_non_raw = true;
	return true;
}

static void add_net(struct parse_state *st, bool vector, unsigned int unit,
		    const char *args, const char *word)
{
	struct boot_config *cfg = st->cfg;

	if (cfg->nnet == NET_MAX) {
		msg(st, KERN_ERR, "%s: too many network devices, '%s' ignored",
		    vector ? "vector_setup" : "eth_setup", word);
		return;
	}
	cfg->net[cfg->nnet++] = (struct net_spec){ vector, unit, args };
}

static bool setup_eth(struct parse_state *st, char *str)
{
	const char *end, *error;
	bool ovf;
	unsigned long n = k_strtoul(str, &end, &ovf);

	if (end == str)
		error = "Bad device number";
	else if (*end != '=')
		error = "Expected '=' after device number";
	else if (ovf || n > UINT_MAX)
		error = "Bad device number";
	else {
		add_net(st, false, n, end + 1, str);
		return true;
	}
	msg(st, KERN_ERR, "eth_setup - Couldn't parse '%s' : %s", str, error);
	return true;
}

static bool setup_vec(struct parse_state *st, char *str)
{
	char *p = str;
	unsigned long long n;
	const char *end;
	bool ovf;

	while (*p != ':' && strlen(p) > 1)
		p++;
	if (*p != ':') {
		msg(st, KERN_ERR, "vector_setup - Couldn't parse '%s' : %s", str,
		    "Expected ':' after device number");
		return true;
	}
	*p = 0;		/* as UML: the message below shows the unit only */
	n = isdigit((unsigned char)*str) ? k_strtoul(str, &end, &ovf) : 0;
	if (!isdigit((unsigned char)*str) || *end || ovf || n > UINT_MAX) {
		msg(st, KERN_ERR, "vector_setup - Couldn't parse '%s' : %s", str,
		    "Bad device number");
		return true;
	}
	add_net(st, true, n, p + 1, str);
	return true;
}

static bool setup_mconsole(struct parse_state *st, char *str)
{
	if (!strncmp(str, "notify:", 7))
		st->cfg->mconsole_notify = str + 7;
	else
		msg(st, KERN_ERR, "mconsole_setup : Unknown option - '%s'", str);
	return true;
}

static bool setup_stderr(struct parse_state *st, char *str)
{
	st->cfg->stderr_console = (int)k_strtoul(str, NULL, NULL);
	return true;
}

static bool setup_root(struct parse_state *st, char *str)
{
	st->cfg->root = str;
	return true;
}

static bool setup_rootfstype(struct parse_state *st, char *str)
{
	st->cfg->rootfstype = str;
	return true;
}

static bool setup_rootflags(struct parse_state *st, char *str)
{
	st->cfg->rootflags = str;
	return true;
}

static bool setup_rootwait(struct parse_state *st, char *str)
{
	if (*str && *str != '=')
		return false;
	st->cfg->rootwait = true;
	return true;
}

static bool setup_rootdelay(struct parse_state *st, char *str)
{
	return true;
}

static bool setup_ro(struct parse_state *st, char *str)
{
	if (*str)
		return false;
	st->cfg->ro = true;
	return true;
}

static bool setup_rw(struct parse_state *st, char *str)
{
	if (*str)
		return false;
	st->cfg->ro = false;
	return true;
}

static void clear_init_args(struct boot_config *cfg)
{
	for (int i = 1; i < cfg->init_argc; i++)
		cfg->init_argv[i] = NULL;
	cfg->init_argc = 1;
}

static bool setup_init(struct parse_state *st, char *str)
{
	/* Like Linux: words before init= were LILO's "auto" and friends. */
	st->cfg->init = str;
	clear_init_args(st->cfg);
	return true;
}

static bool setup_rdinit(struct parse_state *st, char *str)
{
	st->cfg->rdinit = str;
	clear_init_args(st->cfg);
	return true;
}

static bool setup_console(struct parse_state *st, char *str)
{
	st->cfg->console = str;
	return true;
}

static bool setup_sysrq(struct parse_state *st, char *str)
{
	st->cfg->sysrq_always_enabled = true;
	return true;
}

/* Early params: matched on the whole name, applied in order. */
static bool early_quiet(struct parse_state *st, char *val)
{
	st->cfg->quiet = true;
	return true;
}

static bool early_debug(struct parse_state *st, char *val)
{
	st->cfg->debug = true;
	return true;
}

static bool early_loglevel(struct parse_state *st, char *val)
{
	const char *p = val, *end;
	bool neg = false;
	unsigned long v;

	if (p && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	if (!p || !isdigit((unsigned char)*p)) {
		msg(st, KERN_WARNING, "Malformed early option 'loglevel'");
		return true;
	}
	v = k_strtoul(p, &end, NULL);
	if (v > INT_MAX)
		v = INT_MAX;
	st->cfg->loglevel = neg ? -(int)v : (int)v;
	return true;
}

static bool early_ignore(struct parse_state *st, char *val)
{
	return true;
}

struct kernel_setup {
	const char *name;
	bool early;
	/* __setup: text after name; early: value after '=' or NULL */
	bool (*fn)(struct parse_state *st, char *str);
};

/* Link order matters only where prefixes overlap: ssl-non-raw before ssl. */
static const struct kernel_setup kernel_setups[] = {
	{ "ssl-non-raw", false, setup_ssl_non_raw },
	{ "ubd", false, setup_ubd },
	{ "udb", false, setup_udb },
	{ "fake_ide", false, setup_fake_ide },
	{ "con", false, setup_con },
	{ "ssl", false, setup_ssl },
	{ "eth", false, setup_eth },
	{ "vec", false, setup_vec },
	{ "mconsole=", false, setup_mconsole },
	{ "stderr=", false, setup_stderr },
	{ "root=", false, setup_root },
	{ "rootfstype=", false, setup_rootfstype },
	{ "rootflags=", false, setup_rootflags },
	{ "rootwait", false, setup_rootwait },
	{ "rootdelay=", false, setup_rootdelay },
	{ "ro", false, setup_ro },
	{ "rw", false, setup_rw },
	{ "init=", false, setup_init },
	{ "rdinit=", false, setup_rdinit },
	{ "console=", false, setup_console },
	{ "sysrq_always_enabled", false, setup_sysrq },
	{ "quiet", true, early_quiet },
	{ "debug", true, early_debug },
	{ "loglevel", true, early_loglevel },
	{ "earlyprintk", true, early_ignore },
	{ "ignore_loglevel", true, early_ignore },
	{ "initrd", true, early_ignore },
};

/* Linux's obsolete_checksetup() over "param=value" text. */
static bool kernel_checksetup(struct parse_state *st, char *line)
{
	bool had_early = false;

	for (size_t i = 0; i < sizeof(kernel_setups) / sizeof(kernel_setups[0]); i++) {
		const struct kernel_setup *p = &kernel_setups[i];
		size_t n = strlen(p->name);

		if (strlen(line) < n || !parameqn(line, p->name, n))
			continue;
		if (p->early) {
			if (line[n] == 0 || line[n] == '=') {
				if (!had_early)
					p->fn(st, line[n] ? line + n + 1 : NULL);
				had_early = true;
			}
		} else if (p->fn(st, line + n)) {
			return true;
		}
	}
	return had_early;
}

/* Core (non-module) kernel parameters: exact name. */
static bool core_param(struct parse_state *st, const char *param, const char *val)
{
	int v;

	if (strlen(param) != 5 || !parameqn(param, "panic", 5))
		return false;
	if (!val || k_strtoint(val, &v))
		msg(st, KERN_WARNING, "Booting kernel: `%s' invalid for parameter `%s'",
		    val ? val : "", param);
	else
		st->cfg->panic_timeout = v;
	return true;
}

static void add_init_arg(struct parse_state *st, const char *arg)
{
	struct boot_config *cfg = st->cfg;

	if (cfg->init_argc > INIT_ARGS_MAX) {
		fail(st, "Too many boot init vars at `%s'", arg);
		return;
	}
	cfg->init_argv[cfg->init_argc++] = arg;
	cfg->init_argv[cfg->init_argc] = NULL;
}

static void add_init_env(struct parse_state *st, const char *entry, size_t namelen)
{
	struct boot_config *cfg = st->cfg;

	/* A second name=value replaces the first (also HOME=, TERM=). */
	for (int i = 0; i < cfg->init_envc; i++) {
		if (!strncmp(entry, cfg->init_envp[i], namelen + 1)) {
			cfg->init_envp[i] = entry;
			return;
		}
	}
	if (cfg->init_envc > INIT_ARGS_MAX) {
		fail(st, "Too many boot env vars at `%s'", entry);
		return;
	}
	cfg->init_envp[cfg->init_envc++] = entry;
	cfg->init_envp[cfg->init_envc] = NULL;
}

/* Linux's unknown_bootoption(): whatever no parameter claims goes to init. */
static void unknown_bootoption(struct parse_state *st, char *param, char *val)
{
	size_t len = strlen(param);

	repair_env_string(param, val);
	if (kernel_checksetup(st, param))
		return;
	/* Unused module parameter. */
	if (memchr(param, '.', len))
		return;
	/* Bootloader leftovers. */
	if ((len == 10 && !strncmp(param, "BOOT_IMAGE", 10) && val) ||
	    (!val && !strcmp(param, "kexec")))
		return;
	if (val)
		add_init_env(st, param, len);
	else
		add_init_arg(st, param);
}

static void report_unknown(struct parse_state *st)
{
	struct boot_config *cfg = st->cfg;
	char *list;
	size_t size = 1, used = 0;

	if (cfg->init_argc <= 1 && cfg->init_envc <= 2)
		return;
	for (int i = 1; i < cfg->init_argc; i++)
		size += strlen(cfg->init_argv[i]) + 1;
	for (int i = 2; i < cfg->init_envc; i++)
		size += strlen(cfg->init_envp[i]) + 1;
	list = malloc(size);
	if (!list)
		return;
	list[0] = 0;
	for (int i = 1; i < cfg->init_argc; i++)
		used += sprintf(list + used, "%s%s", used ? " " : "", cfg->init_argv[i]);
	for (int i = 2; i < cfg->init_envc; i++)
		used += sprintf(list + used, "%s%s", used ? " " : "", cfg->init_envp[i]);
	msg(st, KERN_NOTICE,
	    "Unknown kernel command line parameters \"%s\", will be passed to user space.", list);
	free(list);
}

static void parse_kernel_args(struct parse_state *st, char *args)
{
	char *param, *val;

	args = skip_spaces(args);
	while (*args && !st->failed) {
		args = next_arg(args, &param, &val);
		if (!val && !strcmp(param, "--"))
			break;
		if (core_param(st, param, val))
			continue;
		unknown_bootoption(st, param, val);
	}
	/* After "--": init's argv as is, name=value included (and any later "--"). */
	while (*args && !st->failed) {
		args = next_arg(args, &param, &val);
		repair_env_string(param, val);
		add_init_arg(st, param);
	}
}

static bool nodev_fstype(const char *type)
{
	static const char *const nodev[] = { "hostfs", "tmpfs", "ramfs" };

	for (size_t i = 0; type && i < sizeof(nodev) / sizeof(nodev[0]); i++)
		if (!strcmp(type, nodev[i]))
			return true;
	return false;
}

static void config_init(struct boot_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem = DEFAULT_MEM;
	cfg->loglevel = -1;
	cfg->root_unit = cfg->root_part = -1;
	cfg->init_argv[0] = "init";
	cfg->init_argc = 1;
	cfg->init_envp[0] = "HOME=/";
	cfg->init_envp[1] = "TERM=linux";
	cfg->init_envc = 2;
}

int cmdline_parse(int argc, char **argv, struct boot_config *cfg, FILE *out,
		  char *err, size_t errlen)
{
	struct parse_state st = {
		.cfg = cfg, .out = out ? out : stdout, .err = err, .errlen = errlen,
	};
	size_t user_len;
	char *work;
	int r;

	config_init(cfg);
	if (err && errlen)
		err[0] = 0;

	for (int i = 1; i < argc && argv[i] && !st.failed; i++) {
		bool add = true;

		/* UML skips a first word starting with a space. */
		if (i == 1 && argv[i][0] == ' ')
			continue;
		if (uml_checksetup(&st, argv[i], &add))
			return 1;
		if (add)
			add_arg(&st, argv[i]);
	}
	user_len = strlen(cfg->cmdline);
	if (!st.have_root)
		add_arg(&st, "root=98:0");
	if (!st.have_console)
		add_arg(&st, "console=tty0");
	if (st.failed)
		return -1;

	if (st.mem_arg) {
		if (parse_size(st.mem_arg, &cfg->mem)) {
			fail(&st, "mem=: invalid size '%s'", st.mem_arg);
			return -1;
		}
		if (cfg->mem < MIN_MEM) {
			fail(&st, "mem=: size '%s' too small (minimum 16M)", st.mem_arg);
			return -1;
		}
	}

	/*
	 * The appended defaults are applied directly rather than parsed: in
	 * UML they would land after a "--" and be handed to init.
	 */
	work = own(&st, strndup(cfg->cmdline, user_len));
	if (!work)
		return -1;
	parse_kernel_args(&st, work);
	if (st.failed)
		return -1;
	report_unknown(&st);

	if (!cfg->console)
		cfg->console = "tty0";
	if (!cfg->root)
		cfg->root = "98:0";
	r = parse_root_device(cfg->root, &cfg->root_unit, &cfg->root_part);
	if (r < 0) {
		cfg->root_unit = cfg->root_part = -1;
		if (!nodev_fstype(cfg->rootfstype)) {
			fail(&st, "root=: unknown device '%s'", cfg->root);
			return -1;
		}
	}
	return 0;
}

void boot_config_free(struct boot_config *cfg)
{
	for (int i = 0; i < cfg->nowned; i++)
		free(cfg->owned[i]);
	free(cfg->owned);
	for (int i = 0; i < cfg->nmessages; i++)
		free(cfg->messages[i]);
	for (int i = 0; i < UBD_MAX; i++)
		ubd_spec_clear(&cfg->ubd[i]);
	free(cfg->uml_dir);
	config_init(cfg);
}
