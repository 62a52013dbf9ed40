/* preload.c - an LD_PRELOAD library for the integration tests: it makes
 * chosen calls slow, the way a hung resolver or a hung file system would,
 * and notes calls the tests want to see. Never part of the exporter.
 *
 * Environment:
 *   DOKS_PRELOAD_LOG=FILE          lines "getaddrinfo HOST", "open PATH"
 *                                  and "fsync-dir PATH" are appended to it
 *   DOKS_PRELOAD_SLOW_HOST=HOST    getaddrinfo of HOST first sleeps ...
 *   DOKS_PRELOAD_SLOW_PATH=PATH    open or fopen of PATH first sleeps ...
 *   DOKS_PRELOAD_SLOW_MS=N         ... N milliseconds (default 5000)
 * The sleep resumes after a signal handler returns, as a resolver thread
 * or a hung open would not care about the signal either; a handler that
 * ends the process ends it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

static void *next(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);
	if (!f) {
		static const char msg[] = "preload: a symbol is missing\n";
		(void)!write(2, msg, sizeof msg - 1);
		abort();
	}
	return f;
}

static void note(const char *what, const char *arg)
{
	const char *log = getenv("DOKS_PRELOAD_LOG");
	if (!log || !*log)
		return;
	/* the real open: this library's own would come back here */
	int (*real_open)(const char *, int, ...) = (int (*)(const char *, int, ...))next("open");
	int fd = real_open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	char line[PATH_MAX + 64];
	int n = snprintf(line, sizeof line, "%s %s\n", what, arg);
	if (n > 0)
		(void)!write(fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
	close(fd);
}

static void slow(void)
{
	const char *ms = getenv("DOKS_PRELOAD_SLOW_MS");
	long n = ms && *ms ? atol(ms) : 5000;
	struct timespec left = { n / 1000, (n % 1000) * 1000000L };
	while (nanosleep(&left, &left) != 0 && errno == EINTR)
		;
}

static void maybe_slow_path(const char *path)
{
	const char *p = getenv("DOKS_PRELOAD_SLOW_PATH");
	if (path && p && *p && strcmp(path, p) == 0) {
		note("open", path);
		slow();
	}
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		struct addrinfo **res)
{
	int (*real)(const char *, const char *, const struct addrinfo *, struct addrinfo **) =
		(int (*)(const char *, const char *, const struct addrinfo *,
			 struct addrinfo **))next("getaddrinfo");
	const char *h = getenv("DOKS_PRELOAD_SLOW_HOST");
	if (node && h && *h && strcmp(node, h) == 0) {
		note("getaddrinfo", node);
		slow();
	}
	return real(node, service, hints, res);
}

/* open and openat take a mode only with O_CREAT or O_TMPFILE */
static mode_t mode_of(int flags, va_list ap)
{
	return (flags & (O_CREAT | O_TMPFILE)) ? (mode_t)va_arg(ap, int) : 0;
}

int open(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_of(flags, ap);
	va_end(ap);
	maybe_slow_path(path);
	int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...))next("open");
	return real(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_of(flags, ap);
	va_end(ap);
	maybe_slow_path(path);
	int (*real)(const char *, int, ...) = (int (*)(const char *, int, ...))next("open64");
	return real(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	va_start(ap, flags);
	mode_t mode = mode_of(flags, ap);
	va_end(ap);
	maybe_slow_path(path);
	int (*real)(int, const char *, int, ...) =
		(int (*)(int, const char *, int, ...))next("openat");
	return real(dirfd, path, flags, mode);
}

FILE *fopen(const char *path, const char *mode)
{
	maybe_slow_path(path);
	FILE *(*real)(const char *, const char *) =
		(FILE * (*)(const char *, const char *)) next("fopen");
	return real(path, mode);
}

FILE *fopen64(const char *path, const char *mode)
{
	maybe_slow_path(path);
	FILE *(*real)(const char *, const char *) =
		(FILE * (*)(const char *, const char *)) next("fopen64");
	return real(path, mode);
}

int fsync(int fd)
{
	int (*real)(int) = (int (*)(int))next("fsync");
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		char link[64], path[PATH_MAX];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, path, sizeof path - 1);
		if (n > 0) {
			path[n] = '\0';
			note("fsync-dir", path);
		}
	}
	return real(fd);
}
