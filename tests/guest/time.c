/* Clocks, sleeping, resource usage, uname, sysinfo, getrandom. */
#include "check.h"
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <time.h>

static long long ns(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static long long mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return ns(&t);
}

static void test_clocks(void)
{
	struct timespec a, b, r;
	struct timeval tv;
	time_t t;
	int mono_ok = 1;

	CHECK(clock_gettime(CLOCK_MONOTONIC, &a) == 0, "clock_gettime MONOTONIC");
	for (int i = 0; i < 1000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &b);
		if (ns(&b) < ns(&a))
			mono_ok = 0;
		a = b;
	}
	CHECK(mono_ok, "MONOTONIC never goes backwards");
	CHECK(a.tv_nsec >= 0 && a.tv_nsec < 1000000000, "tv_nsec in range");
	CHECK(clock_getres(CLOCK_MONOTONIC, &r) == 0 && r.tv_sec == 0 &&
	      r.tv_nsec > 0 && r.tv_nsec <= 10000000, "clock_getres MONOTONIC");

	CHECK(clock_gettime(CLOCK_REALTIME, &a) == 0, "clock_gettime REALTIME");
	CHECK(gettimeofday(&tv, NULL) == 0, "gettimeofday");
	t = time(NULL);
	CHECK(a.tv_sec > 1577836800, "REALTIME is after 2020 (%lld)", (long long)a.tv_sec);
	CHECK(llabs(tv.tv_sec - a.tv_sec) <= 2 && tv.tv_usec >= 0 && tv.tv_usec < 1000000,
	      "gettimeofday agrees with REALTIME");
	CHECK(llabs(t - a.tv_sec) <= 2, "time() agrees with REALTIME");
	{
		time_t t2 = 0;

		CHECK(time(&t2) == t2 && t2 >= t, "time(&t) stores the time");
	}
	CHECK(clock_gettime(CLOCK_BOOTTIME, &b) == 0 && clock_gettime(CLOCK_MONOTONIC, &a) == 0 &&
	      ns(&b) + 1000000 >= ns(&a), "BOOTTIME >= MONOTONIC");
	CHECK(clock_gettime(CLOCK_MONOTONIC_COARSE, &a) == 0 &&
	      clock_gettime(CLOCK_REALTIME_COARSE, &b) == 0 && b.tv_sec > 1577836800,
	      "COARSE clocks work");
	CHECK(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a) == 0 && ns(&a) > 0,
	      "PROCESS_CPUTIME_ID is positive");
	CHECK(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a) == 0, "THREAD_CPUTIME_ID");
	EXPECT_ERR(clock_gettime(12345, &a), EINVAL);
	EXPECT_ERR(clock_getres(12345, &r), EINVAL);
}

static void test_sleep(void)
{
	struct timespec req, rem, abs;
	long long t0, t1;
	int r;

	req.tv_sec = 0;
	req.tv_nsec = 50 * 1000000;
	t0 = mono_ns();
	CHECK(nanosleep(&req, &rem) == 0, "nanosleep 50 ms");
	t1 = mono_ns();
	CHECK(t1 - t0 >= 50000000LL, "nanosleep slept >= 50 ms (%lld us)",
	      (t1 - t0) / 1000);
	CHECK(t1 - t0 < 2000000000LL, "nanosleep slept < 2 s");

	req.tv_nsec = 20 * 1000000;
	t0 = mono_ns();
	r = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL);
	t1 = mono_ns();
	CHECK(r == 0 && t1 - t0 >= 20000000LL, "clock_nanosleep relative 20 ms");

	clock_gettime(CLOCK_MONOTONIC, &abs);
	t0 = ns(&abs);
	abs.tv_nsec += 30 * 1000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
	t1 = mono_ns();
	CHECK(r == 0 && t1 >= ns(&abs), "clock_nanosleep TIMER_ABSTIME");
	/* A moment certainly past, even just after boot. */
	abs.tv_sec = 0;
	abs.tv_nsec = 1;
	t0 = mono_ns();
	r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
	CHECK(r == 0 && mono_ns() - t0 < 1000000000LL,
	      "TIMER_ABSTIME in the past returns at once");

	req.tv_sec = 0;
	req.tv_nsec = 1000000000;
	EXPECT_ERR(nanosleep(&req, NULL), EINVAL);
	req.tv_sec = -1;
	req.tv_nsec = 0;
	EXPECT_ERR(nanosleep(&req, NULL), EINVAL);
	req.tv_sec = 0;
	req.tv_nsec = 1000;
	CHECK(clock_nanosleep(12345, 0, &req, NULL) == EINVAL,
	      "clock_nanosleep bad clock -> EINVAL (returned)");
}

static void test_usage(void)
{
	struct rusage ru;
	struct tms tm;
	struct timespec c0, c;
	clock_t t0, t1;
	long long start = mono_ns();
	volatile unsigned long spin = 0;
	long hz = sysconf(_SC_CLK_TCK);

	CHECK(hz > 0, "sysconf(_SC_CLK_TCK) > 0 (%ld)", hz);
	/* burn ~30 ms of CPU (bounded by 1.5 s of wall time) */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	do {
		for (int i = 0; i < 100000; i++)
			spin += i;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c);
	} while (ns(&c) - ns(&c0) < 30000000LL && mono_ns() - start < 1500000000LL);
	CHECK(ns(&c) - ns(&c0) >= 30000000LL, "PROCESS_CPUTIME_ID advances while spinning");

	CHECK(getrusage(RUSAGE_SELF, &ru) == 0, "getrusage SELF");
	{
		long long us = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL +
			       ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;

		CHECK(us >= 10000 && us < 60000000LL, "rusage CPU time sane (%lld us)", us);
	}
	CHECK(ru.ru_utime.tv_usec >= 0 && ru.ru_utime.tv_usec < 1000000 &&
	      ru.ru_maxrss > 0, "rusage fields in range, maxrss > 0 (%ld)", ru.ru_maxrss);
	CHECK(getrusage(RUSAGE_CHILDREN, &ru) == 0, "getrusage CHILDREN");
	EXPECT_ERR(getrusage(42, &ru), EINVAL);

	t0 = times(&tm);
	CHECK(t0 != (clock_t)-1, "times");
	CHECK(tm.tms_utime + tm.tms_stime >= 1 &&
	      tm.tms_utime + tm.tms_stime < 60 * hz, "tms user+sys ticks sane");
	{
		struct timespec d = { 0, 30000000 };

		nanosleep(&d, NULL);
	}
	t1 = times(NULL);
	CHECK(t1 - t0 >= 1 && t1 - t0 < 2 * hz, "times() elapsed ticks advance (%ld)",
	      (long)(t1 - t0));
}

static void test_uname_sysinfo(void)
{
	struct utsname u, u2;
	struct sysinfo si;
	unsigned char b1[64], b2[64];
	int zero = 1;

	CHECK(uname(&u) == 0, "uname");
	CHECK(!strcmp(u.sysname, "Linux"), "sysname Linux (%s)", u.sysname);
	CHECK(!strcmp(u.machine, "x86_64"), "machine x86_64 (%s)", u.machine);
	CHECK(u.release[0] >= '2' && u.release[0] <= '9' && strchr(u.release, '.'),
	      "release looks like a version (%s)", u.release);
	CHECK(u.version[0] && u.nodename[0], "version and nodename non-empty");

	if (getenv("UMLINUX_GUEST")) {
		char old[65], name[128] = "ugt-host", got[128];

		strcpy(old, u.nodename);
		CHECK(sethostname(name, strlen(name)) == 0, "sethostname");
		CHECK(uname(&u2) == 0 && !strcmp(u2.nodename, name), "uname shows new name");
		CHECK(gethostname(got, sizeof(got)) == 0 && !strcmp(got, name),
		      "gethostname shows new name");
		EXPECT_ERR(sethostname(name, 100), EINVAL);
		CHECK(sethostname(old, strlen(old)) == 0, "restore hostname");
	} else {
		SKIP("sethostname natively");
	}

	CHECK(sysinfo(&si) == 0, "sysinfo");
	CHECK(si.totalram > 0 && si.mem_unit >= 1, "totalram > 0");
	CHECK(si.freeram <= si.totalram, "freeram <= totalram");
	CHECK(si.uptime >= 0, "uptime >= 0 (%ld)", si.uptime);
	CHECK(si.procs >= 1, "procs >= 1");

	memset(b1, 0, sizeof(b1));
	memset(b2, 0, sizeof(b2));
	CHECK(getrandom(b1, sizeof(b1), 0) == sizeof(b1), "getrandom 64 bytes");
	CHECK(getrandom(b2, sizeof(b2), GRND_NONBLOCK) == sizeof(b2),
	      "getrandom GRND_NONBLOCK");
	for (int i = 0; i < sizeof(b1); i++)
		if (b1[i])
			zero = 0;
	CHECK(!zero && memcmp(b1, b2, sizeof(b1)), "random bytes are not zero or repeated");
	EXPECT_ERR(getrandom(b1, sizeof(b1), 0x1000), EINVAL);
}

int main(void)
{
	test_clocks();
	test_sleep();
	test_usage();
	test_uname_sysinfo();
	return check_done();
}
