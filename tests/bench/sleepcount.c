/* sleepcount.c - an LD_PRELOAD probe for tests/bench/bench.sh: counts the
 * calls to nanosleep(3) of the process it is loaded into, and the time they
 * slept, and writes "CALLS SECONDS" to the file named by SLEEPCOUNT_FILE
 * when the process exits normally. In doks_exporter, the only caller of
 * nanosleep is api_run (src/api.c), when it waits with no transfer in
 * flight, so the figure is the time a poll cycle spent idle.
 *
 * Build: cc -std=c17 -D_GNU_SOURCE -O2 -fPIC -shared sleepcount.c -o sleepcount.so -ldl
 */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef int (*nanosleep_fn)(const struct timespec *, struct timespec *);

static atomic_ulong calls;
static atomic_ullong slept_ns;

static unsigned long long mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	static nanosleep_fn real;
	if (!real)
		real = (nanosleep_fn)dlsym(RTLD_NEXT, "nanosleep");
	unsigned long long t0 = mono_ns();
	int rc = real(req, rem);
	atomic_fetch_add(&slept_ns, mono_ns() - t0);
	atomic_fetch_add(&calls, 1);
	return rc;
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("SLEEPCOUNT_FILE");
	if (!path)
		return;
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	fprintf(f, "%lu %.3f\n", (unsigned long)atomic_load(&calls),
		(double)atomic_load(&slept_ns) / 1e9);
	fclose(f);
}
