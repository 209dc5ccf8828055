/* mconsole config and remove: ubd devices and the mem= limit
 * (uml-compat.md §3.6). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cmdline.h"
#include "block/ubd.h"
#include "fs/vfs.h"
#include "mm/mm.h"
#include "lib/log.h"
#include "mconsole/internal.h"
#include "tty/tty.h"

/* "ubd<N>" or "ubd<letter>" at s (after "ubd"): the unit, -1 if absent,
 * -2 if out of range; *end after it. */
static int parse_unit(const char *s, const char **end)
{
	if (isdigit((unsigned char)*s)) {
		long n = strtol(s, (char **)end, 10);
		return n < UBD_MAX ? (int)n : -2;
	}
	if (*s >= 'a' && *s <= 'z') {
		*end = s + 1;
		return *s - 'a' < UBD_MAX ? *s - 'a' : -2;
	}
	*end = s;
	return -1;
}

static void ubd_config_set(struct mc_request *r, const char *spec)
{
	struct ubd_spec devs[UBD_MAX];
	const char *error = NULL;
	char err[512];
	bool sync = false;
	unsigned flags = 0;
	int unit = -1, ret;

	memset(devs, 0, sizeof(devs));
	ret = ubd_parse_config(spec, devs, &sync, &unit, &error);
	if (ret < 0 || ret == 1) {
		if (ret == 1 && unit < 0 && !error)
			error = "ubd=sync only applies on the command line";
		mc_reply(r, error ? error : "Bad ubd configuration", ret < 0 ? ret : 1, 0);
		goto out;
	}
	if (ubd_configured(unit)) {
		mc_err(r, "Device is already configured");
		goto out;
	}
	if (!devs[unit].file) {
		mc_err(r, "No file given for the device");
		goto out;
	}
	flags |= devs[unit].readonly ? UBD_RDONLY : 0;
	flags |= devs[unit].sync ? UBD_SYNC : 0;
	flags |= devs[unit].data ? UBD_DATA : 0;
	flags |= devs[unit].shared ? UBD_SHARED : 0;
	flags |= devs[unit].notrim ? UBD_NOTRIM : 0;
	err[0] = 0;
	ret = ubd_configure(unit, devs[unit].file, devs[unit].backing, flags, err, sizeof(err));
	if (ret < 0) {
		mc_reply(r, err[0] ? err : strerror(-ret), ret, 0);
		goto out;
	}
	printk("mconsole: ubd%c configured on \"%s\"\n", 'a' + unit, devs[unit].file);
	mc_ok(r, "");
out:
	for (int i = 0; i < UBD_MAX; i++)
		ubd_spec_clear(&devs[i]);
}

static void ubd_config(struct mc_request *r, const char *arg)
{
	const char *end;
	int unit;

	if (strchr(arg, '=')) {
		ubd_config_set(r, arg + 3);
		return;
	}
	unit = parse_unit(arg + 3, &end);
	if (unit == -2 || (unit >= 0 && *end)) {
		mc_err(r, "ubd_get_config : device number out of range");
		return;
	}
	if (unit < 0) {
		mc_err(r, "ubd_get_config : no device number given");
		return;
	}
	/* UML's reply: the file, or "<cow-file>,<backing-file>" */
	if (ubd_configured(unit) && ubd_file(unit) && ubd_backing(unit)) {
		char both[2 * PATH_MAX + 2];

		snprintf(both, sizeof(both), "%s,%s", ubd_file(unit), ubd_backing(unit));
		mc_ok(r, both);
		return;
	}
	mc_ok(r, ubd_configured(unit) && ubd_file(unit) ? ubd_file(unit) : "");
}

/* mem=SIZE sets the limit; mem=+SIZE / mem=-SIZE change it as UML's
 * increments do. It cannot go below 16 MiB or below what guests hold. */
static void mem_config(struct mc_request *r, const char *arg)
{
	uint64_t size, limit = mm_limit(), used = mm_committed_total();
	char buf[160];
	int sign = 0;

	arg += 3;
	if (!*arg) {
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)limit);
		mc_ok(r, buf);
		return;
	}
	if (*arg++ != '=') {
		mc_err(r, "Expected '=' after 'mem'");
		return;
	}
	if (*arg == '+' || *arg == '-')
		sign = *arg++ == '+' ? 1 : -1;
	if (parse_size(arg, &size) < 0) {
		mc_err(r, "Failed to parse memory increment");
		return;
	}
	if (sign > 0)
		size = limit + size < limit ? UINT64_MAX : limit + size;
	else if (sign < 0)
		size = size > limit ? 0 : limit - size;
	if (size < MIN_MEM) {
		snprintf(buf, sizeof(buf), "Memory limit %llu bytes is below the minimum of %llu",
			 (unsigned long long)size, (unsigned long long)MIN_MEM);
		mc_err(r, buf);
		return;
	}
	if (size < used) {
		snprintf(buf, sizeof(buf), "Memory limit %llu bytes is below the %llu bytes "
			 "guests have committed", (unsigned long long)size,
			 (unsigned long long)used);
		mc_err(r, buf);
		return;
	}
	size &= ~(PAGE_SIZE - 1);
	mm_set_limit(size);
	printk("mconsole: memory limit now %llu kB\n", (unsigned long long)(size >> 10));
	mc_ok(r, "");
}

/* conN / sslN: a query gives the channel, conN=SPEC adds a line that is
 * not configured yet. */
static void line_config(struct mc_request *r, const char *arg, int base, int count)
{
	char buf[256], *end;
	long n;

	arg += 3;
	if (*arg == '=') {
		mc_err(r, "Can't configure all devices from mconsole");
		return;
	}
	n = strtol(arg, &end, 10);
	if (end == arg || n < 0 || n >= count) {
		mc_err(r, end == arg ? "Couldn't parse device number" : "Device number out of range");
		return;
	}
	if (!*end) {
		if (tty_line_describe(base + n, buf, sizeof(buf)) < 0)
			mc_err(r, "Device is not configured");
		else
			mc_ok(r, buf);
		return;
	}
	if (*end != '=') {
		mc_err(r, "Expected '=' after the device number");
		return;
	}
	if (tty_lookup(base + n)) {
		/* UML's words while a guest has it open; we also keep a
		 * configured line as it is when it is closed. */
		mc_err(r, tty_lookup(base + n)->open_count ? "Device is already open"
							     : "Device already configured");
		return;
	}
	if (tty_line_config(base + n, end + 1, buf, sizeof(buf)) < 0)
		mc_err(r, buf);
	else
		mc_ok(r, "");
}

void mc_cmd_config(struct mc_request *r)
{
	const char *arg = r->args;

	if (!strncmp(arg, "ubd", 3))
		ubd_config(r, arg);
	else if (!strncmp(arg, "mem", 3))
		mem_config(r, arg);
	else if (!strncmp(arg, "con", 3))
		line_config(r, arg, 0, TTY_NR_CONSOLES);
	else if (!strncmp(arg, "ssl", 3))
		line_config(r, arg, TTY_SERIAL_BASE, TTY_NR_SERIAL);
	else
		mc_err(r, "Bad configuration option");
}

/* ---- remove ----------------------------------------------------------- */

/* Undo /proc/mounts escaping (\040 and friends) in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

struct mounted_arg {
	int unit;
	char where[256];
	bool found;
};

static bool path_on_unit(const struct nameidata_ctx *ctx, const char *name, int unit,
			 bool device)
{
	struct path p;
	bool hit = false;

	if (name[0] != '/' || vfs_lookup(ctx, name, LOOKUP_FOLLOW, &p))
		return false;
	if (device)
		hit = S_ISBLK(p.dentry->inode->mode) && ubd_unit_of(p.dentry->inode->rdev) == unit;
	else
		hit = ubd_unit_of(p.mnt->sb->dev) == unit;
	path_put(&p);
	return hit;
}

/* Is a filesystem of the unit mounted? Filesystems do not hold the
 * device open, so the mount table is asked: by source device and by the
 * superblock found at the mount point. */
static int find_mount(const struct nameidata_ctx *ctx, void *arg)
{
	struct mounted_arg *m = arg;
	struct path root = vfs_root_path();
	size_t len = vfs_mounts_text(&root, NULL, 0) + 1;
	char *text = malloc(len), *line, *save = NULL;

	if (ubd_unit_of(root.mnt->sb->dev) == m->unit) {
		snprintf(m->where, sizeof(m->where), "/");
		m->found = true;
	}
	if (!text)
		return -ENOMEM;
	vfs_mounts_text(&root, text, len);
	for (line = strtok_r(text, "\n", &save); line && !m->found;
	     line = strtok_r(NULL, "\n", &save)) {
		char src[256], dst[256];
		if (sscanf(line, "%255s %255s", src, dst) != 2)
			continue;
		unescape(src);
		unescape(dst);
		if (path_on_unit(ctx, src, m->unit, true) || path_on_unit(ctx, dst, m->unit, false)) {
			snprintf(m->where, sizeof(m->where), "%s", dst);
			m->found = true;
		}
	}
	free(text);
	return 0;
}

static void ubd_remove_cmd(struct mc_request *r, const char *arg)
{
	struct mounted_arg m = { 0 };
	const char *end;
	char err[512], msg[400];
	int unit = parse_unit(arg + 3, &end), ret;

	if (unit < 0 || *end) {
		mc_err(r, "Invalid device number - must be between 0 and 15");
		return;
	}
	if (!ubd_configured(unit)) {
		mc_reply(r, "Device doesn't exist", -ENODEV, 0);
		return;
	}
	m.unit = unit;
	mc_with_init_ctx(find_mount, &m);
	if (m.found) {
		snprintf(msg, sizeof(msg), "Device is currently open (mounted on %s)", m.where);
		mc_reply(r, msg, -EBUSY, 0);
		return;
	}
	err[0] = 0;
	ret = ubd_remove(unit, err, sizeof(err));
	if (ret == -EBUSY) {
		mc_reply(r, "Device is currently open", ret, 0);
		return;
	}
	if (ret < 0) {
		mc_reply(r, err[0] ? err : strerror(-ret), ret, 0);
		return;
	}
	printk("mconsole: ubd%c removed\n", 'a' + unit);
	mc_ok(r, "");
}

void mc_cmd_remove(struct mc_request *r)
{
	const char *arg = r->args;

	if (!strncmp(arg, "ubd", 3))
		ubd_remove_cmd(r, arg);
	else if (!strncmp(arg, "mem", 3))
		mc_err(r, "Memory doesn't support the remove operation");
	else
		mc_err(r, "Bad remove option");
}
