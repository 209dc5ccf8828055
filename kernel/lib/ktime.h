/* Kernel time: the guest's clocks. */
#ifndef LIB_KTIME_H
#define LIB_KTIME_H
#include <stdint.h>
#include <time.h>

/* Nanoseconds since boot (CLOCK_MONOTONIC of the guest). */
uint64_t ktime_ns(void);
/* Wall-clock time (CLOCK_REALTIME). */
struct timespec ktime_real(void);
/* Called once at boot. */
void ktime_init(void);
#endif
