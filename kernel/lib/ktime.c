#include "lib/ktime.h"

static struct timespec boot_mono;

void ktime_init(void)
{
	clock_gettime(CLOCK_MONOTONIC, &boot_mono);
}

uint64_t ktime_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - boot_mono.tv_sec) * 1000000000ULL +
	       (uint64_t)now.tv_nsec - (uint64_t)boot_mono.tv_nsec;
}

struct timespec ktime_real(void)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return now;
}
