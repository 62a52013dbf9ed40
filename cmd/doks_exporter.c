/* doks_exporter - Prometheus exporter for DigitalOcean Kubernetes.
 *
 * Flags, signals and wiring; no logic of its own. Exit status: 0 on a
 * clean stop (or a fully successful --once), 1 when a --once cycle had a
 * failed request, 2 on a bad command line or configuration. --check: 0
 * every cluster ok, 1 any needs attention or action, 2 a failed request.
 */
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "buildinfo.h"
#include "log.h"
#include "poller.h"
#include "report.h"
#include "secret.h"
#include "server.h"
#include "settings.h"
#include "snapshot.h"
#include "timeline.h"
#include "webconfig.h"

/* The flags; --help adds the configuration file's keys. The defaults of
 * flags that stand for a key come from settings.c's table of keys. */
static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: doks_exporter [flags]\n"
		"\n"
		"Prometheus exporter and upgrade watcher for DigitalOcean Kubernetes (DOKS).\n"
		"The API token comes from DIGITALOCEAN_TOKEN, DIGITALOCEAN_ACCESS_TOKEN or\n"
		"api.token_file in the configuration file; never from a flag.\n"
		"\n"
		"  --config.file=PATH          configuration file (default " SETTINGS_DEFAULT_PATH ")\n"
		"  --web.listen-address=ADDR   address to serve on (default %s)\n"
		"  --web.telemetry-path=PATH   path of the metrics (default %s)\n"
		"  --web.config.file=PATH      TLS and basic authentication for the HTTP server\n"
		"                              (the YAML file Prometheus exporters share)\n"
		"  --log.level=LEVEL           debug, info, warn or error (default info)\n"
		"  --shard.index=N             with --shard.count: watch only the clusters whose\n"
		"  --shard.count=M             id hashes to shard N of M (overrides shard.*)\n"
		"  --once                      poll once, print the metrics, exit 0 if every\n"
		"                              request succeeded and 1 otherwise\n"
		"  --check                     poll once and print each cluster's upgrade readiness\n"
		"                              and its verdict (ok, attention or action); exit 0\n"
		"                              every cluster ok, 1 any needs attention or action,\n"
		"                              2 a request failed or the configuration is bad\n"
		"  --output=FORMAT             with --check: table (default) or json (schema 1,\n"
		"                              docs/check-schema.json)\n"
		"  --debug.dumpable            leave the process dumpable (core dumps, ptrace and\n"
		"                              /proc by its user); off by default, since its\n"
		"                              memory holds the API token\n"
		"  --version                   print the version and exit\n"
		"  --help                      print this help and exit\n",
		settings_key_fallback("web.listen_address"), settings_key_fallback("web.telemetry_path"));
}

/* --help: the flags, then every key of the configuration file with its
 * default, what it is for and its range. */
static void print_help(FILE *f)
{
	print_usage(f);
	fputs("\nConfiguration file keys (libconfig syntax; see the README), with their defaults:\n",
	      f);
	struct settings_key_doc d;
	for (size_t i = 0; settings_key_doc(i, &d); i++) {
		fprintf(f, "  %-33s %s\n      %s", d.path, d.fallback, d.help);
		if (d.ranged)
			fprintf(f, " (%.15g to %.15g)", d.min, d.max);
		fputc('\n', f);
	}
}

struct options {
	struct settings_flags flags;
	const char *log_level;
	const char *output;
	int once;
	int check;
	int dumpable;
	int version;
	int help;
};

/* Accepts --name=value and --name value. Returns false (after a message)
 * on an unknown flag or a missing value. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct {
		const char *name;
		size_t offset;
	} valued[] = {
		{ "config.file", offsetof(struct options, flags.config_file) },
		{ "web.listen-address", offsetof(struct options, flags.listen_address) },
		{ "web.telemetry-path", offsetof(struct options, flags.telemetry_path) },
		{ "web.config.file", offsetof(struct options, flags.web_config_file) },
		{ "log.level", offsetof(struct options, log_level) },
		{ "output", offsetof(struct options, output) },
		{ "shard.index", offsetof(struct options, flags.shard_index) },
		{ "shard.count", offsetof(struct options, flags.shard_count) },
	};
	static const struct {
		const char *name;
		size_t offset;
	} bools[] = {
		{ "once", offsetof(struct options, once) },
		{ "check", offsetof(struct options, check) },
		{ "debug.dumpable", offsetof(struct options, dumpable) },
		{ "version", offsetof(struct options, version) },
		{ "help", offsetof(struct options, help) },
	};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (strncmp(arg, "--", 2) != 0) {
			fprintf(stderr, "doks_exporter: unexpected argument '%s'\n", arg);
			print_usage(stderr);
			return 0;
		}
		arg += 2;
		const char *eq = strchr(arg, '=');
		size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		int found = 0;
		for (size_t k = 0; k < sizeof valued / sizeof valued[0] && !found; k++) {
			if (strlen(valued[k].name) != nlen || strncmp(arg, valued[k].name, nlen) != 0)
				continue;
			const char *value = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
			if (!value) {
				fprintf(stderr, "doks_exporter: flag --%s needs a value\n", valued[k].name);
				return 0;
			}
			*(const char **)((char *)o + valued[k].offset) = value;
			found = 1;
		}
		for (size_t k = 0; k < sizeof bools / sizeof bools[0] && !found; k++) {
			if (strlen(bools[k].name) != nlen || strncmp(arg, bools[k].name, nlen) != 0)
				continue;
			if (eq) {
				fprintf(stderr, "doks_exporter: flag --%s takes no value\n", bools[k].name);
				return 0;
			}
			*(int *)((char *)o + bools[k].offset) = 1;
			found = 1;
		}
		if (!found) {
			fprintf(stderr, "doks_exporter: unknown flag '%s'\n", argv[i]);
			print_usage(stderr);
			return 0;
		}
	}
	return 1;
}

/* Until the signals are taken over (sigwait in the server, the poller's
 * stop flag with --once and --check), SIGINT and SIGTERM end the process
 * at once: start-up can block in a file system (a state file on a hung
 * mount) and must not hold the promise to stop within a second hostage.
 * Nothing has been written yet; the status is the mode's for "stopped
 * without an answer". */
static volatile sig_atomic_t startup_status;

static void on_signal_startup(int sig)
{
	static const char term[] = "level=info msg=\"stopped during start-up\" signal=SIGTERM\n";
	static const char intr[] = "level=info msg=\"stopped during start-up\" signal=SIGINT\n";
	if (sig == SIGINT)
		(void)!write(STDERR_FILENO, intr, sizeof intr - 1);
	else
		(void)!write(STDERR_FILENO, term, sizeof term - 1);
	_exit(startup_status);
}

static void stop_at_once_on_signals(int status)
{
	startup_status = status;
	struct sigaction sa = { .sa_handler = on_signal_startup };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a reload asked for meanwhile waits for the server's sigwait (the
	 * file was just read anyway); --once and --check never take it */
	sigset_t hup;
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &hup, NULL);
}

static struct poller *once_poller;

static void on_signal_once(int sig)
{
	(void)sig;
	if (once_poller)
		poller_request_stop(once_poller);
}

/* A poller for one cycle on this thread; SIGINT and SIGTERM stop it. */
static struct poller *one_cycle_poller(struct settings *s)
{
	struct poller *p;
	enum err rc = poller_new(s, &p);
	if (rc != ERR_OK) {
		log_error("cannot start the poller", "err", err_str(rc));
		return NULL;
	}
	once_poller = p;
	struct sigaction sa = { .sa_handler = on_signal_once };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return p;
}

static void one_cycle_done(struct poller *p)
{
	once_poller = NULL;
	poller_free(p);
	snapshot_shutdown();
}

static int run_once(struct settings *s)
{
	struct poller *p = one_cycle_poller(s);
	if (!p)
		return 2;
	int ok = poller_cycle(p);
	int status = ok ? 0 : 1;
	struct snapshot *snap = snapshot_acquire();
	if (snap && fwrite(snapshot_body(snap), 1, snapshot_len(snap), stdout) != snapshot_len(snap))
		status = 1;
	snapshot_release(snap);
	if (fflush(stdout) != 0)
		status = 1;
	one_cycle_done(p);
	return status;
}

static void add_to_report(const char *account, const struct cluster_record *c, int supported,
			  void *ctx)
{
	struct report *r = ctx;
	if (report_add(r, account, c, supported) != ERR_OK)
		log_error("out of memory building the report");
}

/* --check: the upgrade watcher for cron jobs and pipelines. 2 (a failed
 * request or a bad configuration) wins over 1 (a cluster whose verdict is
 * attention or action: an upgrade pending is one of those). */
static int run_check(struct settings *s, bool json)
{
	struct poller *p = one_cycle_poller(s);
	if (!p)
		return 2;
	bool ok = poller_cycle(p);
	struct report *r = NULL;
	int status = 2;
	if (report_new(floor(clock_real()), &r) == ERR_OK) {
		poller_each_cluster(p, add_to_report, r);
		enum err rc = json ? report_write_json(r, !ok, stdout) : report_write_table(r, stdout);
		if (fflush(stdout) == 0 && rc == ERR_OK)
			status = !ok ? 2 : report_worst(r) != READINESS_OK ? 1 : 0;
	}
	report_free(r);
	one_cycle_done(p);
	return status;
}

/* SIGHUP: a valid file takes effect at the next cycle; an invalid one is
 * logged (file and line, by settings_load) and the running one stays. */
static void reload(const struct settings_flags *flags, const struct settings *running,
		   struct poller *p)
{
	struct settings *fresh;
	if (settings_reload(flags, running, &fresh) != ERR_OK) {
		poller_note_reload(p, false, 0);
		log_error("configuration reload failed; the running configuration stays");
		return;
	}
	/* a bad support timeline fails the reload as a bad file would (the
	 * poller reads it again when it takes the settings) */
	struct timeline *t = NULL;
	if (timeline_load_configured(settings_support_timeline_file(fresh), &t) != ERR_OK) {
		settings_free(fresh);
		poller_note_reload(p, false, 0);
		log_error("configuration reload failed; the running configuration stays");
		return;
	}
	timeline_free(t);
	if (strcmp(settings_listen_address(fresh), settings_listen_address(running)) != 0 ||
	    strcmp(settings_telemetry_path(fresh), settings_telemetry_path(running)) != 0)
		log_warn("web.listen_address and web.telemetry_path take effect at the next start only");
	poller_reload(p, fresh);
	poller_note_reload(p, true, clock_real());
	log_info("configuration reloaded", "file", settings_config_path(fresh));
}

static int run_server(const struct settings_flags *flags, struct settings *s)
{
	struct poller *p = NULL;
	struct server *srv = NULL;
	struct webconfig *web = NULL;
	enum err rc;
	int status = 2;
	/* files first (the web configuration, the state file), while a signal
	 * still ends the process at once: there is only this thread */
	const char *web_file = settings_web_config_file(s);
	if (web_file && webconfig_load(web_file, &web) != ERR_OK)
		goto out;
	rc = poller_new(s, &p);
	if (rc != ERR_OK) {
		log_error("cannot start the poller", "err", err_str(rc));
		goto out;
	}
	/* then, before the first thread: every thread inherits this mask; the
	 * main thread alone takes the signals, with sigwait, so no handler
	 * runs inside library code. A signal from here on waits for it. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (server_start(s, web, &srv) != ERR_OK)
		goto out;
	rc = poller_start(p);
	if (rc != ERR_OK) {
		log_error("cannot start the poller thread", "err", err_str(rc));
		goto out;
	}
	for (;;) {
		int sig = 0;
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload(flags, s, p);
			continue;
		}
		log_info("shutting down", "signal", sig == SIGINT ? "SIGINT" : "SIGTERM");
		break;
	}
	status = 0;
out:
	poller_stop(p);
	server_stop(srv);
	poller_free(p);
	webconfig_free(web);
	snapshot_shutdown();
	return status;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	if (!parse_args(argc, argv, &o))
		return 2;
	if (o.help) {
		print_help(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (o.version) {
		buildinfo_print(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (o.log_level) {
		enum log_level level;
		if (!log_level_parse(o.log_level, &level)) {
			fprintf(stderr, "doks_exporter: --log.level must be debug, info, warn or error\n");
			return 2;
		}
		log_set_level(level);
	}
	bool json = false;
	if (o.output) {
		if (!o.check || (strcmp(o.output, "json") != 0 && strcmp(o.output, "table") != 0)) {
			fprintf(stderr, "doks_exporter: --output takes table or json, with --check\n");
			return 2;
		}
		json = strcmp(o.output, "json") == 0;
	}
	if (o.check && o.once) {
		fprintf(stderr, "doks_exporter: --check and --once do not go together\n");
		return 2;
	}
	/* the memory holds the token from here on: no core dump, no ptrace
	 * and no /proc/PID/mem for the user, unless asked for debugging */
	if (!o.dumpable && prctl(PR_SET_DUMPABLE, 0L, 0L, 0L, 0L) != 0)
		log_warn("cannot turn core dumps off", "err", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	stop_at_once_on_signals(o.check ? 2 : o.once ? 1 : 0);
	/* libcurl's buffers hold the token and bodies with secrets: every
	 * block it frees is wiped first */
	if (curl_global_init_mem(CURL_GLOBAL_DEFAULT, secret_malloc, secret_free, secret_realloc,
				 secret_strdup, secret_calloc) != CURLE_OK) {
		log_error("cannot initialise libcurl");
		return 2;
	}
	struct settings *s;
	if (settings_load(&o.flags, &s) != ERR_OK) {
		curl_global_cleanup();
		return 2;
	}
	settings_scrub_environment(s);
	log_info("starting doks_exporter", "version", buildinfo_version(), "revision",
		 buildinfo_revision(), "api_url", settings_api_url(s));
	/* only a server answers gzip: --once and --check need not compress */
	snapshot_set_gzip(!o.once && !o.check);
	int status = o.check ? run_check(s, json) : o.once ? run_once(s) : run_server(&o.flags, s);
	settings_free(s);
	curl_global_cleanup();
	return status;
}
