/* SPDX-License-Identifier: MIT */
/*
 * Shared helpers of the anomaly payloads (one .c file each in this folder).
 *
 * Every payload is one translation unit built into a static binary, so the
 * helpers live here as static functions. They give every payload the same
 * contract (docs/scenarios.md, notes in scenario-format):
 *
 *   - arguments are --KEY=VALUE; --duration=S is required; unknown keys are
 *     an error naming the known ones (a typo in a scenario must not pass
 *     silently); values are clamped to hard caps with a note on stderr;
 *   - `cadet-payload start <ns>` is printed (and flushed) when the anomalous
 *     activity begins and `cadet-payload end <ns>` when it stops, ns being
 *     CLOCK_MONOTONIC, the trace clock;
 *   - the payload stops by itself at t0 + duration; SIGTERM/SIGINT/SIGHUP
 *     stop it early; a SIGALRM backstop two seconds after the deadline
 *     prints the end line, runs the async-signal-safe cleanup hook and
 *     exits, so nothing outlives a stuck payload;
 *   - children are forked with pl_fork(), which makes the kernel kill them
 *     when the payload dies.
 *
 * Typical use:
 *
 *	static const char *const keys[] = { "rate", "max", NULL };
 *
 *	pl_init(argc, argv, "mem_leak", USAGE, keys);
 *	rate = pl_size("rate", 8 << 20, 4096, 256 << 20);
 *	... set up ...
 *	pl_begin();
 *	while (pl_running())
 *		... anomalous work ...
 *	pl_finish();
 *	... clean up ...
 */
#ifndef CADET_PAYLOAD_H
#define CADET_PAYLOAD_H

/* setresuid(), memfd_create(), execveat() ... */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#define PL_MAX_OPTS 32
#define PL_NSEC 1000000000ull
/* Seconds between the deadline and the SIGALRM backstop. */
#define PL_BACKSTOP_S 2

struct pl_opt {
	const char *key;
	const char *val;
};

struct pl_state {
	const char *name;
	double duration_s;
	uint64_t t0;            /* CLOCK_MONOTONIC at pl_init() */
	uint64_t deadline;
	uint64_t seed;
	int nopts;
	struct pl_opt opts[PL_MAX_OPTS];
	volatile sig_atomic_t started;
	volatile sig_atomic_t ended;
	/* Async-signal-safe cleanup (unlink, kill); may run from a handler. */
	void (*cleanup)(void);
};

static struct pl_state pl;
static volatile sig_atomic_t pl_stop;

static inline uint64_t pl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * PL_NSEC + ts.tv_nsec;
}

/* One write per message, so lines of concurrent processes stay whole. */
static inline void pl_vnote(const char *fmt, va_list ap)
{
	char buf[512];
	int n;

	n = snprintf(buf, sizeof(buf), "%s: ", pl.name ? pl.name : "payload");
	n += vsnprintf(buf + n, sizeof(buf) - n - 1, fmt, ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, n) < 0)
		return;
}

static inline __attribute__((format(printf, 1, 2))) void
pl_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pl_vnote(fmt, ap);
	va_end(ap);
}

static inline __attribute__((format(printf, 1, 2), noreturn)) void
pl_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pl_vnote(fmt, ap);
	va_end(ap);
	exit(2);
}

/* Formats "cadet-payload WHAT <ns>\n" without stdio: used from handlers. */
static inline void pl_write_mark(const char *what, uint64_t ns)
{
	char buf[64], num[24];
	size_t n = 0, k = 0;
	const char *p;

	do {
		num[k++] = '0' + ns % 10;
		ns /= 10;
	} while (ns && k < sizeof(num));
	for (p = "cadet-payload "; *p; p++)
		buf[n++] = *p;
	for (p = what; *p; p++)
		buf[n++] = *p;
	buf[n++] = ' ';
	while (k)
		buf[n++] = num[--k];
	buf[n++] = '\n';
	if (write(STDOUT_FILENO, buf, n) < 0)
		return;
}

/* Marks the start of the anomalous activity (once). */
static inline void pl_begin(void)
{
	if (pl.started)
		return;
	fflush(stdout);
	pl_write_mark("start", pl_now());
	pl.started = 1;
}

/* Marks its end (once, and only after a start). */
static inline void pl_finish(void)
{
	if (!pl.started || pl.ended)
		return;
	fflush(stdout);
	pl_write_mark("end", pl_now());
	pl.ended = 1;
}

static inline bool pl_running(void)
{
	return !pl_stop && pl_now() < pl.deadline;
}

/* Nanoseconds left before the deadline (0 when past it or stopped). */
static inline uint64_t pl_left(void)
{
	uint64_t now = pl_now();

	if (pl_stop || now >= pl.deadline)
		return 0;
	return pl.deadline - now;
}

/*
 * Sleeps until @ns (CLOCK_MONOTONIC) or the deadline, whichever is first,
 * waking every 100 ms to honour a stop request. Returns pl_running().
 */
static inline bool pl_sleep_until(uint64_t ns)
{
	if (ns > pl.deadline)
		ns = pl.deadline;
	while (!pl_stop) {
		uint64_t now = pl_now(), step;
		struct timespec ts;

		if (now >= ns)
			break;
		step = ns - now;
		if (step > PL_NSEC / 10)
			step = PL_NSEC / 10;
		ts.tv_sec = step / PL_NSEC;
		ts.tv_nsec = step % PL_NSEC;
		nanosleep(&ts, NULL);
	}
	return pl_running();
}

static inline bool pl_sleep_ms(uint64_t ms)
{
	return pl_sleep_until(pl_now() + ms * 1000000ull);
}

static void pl_on_stop(int sig)
{
	pl_stop = 1;
}

static void pl_on_backstop(int sig)
{
	if (pl.started && !pl.ended)
		pl_write_mark("end", pl_now());
	if (pl.cleanup)
		pl.cleanup();
	_exit(3);
}

/* xorshift64*: a small seeded generator; payload timing needs no more. */
static inline uint64_t pl_rand(void)
{
	uint64_t x = pl.seed;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	pl.seed = x;
	return x * 0x2545f4914f6cdd1dull;
}

static inline const char *pl_lookup(const char *key)
{
	for (int i = 0; i < pl.nopts; i++)
		if (!strcmp(pl.opts[i].key, key))
			return pl.opts[i].val;
	return NULL;
}

static inline bool pl_parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return !errno && end != s && !*end;
}

/*
 * Size with an optional binary suffix: 4096, 512K, 8M, 1G (K/M/G and
 * KiB/MiB/GiB and KB/MB/GB all mean powers of 1024). Fractions allowed.
 */
static inline bool pl_parse_size(const char *s, uint64_t *out)
{
	char *end;
	double v;
	uint64_t mul = 1;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return false;
	switch (*end) {
	case 'k':
	case 'K':
		mul = 1ull << 10;
		end++;
		break;
	case 'm':
	case 'M':
		mul = 1ull << 20;
		end++;
		break;
	case 'g':
	case 'G':
		mul = 1ull << 30;
		end++;
		break;
	}
	if (mul > 1 && (!strcasecmp(end, "ib") || !strcasecmp(end, "b")))
		end += strlen(end);
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || v * mul > 1e18)
		return false;
	*out = (uint64_t)(v * mul);
	return true;
}

/* Seconds with an optional s/ms suffix. */
static inline bool pl_parse_secs(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return false;
	if (!strcmp(end, "ms"))
		v /= 1000;
	else if (*end && strcmp(end, "s"))
		return false;
	*out = v;
	return true;
}

static inline double pl_clamp(const char *key, double v, double min,
			      double max)
{
	if (v < min) {
		pl_note("--%s=%g is below the minimum, using %g", key, v, min);
		return min;
	}
	if (v > max) {
		pl_note("--%s=%g is above the hard cap, using %g", key, v, max);
		return max;
	}
	return v;
}

static inline const char *pl_str(const char *key, const char *def)
{
	const char *v = pl_lookup(key);

	return v && *v ? v : def;
}

static inline long pl_int(const char *key, long def, long min, long max)
{
	const char *v = pl_lookup(key);
	double d;

	if (!v)
		return def;
	if (!pl_parse_double(v, &d) || d != (double)(long)d)
		pl_die("--%s: expected an integer, got '%s'", key, v);
	return (long)pl_clamp(key, d, min, max);
}

static inline double pl_double(const char *key, double def, double min,
			       double max)
{
	const char *v = pl_lookup(key);
	double d;

	if (!v)
		return def;
	if (!pl_parse_double(v, &d))
		pl_die("--%s: expected a number, got '%s'", key, v);
	return pl_clamp(key, d, min, max);
}

static inline uint64_t pl_size(const char *key, uint64_t def, uint64_t min,
			       uint64_t max)
{
	const char *v = pl_lookup(key);
	uint64_t n;

	if (!v)
		return def;
	if (!pl_parse_size(v, &n))
		pl_die("--%s: expected a size such as 4096, 512K, 8M or 1G, got '%s'",
		       key, v);
	if (n < min) {
		pl_note("--%s=%s is below the minimum, using %" PRIu64, key, v,
			min);
		return min;
	}
	if (n > max) {
		pl_note("--%s=%s is above the hard cap, using %" PRIu64, key, v,
			max);
		return max;
	}
	return n;
}

static inline double pl_secs(const char *key, double def, double min,
			     double max)
{
	const char *v = pl_lookup(key);
	double d;

	if (!v)
		return def;
	if (!pl_parse_secs(v, &d))
		pl_die("--%s: expected seconds such as 2, 0.5 or 250ms, got '%s'",
		       key, v);
	return pl_clamp(key, d, min, max);
}

/* Keys every payload accepts besides its own. */
static const char *const pl_common_keys[] = { "duration", "seed", "intensity",
					      NULL };

static inline bool pl_key_in(const char *key, const char *const *keys)
{
	for (; keys && *keys; keys++)
		if (!strcmp(key, *keys))
			return true;
	return false;
}

/*
 * pl_init() - parse --KEY=VALUE arguments, check them against @keys, set
 * up the deadline, stop signals and the backstop. Exits with status 2 and
 * a message on bad arguments, 0 after printing @usage for --help.
 */
static inline void pl_init(int argc, char **argv, const char *name,
			   const char *usage, const char *const *keys)
{
	struct sigaction sa = { 0 };
	const char *dur;
	unsigned int alarm_s;

	pl.name = name;
	for (int i = 1; i < argc; i++) {
		char *arg = argv[i], *eq;

		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			printf("usage: %s --duration=S [--KEY=VALUE ...]\n%s",
			       name, usage);
			exit(0);
		}
		if (strncmp(arg, "--", 2) || !(eq = strchr(arg, '=')) ||
		    eq == arg + 2)
			pl_die("expected --KEY=VALUE, got '%s' (try --help)",
			       arg);
		if (pl.nopts == PL_MAX_OPTS)
			pl_die("too many options (at most %d)", PL_MAX_OPTS);
		*eq = '\0';
		pl.opts[pl.nopts].key = arg + 2;
		pl.opts[pl.nopts].val = eq + 1;
		if (!pl_key_in(arg + 2, pl_common_keys) &&
		    !pl_key_in(arg + 2, keys)) {
			fprintf(stderr, "%s: unknown option --%s; known:", name,
				arg + 2);
			for (const char *const *k = pl_common_keys; *k; k++)
				fprintf(stderr, " --%s", *k);
			for (const char *const *k = keys; k && *k; k++)
				fprintf(stderr, " --%s", *k);
			fputc('\n', stderr);
			exit(2);
		}
		pl.nopts++;
	}
	dur = pl_lookup("duration");
	if (!dur)
		pl_die("--duration=S is required (seconds the anomaly lasts)");
	if (!pl_parse_secs(dur, &pl.duration_s) || pl.duration_s <= 0)
		pl_die("--duration: expected positive seconds, got '%s'", dur);
	pl.duration_s = pl_clamp("duration", pl.duration_s, 0.1, 3600);
	/* Odd and spread out: xorshift must never start from 0. */
	pl.seed = (uint64_t)pl_int("seed", (long)getpid(), 0, LONG_MAX);
	pl.seed = pl.seed * 0x9e3779b97f4a7c15ull | 1;
	pl_double("intensity", 1.0, 0, 1e6);

	pl.t0 = pl_now();
	pl.deadline = pl.t0 + (uint64_t)(pl.duration_s * PL_NSEC);

	sa.sa_handler = pl_on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = pl_on_backstop;
	sigaction(SIGALRM, &sa, NULL);
	/* A peer closing a socket must not kill the payload. */
	signal(SIGPIPE, SIG_IGN);
	alarm_s = (unsigned int)pl.duration_s + 1 + PL_BACKSTOP_S;
	alarm(alarm_s);
}

/*
 * Forks a child that the kernel kills (SIGKILL) when the payload exits,
 * so no child outlives it. Returns fork()'s value.
 */
static inline pid_t pl_fork(void)
{
	pid_t parent = getpid();
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		/* The backstop alarm belongs to the parent. */
		alarm(0);
	}
	return pid;
}

/* Kills and reaps a child; a no-op for pid <= 0. */
static inline void pl_reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/*
 * Waits for child @pid that execs a program: 0, or -ENOEXEC when the exec
 * failed (the child then exits 127).
 */
static inline int pl_wait_exec(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) && WEXITSTATUS(status) == 127 ? -ENOEXEC : 0;
}

/* Reaps every exited child without blocking. */
static inline void pl_reap_any(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * A TCP listener on 127.0.0.1:@port (0 = any free port, *port updated).
 * Returns the fd or -errno. Payloads never listen beyond loopback.
 */
static inline int pl_listen_lo(uint16_t *port, int backlog)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd, one = 1, err;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(*port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, backlog) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

/* A blocking TCP connect to 127.0.0.1:@port. Returns the fd or -errno. */
static inline int pl_connect_lo(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, err;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* Writes all of @buf; returns 0 or -errno. */
static inline int pl_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

/* pl_listen_lo() for a payload's own loopback service: dies when it fails. */
static inline int pl_listen_lo_or_die(uint16_t *port, int backlog)
{
	int lfd = pl_listen_lo(port, backlog);

	if (lfd < 0)
		pl_die("listen on 127.0.0.1:%u: %s; pick another --port", *port,
		       strerror(-lfd));
	return lfd;
}

/*
 * Until the stop, accepts connections on listener @lfd and hands each to
 * @handle, then closes it. Polls so that a stop is seen within 100 ms.
 */
static inline void pl_accept_loop(int lfd, void (*handle)(int fd))
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	/*
	 * Non-blocking: when several threads serve one listener, the ones
	 * that lose the race for a connection must not sleep in accept()
	 * past the deadline (accepted sockets stay blocking).
	 */
	fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
	while (pl_running()) {
		int fd;

		if (poll(&p, 1, 100) <= 0)
			continue;
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		handle(fd);
		close(fd);
	}
}

/*
 * Forks the process that serves listener @lfd with pl_accept_loop(@lfd,
 * @handle) and then exits; the caller's copy of @lfd is closed. Returns
 * the child's pid; dies when fork fails.
 */
static inline pid_t pl_fork_server(int lfd, void (*handle)(int fd))
{
	pid_t pid = pl_fork();

	if (pid == 0) {
		pl_accept_loop(lfd, handle);
		_exit(0);
	}
	close(lfd);
	if (pid < 0)
		pl_die("fork: %s", strerror(errno));
	return pid;
}

/* Copies file @src to @dst (created with @mode). Returns 0 or -errno. */
static inline int pl_copy_file(const char *src, const char *dst, mode_t mode)
{
	char buf[65536];
	int in, out, err = 0;
	ssize_t n;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		err = -errno;
		goto close_in;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		err = pl_write_all(out, buf, n);
		if (err)
			break;
	}
	if (n < 0)
		err = -errno;
	if (close(out) < 0 && !err)
		err = -errno;
close_in:
	close(in);
	return err;
}

/* Reads a small file holding one integer; "max" reads as 0 (no limit). */
static inline uint64_t pl_read_u64(const char *path)
{
	char buf[64] = "";
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || !strncmp(buf, "max", 3))
		return 0;
	return strtoull(buf, NULL, 10);
}

/*
 * The memory limit of the payload's cgroup in bytes, 0 when unknown or
 * unlimited: cgroup v2 memory.max or v1 memory.limit_in_bytes as seen
 * inside the container (runc mounts the container's own cgroup there).
 */
static inline uint64_t pl_cgroup_mem_limit(void)
{
	static const char *const paths[] = {
		"/sys/fs/cgroup/memory.max",
		"/sys/fs/cgroup/memory/memory.limit_in_bytes",
		NULL,
	};
	uint64_t v;

	for (int i = 0; paths[i]; i++) {
		v = pl_read_u64(paths[i]);
		/* v1 says "unlimited" with a huge page-aligned number. */
		if (v && v < (1ull << 50))
			return v;
	}
	return 0;
}

/* The pids limit of the payload's cgroup, 0 when unknown or unlimited. */
static inline uint64_t pl_cgroup_pids_max(void)
{
	uint64_t v = pl_read_u64("/sys/fs/cgroup/pids.max");

	return v ? v : pl_read_u64("/sys/fs/cgroup/pids/pids.max");
}

/* The number of tasks in the payload's pids cgroup, 0 when unknown. */
static inline uint64_t pl_cgroup_pids_current(void)
{
	uint64_t v = pl_read_u64("/sys/fs/cgroup/pids.current");

	return v ? v : pl_read_u64("/sys/fs/cgroup/pids/pids.current");
}

#endif /* CADET_PAYLOAD_H */
