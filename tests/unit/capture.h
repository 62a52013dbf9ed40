/* capture.h - stderr captured to a temporary file around a call, for the
 * unit tests that check what the code logs. Include after <cmocka.h>. */
#ifndef DOKS_TEST_CAPTURE_H
#define DOKS_TEST_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

struct capture {
	int saved;
	int fd;
	char path[64];
};

static inline void capture_start(struct capture *c)
{
	fflush(stderr);
	snprintf(c->path, sizeof c->path, "/tmp/doks_unit_stderr_XXXXXX");
	c->fd = mkstemp(c->path);
	assert_true(c->fd >= 0);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(c->fd, STDERR_FILENO) >= 0);
}

/* Restores stderr; returns what was written to it (owned, free()). */
static inline char *capture_end(struct capture *c)
{
	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	off_t size = lseek(c->fd, 0, SEEK_END);
	assert_true(size >= 0);
	char *text = calloc(1, (size_t)size + 1);
	assert_non_null(text);
	assert_int_equal(pread(c->fd, text, (size_t)size, 0), (ssize_t)size);
	close(c->fd);
	unlink(c->path);
	return text;
}

#endif
