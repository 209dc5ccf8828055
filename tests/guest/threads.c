/* Threads: clone with CLONE_THREAD, futex-based mutexes, join (clear_child_tid),
 * TLS through arch_prctl, gettid. */
#include "check.h"
#include <pthread.h>

static int counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int tls_value;

static void *worker(void *arg)
{
	tls_value = (int)(long)arg;
	for (int i = 0; i < 1000; i++) {
		pthread_mutex_lock(&lock);
		counter++;
		pthread_mutex_unlock(&lock);
	}
	return (void *)(long)(tls_value * 2 + (gettid() != getpid()));
}

int main(void)
{
	pthread_t t[4];
	void *ret;
	int good = 1;

	tls_value = 100;
	for (long i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, worker, (void *)(i + 1)) == 0, "pthread_create %ld", i);
	for (long i = 0; i < 4; i++) {
		CHECK(pthread_join(t[i], &ret) == 0, "pthread_join %ld", i);
		if ((long)ret != (i + 1) * 2 + 1)
			good = 0;
	}
	CHECK(good, "each thread saw its own TLS value and its own tid");
	CHECK(counter == 4000, "mutex-protected counter is 4000 (%d)", counter);
	CHECK(tls_value == 100, "main thread's TLS untouched");
	return check_done();
}
