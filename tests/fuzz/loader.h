/* loader.h - for the drivers of the loaders that take a path
 * (settings_load, webconfig_load): each input is written to one scratch
 * file per process, and the loader's log lines (one per rejected input)
 * go to /dev/null while it runs.
 *
 * fd 2 is swapped around each call, not once for the whole run, because
 * libFuzzer prints its progress and final stats on the same stderr.
 * Sanitizer reports go to a copy of the real stderr, and an ASan error puts
 * fd 2 back before anything else so that libFuzzer's lines about the crash
 * are not lost either. Included by one driver per binary.
 */
#ifndef DOKS_FUZZ_LOADER_H
#define DOKS_FUZZ_LOADER_H

#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

static char scratch_path[64];
static int scratch_fd = -1;
static int real_stderr = -1;
static int dev_null = -1;
static bool exit_hook_late;

/* At exit: remove the scratch file and put fd 2 back. libFuzzer's own
 * handler reports an exit() from inside the target ("fuzz target exited")
 * and ends the process there; handlers run last registered first, so this
 * one is registered again once libFuzzer's is in place. */
static void loader_exit(void)
{
	unlink(scratch_path);
	if (real_stderr >= 0)
		dup2(real_stderr, STDERR_FILENO);
}

/* Once per process, from LLVMFuzzerInitialize: the scratch file is
 * /tmp/doks_fuzz_<name>.XXXXXX, removed at exit (not after a crash). */
static inline void loader_init(const char *name)
{
	snprintf(scratch_path, sizeof scratch_path, "/tmp/doks_fuzz_%s.XXXXXX", name);
	scratch_fd = mkstemp(scratch_path);
	real_stderr = dup(STDERR_FILENO);
	dev_null = open("/dev/null", O_RDWR);
	if (scratch_fd < 0 || real_stderr < 0 || dev_null < 0) {
		perror("fuzz: cannot set up the scratch file");
		abort();
	}
	atexit(loader_exit);
	__sanitizer_set_report_fd((void *)(intptr_t)real_stderr);
	/* A path in the input ("/dev/stdin" as a token file, say) must never
	 * leave the fuzzer waiting on a terminal. */
	dup2(dev_null, STDIN_FILENO);
}

/* Replaces the scratch file's content with the input. */
static inline bool scratch_write(const uint8_t *data, size_t size)
{
	if (!exit_hook_late) {
		atexit(loader_exit);
		exit_hook_late = true;
	}
	if (ftruncate(scratch_fd, 0) != 0)
		return false;
	size_t off = 0;
	while (off < size) {
		ssize_t n = pwrite(scratch_fd, data + off, size - off, (off_t)off);
		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	return true;
}

static inline void quiet_begin(void)
{
	dup2(dev_null, STDERR_FILENO);
}

static inline void quiet_end(void)
{
	dup2(real_stderr, STDERR_FILENO);
}

/* Called by ASan before it reports an error. */
void __asan_on_error(void);
void __asan_on_error(void)
{
	if (real_stderr >= 0)
		dup2(real_stderr, STDERR_FILENO);
}

#endif
