/* Kernel command line: UML-level options, ubd/con/eth syntax, init argv/env. */
#include <errno.h>
#include "unit.h"
#include "cmdline.h"
#include "lib/log.h"

static struct boot_config cfg;
static char err[256];

/* Parse "linux <words...>" into cfg (freeing the previous result). */
static int parse_out(FILE *out, const char *const *words)
{
	char *argv[512];
	int argc = 0;

	boot_config_free(&cfg);
	argv[argc++] = "linux";
	while (*words)
		argv[argc++] = (char *)*words++;
	argv[argc] = NULL;
	return cmdline_parse(argc, argv, &cfg, out, err, sizeof(err));
}

#define PARSE(...) parse_out(NULL, (const char *const[]){ __VA_ARGS__, NULL })
#define PARSE0() parse_out(NULL, (const char *const[]){ NULL })

static int find_env(const char *entry)
{
	for (int i = 0; i < cfg.init_envc; i++)
		if (!strcmp(cfg.init_envp[i], entry))
			return i;
	return -1;
}

static int find_msg(const char *text)
{
	for (int i = 0; i < cfg.nmessages; i++)
		if (!strcmp(cfg.messages[i], text))
			return i;
	return -1;
}

static void test_defaults(void)
{
	CHECK_EQ(PARSE0(), 0);
	CHECK_EQ(cfg.mem, 64ULL << 20);
	CHECK_STR(cfg.root, "98:0");
	CHECK_EQ(cfg.root_unit, 0);
	CHECK_EQ(cfg.root_part, 0);
	CHECK_STR(cfg.console, "tty0");
	CHECK_STR(cfg.cmdline, "root=98:0 console=tty0");
	CHECK(cfg.init == NULL);
	CHECK(!cfg.ro && !cfg.quiet && !cfg.noreboot && !cfg.debug);
	CHECK_EQ(cfg.loglevel, -1);
	CHECK_EQ(cfg.init_argc, 1);
	CHECK(cfg.init_argv[1] == NULL);
	CHECK_EQ(cfg.init_envc, 2);
	CHECK_STR(cfg.init_envp[0], "HOME=/");
	CHECK_STR(cfg.init_envp[1], "TERM=linux");
	CHECK(cfg.init_envp[2] == NULL);
	CHECK_STR(cfg.umid, "");
	CHECK(!cfg.umid_set);
	CHECK(!cfg.ubd[0].present);
	CHECK_EQ(cfg.nmessages, 0);
}

static void test_doc_example(void)
{
	CHECK_EQ(PARSE("mem=64M", "ubd0=x", "noreboot", "foo=bar", "baz"), 0);
	CHECK_EQ(cfg.mem, 64ULL << 20);
	CHECK(cfg.noreboot);
	CHECK(cfg.ubd[0].present);
	CHECK_STR(cfg.ubd[0].file, "x");
	CHECK_EQ(cfg.init_argc, 3);
	CHECK_STR(cfg.init_argv[1], "noreboot");
	CHECK_STR(cfg.init_argv[2], "baz");
	CHECK(cfg.init_argv[3] == NULL);
	CHECK(find_env("foo=bar") >= 2);
	CHECK(find_env("mem=64M") >= 2);
	CHECK_EQ(cfg.init_envc, 4);
	CHECK(find_env("ubd0=x") < 0);
	CHECK_STR(cfg.cmdline, "mem=64M ubd0=x noreboot foo=bar baz root=98:0 console=tty0");
	CHECK(find_msg("Unknown kernel command line parameters \"noreboot baz mem=64M foo=bar\", "
		       "will be passed to user space.") >= 0);
	CHECK_EQ(cfg.message_level[0], KERN_NOTICE);
}

static void test_cmdline_string(void)
{
	/* umid= and xterm= leave the command line, the rest stays. */
	CHECK_EQ(PARSE("umid=box", "uml_dir=/tmp/u", "xterm=gnome-terminal,-t,-x",
		       "hostfs=/srv", "root=/dev/ubdb", "console=ttyS0"), 0);
	CHECK_STR(cfg.cmdline, "uml_dir=/tmp/u hostfs=/srv root=/dev/ubdb console=ttyS0");
	CHECK_STR(cfg.umid, "box");
	CHECK(cfg.umid_set);
	CHECK_STR(cfg.uml_dir, "/tmp/u/");
	CHECK_STR(cfg.xterm_emulator, "gnome-terminal");
	CHECK_STR(cfg.xterm_title, "-t");
	CHECK_STR(cfg.xterm_exec, "-x");
	CHECK_STR(cfg.hostfs, "/srv");
	CHECK_STR(cfg.console, "ttyS0");
	CHECK_STR(cfg.root, "/dev/ubdb");
	CHECK_EQ(cfg.root_unit, 1);
	/* uml_dir= and hostfs= reach init's environment; root/console do not */
	CHECK(find_env("uml_dir=/tmp/u") >= 0);
	CHECK(find_env("hostfs=/srv") >= 0);
	CHECK(find_env("root=/dev/ubdb") < 0);
	CHECK(find_env("console=ttyS0") < 0);

	/* Only the missing default is appended. */
	CHECK_EQ(PARSE("console=tty1"), 0);
	CHECK_STR(cfg.cmdline, "console=tty1 root=98:0");
	CHECK_EQ(PARSE("root=98:16"), 0);
	CHECK_STR(cfg.cmdline, "root=98:16 console=tty0");
	CHECK_EQ(cfg.root_unit, 1);

	/* A first word starting with a space is skipped. */
	CHECK_EQ(PARSE(" ignored", "a"), 0);
	CHECK_STR(cfg.cmdline, "a root=98:0 console=tty0");
	CHECK_EQ(cfg.init_argc, 2);
	CHECK_STR(cfg.init_argv[1], "a");

	/* xterm= with empty fields keeps the defaults */
	CHECK_EQ(PARSE("xterm=,,-e2"), 0);
	CHECK(cfg.xterm_emulator == NULL);
	CHECK(cfg.xterm_title == NULL);
	CHECK_STR(cfg.xterm_exec, "-e2");
	CHECK_STR(cfg.cmdline, "root=98:0 console=tty0");
}

static void test_umid(void)
{
	char longname[80];

	/* A second umid= is ignored with a warning and stays (reaching init). */
	CHECK_EQ(PARSE("umid=one", "umid=two"), 0);
	CHECK_STR(cfg.umid, "one");
	CHECK_STR(cfg.cmdline, "umid=two root=98:0 console=tty0");
	CHECK(find_msg("umid already set") >= 0);
	CHECK_EQ(cfg.message_level[find_msg("umid already set")], BOOT_MSG_HOST);
	CHECK(find_env("umid=two") >= 0);

	/* 64 characters: silently ignored but removed; a later one still counts */
	memset(longname, 'x', sizeof(longname));
	strcpy(longname, "umid=");
	memset(longname + 5, 'u', 64);
	longname[69] = 0;
	CHECK_EQ(PARSE(longname), 0);
	CHECK_STR(cfg.umid, "");
	CHECK(!cfg.umid_set);
	CHECK_STR(cfg.cmdline, "root=98:0 console=tty0");
	CHECK_EQ(cfg.nmessages, 0);
	CHECK_EQ(PARSE(longname, "umid=ok"), 0);
	CHECK_STR(cfg.umid, "ok");
	longname[68] = 0;	/* 63 characters fit */
	CHECK_EQ(PARSE(longname), 0);
	CHECK_EQ(strlen(cfg.umid), 63);

	/* An empty umid= means "random" but still counts as set. */
	CHECK_EQ(PARSE("umid=", "umid=late"), 0);
	CHECK(cfg.umid_set);
	CHECK_STR(cfg.umid, "");
}

static void test_uml_dir_hostfs(void)
{
	CHECK_EQ(PARSE("uml_dir=/var/uml/"), 0);
	CHECK_STR(cfg.uml_dir, "/var/uml/");
	CHECK_EQ(PARSE("uml_dir=~/x"), 0);
	CHECK_STR(cfg.uml_dir, "~/x/");
	CHECK_EQ(PARSE("uml_dir="), 0);
	CHECK(cfg.uml_dir == NULL);
	CHECK(find_msg("uml_dir can't be an empty string") >= 0);

	CHECK_EQ(PARSE("hostfs=/data,append,bogus"), 0);
	CHECK_STR(cfg.hostfs, "/data");
	CHECK(cfg.hostfs_append);
	CHECK(find_msg("hostfs_args - unsupported option - bogus") >= 0);
	CHECK(find_env("hostfs=/data,append,bogus") >= 0);
	CHECK_EQ(PARSE("hostfs=,append"), 0);
	CHECK(cfg.hostfs == NULL);
	CHECK(cfg.hostfs_append);
}

static void test_prefix_matching(void)
{
	/* UML-level options match by prefix; the generic kernel only exactly. */
	CHECK_EQ(PARSE("quietly"), 0);
	CHECK(cfg.quiet);
	CHECK_EQ(cfg.init_argc, 2);
	CHECK_STR(cfg.init_argv[1], "quietly");

	CHECK_EQ(PARSE("quiet"), 0);
	CHECK(cfg.quiet);
	CHECK_EQ(cfg.init_argc, 1);
	CHECK_STR(cfg.cmdline, "quiet root=98:0 console=tty0");

	CHECK_EQ(PARSE("debug_foo"), 0);
	CHECK(cfg.debug);
	CHECK_EQ(cfg.message_level[0], BOOT_MSG_HOST);
	CHECK(strstr(cfg.messages[0], "'debug' is not necessary") != NULL);
	CHECK_STR(cfg.init_argv[1], "debug_foo");

	CHECK_EQ(PARSE("debug", "loglevel=3"), 0);
	CHECK(cfg.debug);
	CHECK_EQ(cfg.loglevel, 3);
	CHECK_EQ(cfg.init_argc, 1);
	CHECK_EQ(cfg.init_envc, 2);

	CHECK_EQ(PARSE("noreboot_please"), 0);
	CHECK(cfg.noreboot);
	CHECK_STR(cfg.init_argv[1], "noreboot_please");

	CHECK_EQ(PARSE("mem=32M"), 0);
	CHECK_EQ(cfg.mem, 32ULL << 20);
	CHECK_EQ(PARSE("memory=1"), 0);	/* not "mem=" */
	CHECK_EQ(cfg.mem, 64ULL << 20);
	CHECK(find_env("memory=1") >= 0);

	/* "--help" matches "--helpme"; mem= is checked only after the scan */
	{
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		CHECK_EQ(parse_out(f, (const char *const[]){ "mem=junk", "--helpme", NULL }), 1);
		fclose(f);
		CHECK(buf && strstr(buf, "User Mode Linux v6.12.0-umlinux") == buf);
		CHECK(buf && strstr(buf, "umlinux") != NULL);
		CHECK(buf && strstr(buf, "mem=<size>") != NULL);
		CHECK(buf && strstr(buf, "ubd<n><flags>=") != NULL);
		free(buf);
	}
}

static void test_version(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	CHECK_EQ(parse_out(f, (const char *const[]){ "ubd0=x", "--version", "mem=junk", NULL }), 1);
	fclose(f);
	CHECK_STR(buf, UMLINUX_RELEASE "\n");
	CHECK_STR(UMLINUX_RELEASE, "6.12.0-umlinux");
	free(buf);

	buf = NULL;
	f = open_memstream(&buf, &len);
	CHECK_EQ(parse_out(f, (const char *const[]){ "--showconfig", NULL }), 1);
	fclose(f);
	CHECK(buf && strstr(buf, "CONFIG_UML=y") != NULL);
	free(buf);
}

static void test_ubd_forms(void)
{
	CHECK_EQ(PARSE("ubd0=root.img", "ubdb=b.img", "ubd010=oct.img", "ubd0x3=hex.img",
		       "ubdp=last.img", "ubd5=img,,SERIAL", "ubd6=cow:back", "ubd4d=data.img",
		       "ubd2rsct=f,g,SER"), 0);
	CHECK_STR(cfg.ubd[0].file, "root.img");
	CHECK(cfg.ubd[0].backing == NULL && cfg.ubd[0].serial == NULL);
	CHECK(!cfg.ubd[0].readonly && !cfg.ubd[0].sync && !cfg.ubd[0].data);
	CHECK_STR(cfg.ubd[1].file, "b.img");
	CHECK_STR(cfg.ubd[8].file, "oct.img");	/* 010 is octal */
	CHECK_STR(cfg.ubd[3].file, "hex.img");
	CHECK_STR(cfg.ubd[15].file, "last.img");
	CHECK_STR(cfg.ubd[5].file, "img");
	CHECK(cfg.ubd[5].backing == NULL);
	CHECK_STR(cfg.ubd[5].serial, "SERIAL");
	CHECK_STR(cfg.ubd[6].file, "cow");
	CHECK_STR(cfg.ubd[6].backing, "back");
	CHECK(cfg.ubd[4].data);
	CHECK(cfg.ubd[2].readonly && cfg.ubd[2].sync && cfg.ubd[2].shared && cfg.ubd[2].notrim);
	CHECK(!cfg.ubd[2].data);
	CHECK_STR(cfg.ubd[2].file, "f");
	CHECK_STR(cfg.ubd[2].backing, "g");
	CHECK_STR(cfg.ubd[2].serial, "SER");
	CHECK(!cfg.ubd[7].present);
	CHECK_EQ(cfg.nmessages, 0);
	/* consumed: none reaches init */
	CHECK_EQ(cfg.init_argc, 1);
	CHECK_EQ(cfg.init_envc, 2);

	/* six flags are allowed, repeats too */
	CHECK_EQ(PARSE("ubd1rrsstt=x"), 0);
	CHECK(cfg.ubd[1].readonly && cfg.ubd[1].sync && cfg.ubd[1].notrim);
	CHECK_EQ(cfg.nmessages, 0);
	/* extra fields after the serial are ignored, empty file = not configured */
	CHECK_EQ(PARSE("ubd0=a,b,c,d", "ubd1=", "ubd1=later"), 0);
	CHECK_STR(cfg.ubd[0].serial, "c");
	CHECK_STR(cfg.ubd[1].file, "later");
}

static void test_ubd_errors(void)
{
	CHECK_EQ(PARSE("ubd16=x", "ubdq=x", "ubd0=a", "ubd0=b", "ubd1x=c", "ubd2rrrrrrr=d",
		       "ubd3rrrrrrrx", "ubd3d=a,b", "ubd", "ubd4", "ubd=foo", "ubd0x=y"), 0);
	CHECK(find_msg("Failed to initialize device with \"16=x\" : Device number out of range") >= 0);
	CHECK(find_msg("Failed to initialize device with \"q=x\" : Device number out of range") >= 0);
	CHECK(find_msg("Failed to initialize device with \"0=b\" : Device is already configured") >= 0);
	CHECK(find_msg("Failed to initialize device with \"1x=c\" : "
		       "Expected '=' or flag letter (r, s, c, t or d)") >= 0);
	CHECK(find_msg("Failed to initialize device with \"2rrrrrrr=d\" : Too many flags specified") >= 0);
	CHECK(find_msg("Failed to initialize device with \"3rrrrrrrx\" : Missing '='") >= 0);
	/* UML has already cut the word at the separator when it reports this one */
	CHECK(find_msg("Failed to initialize device with \"3d=a\" : "
		       "Can't specify both 'd' and a cow file") >= 0);
	CHECK(find_msg("Failed to initialize device with \"\" : Couldn't parse device number") >= 0);
	CHECK(find_msg("Failed to initialize device with \"4\" : "
		       "Expected '=' or flag letter (r, s, c, t or d)") >= 0);
	CHECK(find_msg("fake major not supported any more") >= 0);
	/* "0x=" is octal 0 followed by the bad flag 'x' */
	CHECK(find_msg("Failed to initialize device with \"0x=y\" : Device is already configured") >= 0);
	CHECK_EQ(cfg.message_level[0], KERN_ERR);
	CHECK_STR(cfg.ubd[0].file, "a");
	CHECK(!cfg.ubd[1].present && !cfg.ubd[2].present && !cfg.ubd[3].present);
	/* errors are not fatal, and the words are consumed */
	CHECK_EQ(cfg.init_argc, 1);
	CHECK_EQ(cfg.init_envc, 2);
}

static void test_ubd_sync(void)
{
	/* ubd=sync affects the devices configured after it */
	CHECK_EQ(PARSE("ubd0=a", "ubd=sync", "ubd1=b"), 0);
	CHECK(!cfg.ubd[0].sync);
	CHECK(cfg.ubd[1].sync);
	CHECK(cfg.ubd_sync);
	CHECK(find_msg("ubd: Synchronous mode") >= 0);
	CHECK_EQ(cfg.init_envc, 2);
}

static void test_ubd_parse_config(void)
{
	struct ubd_spec devs[UBD_MAX] = { 0 };
	const char *error = NULL;
	bool sync = false;
	int unit;

	CHECK_EQ(ubd_parse_config("1r=disk", devs, &sync, &unit, &error), 0);
	CHECK_EQ(unit, 1);
	CHECK(devs[1].present && devs[1].readonly);
	CHECK_STR(devs[1].file, "disk");
	CHECK_EQ(ubd_parse_config("b=other", devs, &sync, &unit, &error), -EBUSY);
	CHECK_STR(error, "Device is already configured");
	CHECK_EQ(ubd_parse_config("99=x", devs, &sync, &unit, &error), -ERANGE);
	CHECK_EQ(ubd_parse_config("=sync", devs, &sync, &unit, &error), 1);
	CHECK(sync);
	CHECK_EQ(unit, -1);
	CHECK_EQ(ubd_parse_config("2=x", devs, &sync, &unit, &error), 0);
	CHECK(devs[2].sync);
	for (int i = 0; i < UBD_MAX; i++)
		ubd_spec_clear(&devs[i]);
	CHECK(!devs[1].present && devs[1].file == NULL);
}

static void test_con_ssl(void)
{
	CHECK_EQ(PARSE("con=pty", "con0=fd:0,fd:1", "con15=null", "con16=x", "conx=y",
		       "ssl=pts", "ssl63=port:9000", "ssl64=x", "ssl-non-raw", "console=ttyS1"), 0);
	CHECK_STR(cfg.con_default, "pty");
	CHECK_STR(cfg.con[0], "fd:0,fd:1");
	CHECK_STR(cfg.con[15], "null");
	CHECK(cfg.con[1] == NULL);
	CHECK_STR(cfg.ssl_default, "pts");
	CHECK_STR(cfg.ssl[63], "port:9000");
	CHECK(cfg.ssl_non_raw);
	CHECK_STR(cfg.console, "ttyS1");
	CHECK(find_msg("Failed to set up console with configuration string \"16=x\" : "
		       "Device number out of range") >= 0);
	CHECK(find_msg("Failed to set up console with configuration string \"x=y\" : "
		       "Couldn't parse device number") >= 0);
	CHECK(find_msg("Failed to set up serial line with configuration string \"64=x\" : "
		       "Device number out of range") >= 0);
	CHECK_EQ(cfg.nmessages, 3);
	CHECK_EQ(cfg.init_argc, 1);
	CHECK_EQ(cfg.init_envc, 2);

	/* Anything else starting with "con" is the console driver's, as in UML. */
	CHECK_EQ(PARSE("consoleblank=0"), 0);
	CHECK(find_msg("Failed to set up console with configuration string \"soleblank=0\" : "
		       "Couldn't parse device number") >= 0);
	CHECK_EQ(cfg.init_envc, 2);
}

static void test_net(void)
{
	CHECK_EQ(PARSE("eth0=tuntap,,,192.168.0.254", "vec1:transport=raw,ifname=p",
		       "eth=x", "eth2x", "vec0", "vecz:transport=tap", "eth3=daemon"), 0);
	CHECK_EQ(cfg.nnet, 3);
	CHECK(!cfg.net[0].vector);
	CHECK_EQ(cfg.net[0].unit, 0);
	CHECK_STR(cfg.net[0].args, "tuntap,,,192.168.0.254");
	CHECK(cfg.net[1].vector);
	CHECK_EQ(cfg.net[1].unit, 1);
	CHECK_STR(cfg.net[1].args, "transport=raw,ifname=p");
	CHECK_EQ(cfg.net[2].unit, 3);
	CHECK(find_msg("eth_setup - Couldn't parse '=x' : Bad device number") >= 0);
	CHECK(find_msg("eth_setup - Couldn't parse '2x' : Expected '=' after device number") >= 0);
	CHECK(find_msg("vector_setup - Couldn't parse '0' : Expected ':' after device number") >= 0);
	CHECK(find_msg("vector_setup - Couldn't parse 'z' : Bad device number") >= 0);
	CHECK_EQ(cfg.init_argc, 1);
	CHECK_EQ(cfg.init_envc, 2);
}

static void test_misc_options(void)
{
	CHECK_EQ(PARSE("mconsole=notify:/tmp/n", "stderr=1", "panic=-1", "sysrq_always_enabled",
		       "udb0=x", "rootwait", "iomem=foo,/tmp/f"), 0);
	CHECK_STR(cfg.mconsole_notify, "/tmp/n");
	CHECK_EQ(cfg.stderr_console, 1);
	CHECK_EQ(cfg.panic_timeout, -1);
	CHECK(cfg.sysrq_always_enabled);
	CHECK(cfg.rootwait);
	CHECK_STR(cfg.iomem, "foo,/tmp/f");
	CHECK(find_msg("udb0=x specified on command line is almost certainly a ubd -> udb TYPO") >= 0);
	CHECK_EQ(cfg.init_argc, 1);
	CHECK_EQ(cfg.init_envc, 3);	/* iomem= reaches init */
	CHECK(find_env("iomem=foo,/tmp/f") == 2);

	CHECK_EQ(PARSE("mconsole=other", "panic=soon"), 0);
	CHECK(cfg.mconsole_notify == NULL);
	CHECK(find_msg("mconsole_setup : Unknown option - 'other'") >= 0);
	CHECK(find_msg("Booting kernel: `soon' invalid for parameter `panic'") >= 0);
}

static void test_parse_size(void)
{
	uint64_t v;

	CHECK_EQ(parse_size("1024", &v), 0);
	CHECK_EQ(v, 1024);
	CHECK_EQ(parse_size("4k", &v), 0);
	CHECK_EQ(v, 4096);
	CHECK_EQ(parse_size("4K", &v), 0);
	CHECK_EQ(v, 4096);
	CHECK_EQ(parse_size("64m", &v), 0);
	CHECK_EQ(v, 64ULL << 20);
	CHECK_EQ(parse_size("2G", &v), 0);
	CHECK_EQ(v, 2ULL << 30);
	CHECK_EQ(parse_size("3t", &v), 0);
	CHECK_EQ(v, 3ULL << 40);
	CHECK_EQ(parse_size("1P", &v), 0);
	CHECK_EQ(v, 1ULL << 50);
	CHECK_EQ(parse_size("15E", &v), 0);
	CHECK_EQ(v, 15ULL << 60);
	CHECK_EQ(parse_size("0x10M", &v), 0);
	CHECK_EQ(v, 16ULL << 20);
	CHECK_EQ(parse_size("010k", &v), 0);
	CHECK_EQ(v, 8192);
	CHECK_EQ(parse_size("", &v), -EINVAL);
	CHECK_EQ(parse_size("abc", &v), -EINVAL);
	CHECK_EQ(parse_size("64MB", &v), -EINVAL);
	CHECK_EQ(parse_size("64X", &v), -EINVAL);
	CHECK_EQ(parse_size("-1", &v), -EINVAL);
	CHECK_EQ(parse_size(" 1", &v), -EINVAL);
	CHECK_EQ(parse_size("16E", &v), -EINVAL);
	CHECK_EQ(parse_size("99999999999999999999", &v), -EINVAL);
	CHECK_EQ(parse_size("18446744073709551615", &v), 0);
	CHECK_EQ(v, UINT64_MAX);
}

static void test_mem_errors(void)
{
	CHECK_EQ(PARSE("mem=abc"), -1);
	CHECK_STR(err, "mem=: invalid size 'abc'");
	CHECK_EQ(PARSE("mem=0"), -1);
	CHECK(strstr(err, "mem=: ") == err && strstr(err, "too small") != NULL);
	CHECK_EQ(PARSE("mem=8M"), -1);
	CHECK_STR(err, "mem=: size '8M' too small (minimum 16M)");
	CHECK_EQ(PARSE("mem=16M"), 0);
	CHECK_EQ(cfg.mem, 16ULL << 20);
	/* the last mem= wins */
	CHECK_EQ(PARSE("mem=abc", "mem=1G"), 0);
	CHECK_EQ(cfg.mem, 1ULL << 30);
}

static void test_root_device(void)
{
	int u = -2, p = -2;

	CHECK_EQ(parse_root_device("/dev/ubda", &u, &p), 0);
	CHECK(u == 0 && p == 0);
	CHECK_EQ(parse_root_device("/dev/ubda1", &u, &p), 0);
	CHECK(u == 0 && p == 1);
	CHECK_EQ(parse_root_device("/dev/ubdp15", &u, &p), 0);
	CHECK(u == 15 && p == 15);
	CHECK_EQ(parse_root_device("/dev/ubd0", &u, &p), 0);
	CHECK(u == 0 && p == 0);
	CHECK_EQ(parse_root_device("/dev/ubd12", &u, &p), 0);
	CHECK(u == 12 && p == 0);
	CHECK_EQ(parse_root_device("/dev/ubd/3", &u, &p), 0);
	CHECK(u == 3 && p == 0);
	CHECK_EQ(parse_root_device("98:0", &u, &p), 0);
	CHECK(u == 0 && p == 0);
	CHECK_EQ(parse_root_device("98:16", &u, &p), 0);
	CHECK(u == 1 && p == 0);
	CHECK_EQ(parse_root_device("98:33", &u, &p), 0);
	CHECK(u == 2 && p == 1);
	CHECK_EQ(parse_root_device("6211", &u, &p), 0);
	CHECK(u == 1 && p == 1);
	CHECK_EQ(parse_root_device("/dev/root", &u, &p), -ENODEV);
	CHECK_EQ(parse_root_device("/dev/ubdq", &u, &p), -ENODEV);
	CHECK_EQ(parse_root_device("/dev/ubda16", &u, &p), -ENODEV);
	CHECK_EQ(parse_root_device("/dev/ubda0", &u, &p), -ENODEV);
	CHECK_EQ(parse_root_device("/dev/ubd16", &u, &p), -ENODEV);
	CHECK_EQ(parse_root_device("/dev/ubd", &u, &p), -ENODEV);
	CHECK_EQ(parse_root_device("/dev/hda1", &u, &p), -ENODEV);
	CHECK_EQ(parse_root_device("8:0", &u, &p), -ENODEV);
	CHECK_EQ(parse_root_device("98:256", &u, &p), -ENODEV);
	CHECK_EQ(parse_root_device("98:", &u, &p), -ENODEV);
	CHECK_EQ(parse_root_device("ubda", &u, &p), -ENODEV);
	CHECK_EQ(parse_root_device("", &u, &p), -ENODEV);

	CHECK_EQ(PARSE("root=/dev/ubdc2"), 0);
	CHECK_EQ(cfg.root_unit, 2);
	CHECK_EQ(cfg.root_part, 2);
	CHECK_EQ(PARSE("root=hdz"), -1);
	CHECK_STR(err, "root=: unknown device 'hdz'");
	CHECK_EQ(PARSE("root=/dev/root", "rootfstype=hostfs", "rootflags=/srv/root", "ro"), 0);
	CHECK_STR(cfg.root, "/dev/root");
	CHECK_STR(cfg.rootfstype, "hostfs");
	CHECK_STR(cfg.rootflags, "/srv/root");
	CHECK_EQ(cfg.root_unit, -1);
	CHECK(cfg.ro);
	CHECK_EQ(cfg.init_argc, 1);
	CHECK_EQ(cfg.init_envc, 2);
	CHECK_EQ(PARSE("root=/dev/root"), -1);
}

static void test_ro_rw_init(void)
{
	CHECK_EQ(PARSE("ro", "rw"), 0);
	CHECK(!cfg.ro);
	CHECK_EQ(PARSE("rw", "ro"), 0);
	CHECK(cfg.ro);
	CHECK_EQ(PARSE("rox"), 0);	/* "ro" wants the whole word */
	CHECK(!cfg.ro);
	CHECK_STR(cfg.init_argv[1], "rox");

	/* init= drops the init arguments given before it, like Linux */
	CHECK_EQ(PARSE("auto", "init=/bin/sh", "single", "rdinit=/x", "-c"), 0);
	CHECK_STR(cfg.init, "/bin/sh");
	CHECK_STR(cfg.rdinit, "/x");
	CHECK_EQ(cfg.init_argc, 2);
	CHECK_STR(cfg.init_argv[1], "-c");
	CHECK_EQ(PARSE("a", "init=/sbin/x", "single"), 0);
	CHECK_EQ(cfg.init_argc, 2);
	CHECK_STR(cfg.init_argv[0], "init");
	CHECK_STR(cfg.init_argv[1], "single");
}

static void test_unknown_words(void)
{
	CHECK_EQ(PARSE("foo.bar=1", "a.b", "x=a.b", "BOOT_IMAGE=/vmlinuz", "kexec",
		       "TERM=vt100", "v=1", "v=2", "HOME=/root", "w"), 0);
	CHECK_STR(cfg.init_envp[0], "HOME=/root");
	CHECK_STR(cfg.init_envp[1], "TERM=vt100");
	CHECK_STR(cfg.init_envp[2], "x=a.b");
	CHECK_STR(cfg.init_envp[3], "v=2");
	CHECK_EQ(cfg.init_envc, 4);
	CHECK_EQ(cfg.init_argc, 2);
	CHECK_STR(cfg.init_argv[1], "w");
	CHECK(find_msg("Unknown kernel command line parameters \"w x=a.b v=2\", "
		       "will be passed to user space.") >= 0);

	/* Words are re-split on spaces; double quotes group and are removed. */
	CHECK_EQ(PARSE("foo=\"a b\"", "x y", "\"p q\""), 0);
	CHECK_STR(cfg.init_envp[2], "foo=a b");
	CHECK_EQ(cfg.init_argc, 4);
	CHECK_STR(cfg.init_argv[1], "x");
	CHECK_STR(cfg.init_argv[2], "y");
	CHECK_STR(cfg.init_argv[3], "p q");
	CHECK_STR(cfg.cmdline, "foo=\"a b\" x y \"p q\" root=98:0 console=tty0");
}

static void test_dashes(void)
{
	CHECK_EQ(PARSE("a", "--", "b=c", "d.e", "quiet", "root=/dev/ubdb", "--", "f"), 0);
	CHECK_EQ(cfg.init_argc, 8);
	CHECK_STR(cfg.init_argv[1], "a");
	CHECK_STR(cfg.init_argv[2], "b=c");
	CHECK_STR(cfg.init_argv[3], "d.e");
	CHECK_STR(cfg.init_argv[4], "quiet");
	CHECK_STR(cfg.init_argv[5], "root=/dev/ubdb");
	CHECK_STR(cfg.init_argv[6], "--");
	CHECK_STR(cfg.init_argv[7], "f");
	CHECK_EQ(cfg.init_envc, 2);
	/* UML-level options still see the words after "--" */
	CHECK(cfg.quiet);
	CHECK_STR(cfg.cmdline, "a -- b=c d.e quiet root=/dev/ubdb -- f console=tty0");
	/* the generic kernel does not: root stays the default */
	CHECK_STR(cfg.root, "98:0");
	CHECK_EQ(cfg.root_unit, 0);
}

static void test_overflow(void)
{
	static char big[4200];
	const char *words[] = { "root=98:0", "console=tty0", big, NULL };

	/* 9 + 1 + 12 + 1 + 4072 = 4095 characters plus the NUL fit */
	memset(big, 'w', 4072);
	big[4072] = 0;
	CHECK_EQ(parse_out(NULL, words), 0);
	CHECK_EQ(strlen(cfg.cmdline), 4095);
	CHECK_EQ(cfg.init_argc, 2);
	big[4072] = 'w';
	big[4073] = 0;
	CHECK_EQ(parse_out(NULL, words), -1);
	CHECK_STR(err, "add_arg: Too many command line arguments!");
	/* the appended defaults count too */
	memset(big, 'w', 4090);
	big[4080] = 0;
	CHECK_EQ(parse_out(NULL, (const char *const[]){ big, NULL }), -1);
	CHECK_STR(err, "add_arg: Too many command line arguments!");
}

static void test_init_limits(void)
{
	static char names[140][12];
	const char *words[142];
	int i;

	for (i = 0; i < 129; i++) {
		sprintf(names[i], "w%d", i);
		words[i] = names[i];
	}
	words[128] = NULL;
	CHECK_EQ(parse_out(NULL, words), 0);
	CHECK_EQ(cfg.init_argc, 129);
	CHECK_STR(cfg.init_argv[128], "w127");
	CHECK(cfg.init_argv[129] == NULL);
	words[128] = names[128];
	words[129] = NULL;
	CHECK_EQ(parse_out(NULL, words), -1);
	CHECK_STR(err, "Too many boot init vars at `w128'");

	/* the environment holds HOME, TERM and 127 more */
	for (i = 0; i < 128; i++) {
		sprintf(names[i], "e%d=1", i);
		words[i] = names[i];
	}
	words[127] = NULL;
	CHECK_EQ(parse_out(NULL, words), 0);
	CHECK_EQ(cfg.init_envc, 129);
	CHECK(cfg.init_envp[129] == NULL);
	words[127] = names[127];
	words[128] = NULL;
	CHECK_EQ(parse_out(NULL, words), -1);
	CHECK_STR(err, "Too many boot env vars at `e127=1'");
}

int main(void)
{
	test_defaults();
	test_doc_example();
	test_cmdline_string();
	test_umid();
	test_uml_dir_hostfs();
	test_prefix_matching();
	test_version();
	test_ubd_forms();
	test_ubd_errors();
	test_ubd_sync();
	test_ubd_parse_config();
	test_con_ssl();
	test_net();
	test_misc_options();
	test_parse_size();
	test_mem_errors();
	test_root_device();
	test_ro_rw_init();
	test_unknown_words();
	test_dashes();
	test_overflow();
	test_init_limits();
	boot_config_free(&cfg);
	return unit_done();
}
