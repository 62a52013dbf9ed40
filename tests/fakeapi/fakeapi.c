/*
 * fakeapi: a real HTTP server that plays the DigitalOcean Kubernetes API
 * for doks_exporter's integration tests, demo and benchmarks.
 *
 *   fakeapi --scenario FILE [--port N] [--port-file PATH] [--log PATH]
 *           [--listen 127.0.0.1]
 *
 * The main thread parses flags, loads the scenario, starts the server and
 * then only waits for signals (sigwait): SIGHUP reloads the scenario,
 * SIGINT and SIGTERM stop cleanly with exit status 0. The signals are
 * blocked before any thread starts, so no other thread ever sees them.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"
#include "server.h"

struct flags {
	const char *scenario;
	const char *port_file;
	const char *log;
	const char *listen;
	uint16_t port;
};

static void usage(FILE *f)
{
	fputs("usage: fakeapi --scenario FILE [--port N] [--port-file PATH]\n"
	      "               [--log PATH] [--listen 127.0.0.1]\n"
	      "  --scenario FILE   the scenario (JSON) to serve\n"
	      "  --port N          TCP port; 0 (default) picks a free one\n"
	      "  --port-file PATH  write the port there once listening\n"
	      "  --log PATH        append one line per API request\n"
	      "  --listen ADDR     IPv4 address to bind (default 127.0.0.1)\n"
	      "signals: SIGHUP reloads the scenario; SIGINT/SIGTERM stop\n",
	      f);
}

/* Accepts "--name value" and "--name=value". */
static bool flag_value(int argc, char **argv, int *i, const char *name,
		       const char **out)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return false;
	if (a[n] == '=') {
		*out = a + n + 1;
		return true;
	}
	if (a[n] != '\0')
		return false;
	if (*i + 1 >= argc) {
		fprintf(stderr, "fakeapi: %s needs a value\n", name);
		exit(2);
	}
	*out = argv[++*i];
	return true;
}

static void parse_flags(int argc, char **argv, struct flags *fl)
{
	const char *port = NULL;
	int i;

	fl->listen = "127.0.0.1";
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (flag_value(argc, argv, &i, "--scenario", &fl->scenario) ||
		    flag_value(argc, argv, &i, "--port-file",
			       &fl->port_file) ||
		    flag_value(argc, argv, &i, "--port", &port) ||
		    flag_value(argc, argv, &i, "--log", &fl->log) ||
		    flag_value(argc, argv, &i, "--listen", &fl->listen))
			continue;
		fprintf(stderr, "fakeapi: unknown argument \"%s\"\n", argv[i]);
		usage(stderr);
		exit(2);
	}
	if (fl->scenario == NULL) {
		fputs("fakeapi: --scenario is required\n", stderr);
		usage(stderr);
		exit(2);
	}
	if (port != NULL) {
		char *end;
		long n;

		errno = 0;
		n = strtol(port, &end, 10);
		if (*port == '\0' || *end != '\0' || errno != 0 || n < 0 ||
		    n > 65535) {
			fprintf(stderr, "fakeapi: bad --port \"%s\"\n", port);
			exit(2);
		}
		fl->port = (uint16_t)n;
	}
}

/* Writes "PORT\n" to a temporary name, then renames it into place. */
static bool write_port_file(const char *path, uint16_t port)
{
	char tmp[PATH_MAX];
	FILE *f;
	bool ok;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof(tmp)) {
		fprintf(stderr, "fakeapi: --port-file path too long\n");
		return false;
	}
	f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr, "fakeapi: %s: %s\n", tmp, strerror(errno));
		return false;
	}
	ok = fprintf(f, "%u\n", (unsigned)port) > 0;
	ok = fclose(f) == 0 && ok;
	if (ok && rename(tmp, path) != 0) {
		fprintf(stderr, "fakeapi: %s: %s\n", path, strerror(errno));
		ok = false;
	}
	if (!ok)
		unlink(tmp);
	return ok;
}

static void reload(struct server *srv, const char *path)
{
	struct scenario *sc;
	char err[512];

	if (!scenario_load(path, &sc, err, sizeof(err))) {
		fprintf(stderr, "fakeapi: reload failed, old scenario kept: "
				"%s\n", err);
		return;
	}
	fprintf(stderr, "fakeapi: scenario reloaded (generation %lu)\n",
		server_swap(srv, sc));
}

int main(int argc, char **argv)
{
	struct flags fl = { 0 };
	struct scenario *sc;
	struct server *srv;
	FILE *log = NULL;
	sigset_t set;
	uint16_t port;
	char err[512];
	int sig = 0;

	parse_flags(argc, argv, &fl);

	/* Before any thread exists, so that all of them inherit the mask. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) {
		fputs("fakeapi: cannot block signals\n", stderr);
		return 1;
	}

	if (!scenario_load(fl.scenario, &sc, err, sizeof(err))) {
		fprintf(stderr, "fakeapi: %s\n", err);
		return 1;
	}
	if (fl.log != NULL && (log = fopen(fl.log, "a")) == NULL) {
		fprintf(stderr, "fakeapi: %s: %s\n", fl.log, strerror(errno));
		scenario_free(sc);
		return 1;
	}
	if (!server_start(fl.listen, fl.port, sc, log, &srv, &port)) {
		if (log != NULL)
			fclose(log);
		return 1;
	}
	if (fl.port_file != NULL && !write_port_file(fl.port_file, port)) {
		server_stop(srv);
		if (log != NULL)
			fclose(log);
		return 1;
	}
	fprintf(stderr, "fakeapi listening on http://%s:%u\n", fl.listen,
		(unsigned)port);

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload(srv, fl.scenario);
			continue;
		}
		break;
	}
	server_stop(srv);
	if (log != NULL)
		fclose(log);
	return 0;
}
