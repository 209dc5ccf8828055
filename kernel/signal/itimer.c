/* ITIMER_REAL and alarm(): a per-process kernel timer that posts SIGALRM. */
#include "signal/signal.h"
#include "lib/ktime.h"

void process_itimer_fired(struct ktimer *k)
{
	struct process *p = container_of(k, struct process, itimer_real);

	if (p->itimer_real_interval)
		ktimer_arm(k, ktime_ns() + p->itimer_real_interval);
	signal_send_process(p, SIGALRM);
}
