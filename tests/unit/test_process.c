/* test_process.c - process.h: the process_* text, exactly, its fit in the
 * server's buffer, and the figures read from this test's own /proc/self. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lines.h"

#include <float.h>
#include <stdio.h>
#include <string.h>

#include "process.h"


/* The text scrapes end with, byte for byte: the order and wording are
 * those of the Prometheus client libraries. */
static void test_render_exact(void **state)
{
	(void)state;
	struct process_stats p = { .start_time = 1700000000.5, .cpu_seconds = 1.25,
				   .resident_bytes = 4096, .open_fds = 7,
				   .have_cpu = true, .have_rss = true, .have_fds = true };
	static const char want[] =
		"# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
		"# TYPE process_cpu_seconds_total counter\n"
		"process_cpu_seconds_total 1.25\n"
		"# HELP process_open_fds Number of open file descriptors.\n"
		"# TYPE process_open_fds gauge\n"
		"process_open_fds 7\n"
		"# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
		"# TYPE process_resident_memory_bytes gauge\n"
		"process_resident_memory_bytes 4096\n"
		"# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
		"# TYPE process_start_time_seconds gauge\n"
		"process_start_time_seconds 1700000000.5\n";
	char buf[2048];
	size_t n = process_render(&p, buf, sizeof buf);
	assert_int_equal(n, sizeof want - 1);
	assert_string_equal(buf, want);
}

static void test_render(void **state)
{
	(void)state;
	struct process_stats p = { .start_time = 1700000000.5, .cpu_seconds = 1.25,
				   .resident_bytes = 4096, .open_fds = 7,
				   .have_cpu = true, .have_rss = true, .have_fds = true };
	char buf[2048];
	size_t n = process_render(&p, buf, sizeof buf);
	assert_true(n > 0);
	assert_int_equal(strlen(buf), n);
	assert_line(buf, "# TYPE process_cpu_seconds_total counter");
	assert_line(buf, "process_cpu_seconds_total 1.25");
	assert_line(buf, "process_resident_memory_bytes 4096");
	assert_line(buf, "process_open_fds 7");
	assert_line(buf, "process_start_time_seconds 1700000000.5");

	/* one byte short: nothing half written is reported */
	char small[2048];
	assert_int_equal(process_render(&p, small, n), 0);
	assert_int_equal(process_render(&p, small, 16), 0);
	assert_int_equal(process_render(&p, small, n + 1), n);

	struct process_stats only_start = { .start_time = 12 };
	n = process_render(&only_start, buf, sizeof buf);
	assert_true(n > 0);
	assert_line(buf, "process_start_time_seconds 12");
	assert_null(strstr(buf, "process_cpu_seconds_total"));
	assert_null(strstr(buf, "process_open_fds"));
	assert_null(strstr(buf, "process_resident_memory_bytes"));
}

/* The widest values there are still fit the server's fixed buffer. */
static void test_render_fits_text_max(void **state)
{
	(void)state;
	struct process_stats p = { .start_time = -DBL_MAX, .cpu_seconds = -DBL_MIN,
				   .resident_bytes = -DBL_MAX, .open_fds = -1.2345678901234568e-300,
				   .have_cpu = true, .have_rss = true, .have_fds = true };
	char buf[PROCESS_TEXT_MAX];
	size_t n = process_render(&p, buf, sizeof buf);
	assert_true(n > 0);
	assert_line(buf, "process_open_fds -1.2345678901234568e-300");
	assert_line(buf, "process_start_time_seconds -1.7976931348623157e+308");
}

static void test_read(void **state)
{
	(void)state;
	struct process_stats p = { .start_time = 1 };
	process_read(&p);
	/* on Linux all three are there; the count of fds is at least 0,1,2 */
	assert_true(p.have_cpu && p.have_rss && p.have_fds);
	assert_true(p.resident_bytes > 0);
	assert_true(p.open_fds >= 3);
	assert_true(p.cpu_seconds >= 0);
	assert_true(p.start_time == 1);
}

/* A descriptor opened here is counted; closed, it is not. */
static void test_read_counts_fds(void **state)
{
	(void)state;
	struct process_stats before = { 0 }, during = { 0 }, after = { 0 };
	process_read(&before);
	FILE *f = fopen("/proc/self/stat", "r");
	assert_non_null(f);
	process_read(&during);
	fclose(f);
	process_read(&after);
	assert_true(during.open_fds == before.open_fds + 1);
	assert_true(after.open_fds == before.open_fds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_exact),
		cmocka_unit_test(test_render),
		cmocka_unit_test(test_render_fits_text_max),
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_read_counts_fds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
