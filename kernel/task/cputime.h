/* Process CPU time and memory use, read from the host's view of the
 * guest's threads. utime_ns holds the time of threads already gone. */
#ifndef TASK_CPUTIME_H
#define TASK_CPUTIME_H
#include <stdint.h>
#include "task/task.h"

uint64_t process_cputime_ns(struct process *p);
/* At exit: fold the live threads' time into utime_ns for good. */
void process_cputime_freeze(struct process *p);
uint64_t process_maxrss_kb(struct process *p);
#endif
