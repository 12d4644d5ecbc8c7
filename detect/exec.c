// SPDX-License-Identifier: MIT
/*
 * The exec adapter: a detector that is any program speaking JSON lines.
 * The program (run as /bin/sh -c COMMAND) reads records on stdin, one
 * JSON object per line exactly as `cadet dump --json` prints them, plus
 * control lines, and answers with score, alert and ack lines on stdout.
 * docs/detector-abi.md defines the protocol.
 *
 * Lock-step keeps it deterministic: after each init, tick, trace_end and
 * train_end line the host waits for {"type":"ack"}, so every answer is
 * tied to the input that caused it, whatever the scheduling. Writes are
 * non-blocking and interleaved with reads, so a program that answers
 * while it reads cannot deadlock us. A crash, a hang or a line that is not
 * a result disables this detector only, with a message saying what
 * happened.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "detect/dethost_int.h"
#include "lib/trace/trace_print.h"

extern char **environ;

#define EXEC_FLUSH_BYTES (64u << 10)
#define EXEC_MAX_LINE (1u << 20)

struct xbuf {
	char *p;
	size_t len;
	size_t cap;
};

struct exec_det {
	const struct cadet_host *host;
	char *cmd;
	pid_t pid;
	int in_fd; /* child's stdin, we write */
	int out_fd; /* child's stdout, we read */
	FILE *sink; /* printer output into wbuf */
	struct trace_printer *pr;
	struct xbuf wbuf;
	size_t woff;
	struct xbuf rbuf;
	unsigned int acks_pending;
	int timeout_s;
	int last_phase;
	uint64_t tick_ns;
	uint64_t last_tick;
	bool failed;
	/* Record types the child asked for in its init ack (all if none). */
	bool subscribed;
	bool wants[CADET_REC_TYPE_MAX];
	const char *waiting_for; /* for messages: "tick 123", ... */
	char wait_desc[64];
};

static int xbuf_append(struct xbuf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

static ssize_t sink_write(void *cookie, const char *buf, size_t n)
{
	struct exec_det *x = cookie;

	if (xbuf_append(&x->wbuf, buf, n)) {
		errno = ENOMEM;
		return -1;
	}
	return n;
}

/* Whether the child has ended, without reaping it (its pid, and so its
 * process group id, stay ours until then). */
static bool child_ended(pid_t pid)
{
	siginfo_t si = {0};

	return !waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) &&
	       si.si_pid == pid;
}

/*
 * Kills the child (if alive) and everything in its process group (what
 * the shell started: a `sleep` must not outlive us under PID 1), reaps
 * it and describes how it ended.
 */
static void child_reap(struct exec_det *x, bool kill_it, char *how,
		       size_t howlen)
{
	int status = 0;
	pid_t p;

	snprintf(how, howlen, "is gone");
	if (x->pid <= 0)
		return;
	/* A child that closed its output is likely exiting: give it 2 s. */
	for (int i = 0; !kill_it && i < 200 && !child_ended(x->pid); i++)
		nanosleep(&(struct timespec){.tv_nsec = 10000000}, NULL);
	/* The group id is the unreaped child's pid: not reused yet. */
	kill(-x->pid, SIGKILL);
	kill(x->pid, SIGKILL);
	do
		p = waitpid(x->pid, &status, 0);
	while (p < 0 && errno == EINTR);
	x->pid = 0;
	if (p < 0)
		return;
	if (WIFEXITED(status))
		snprintf(how, howlen, "exited with status %d",
			 WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(how, howlen, "was killed by signal %d (%s)",
			 WTERMSIG(status), strsignal(WTERMSIG(status)));
}

static void close_fds(struct exec_det *x)
{
	if (x->in_fd >= 0)
		close(x->in_fd);
	if (x->out_fd >= 0)
		close(x->out_fd);
	x->in_fd = x->out_fd = -1;
}

/*
 * Marks the child failed: logs @what, kills and reaps it. Returns @ret
 * for the callback to hand back (which disables the detector).
 */
static int exec_fail(struct exec_det *x, int ret, bool died, const char *fmt,
		     ...) __attribute__((format(printf, 4, 5)));

static int exec_fail(struct exec_det *x, int ret, bool died, const char *fmt,
		     ...)
{
	char msg[512], how[96];
	va_list ap;

	if (x->failed)
		return ret;
	x->failed = true;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	close_fds(x);
	child_reap(x, !died, how, sizeof(how));
	if (died)
		x->host->log(x->host, "program '%s' %s %s", x->cmd, how, msg);
	else
		x->host->log(x->host, "program '%s': %s", x->cmd, msg);
	return ret;
}

static uint64_t json_u64(json_t *o, const char *key, uint64_t def, bool *ok)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		return def;
	if (!json_is_integer(v) || json_integer_value(v) < 0) {
		*ok = false;
		return def;
	}
	return (uint64_t)json_integer_value(v);
}

static int parse_severity(json_t *v)
{
	const char *s;

	if (!v)
		return CADET_SEV_WARNING;
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= CADET_SEV_CRITICAL)
		return (int)json_integer_value(v);
	if (!json_is_string(v))
		return -1;
	s = json_string_value(v);
	if (!strcmp(s, "info"))
		return CADET_SEV_INFO;
	if (!strcmp(s, "warning"))
		return CADET_SEV_WARNING;
	if (!strcmp(s, "critical"))
		return CADET_SEV_CRITICAL;
	return -1;
}

/*
 * The init ack may carry "types": ["metrics", ...]: the record types the
 * child wants. Container records always go; so do control lines. Sparing
 * a Python child millions of lines it would parse and drop is most of its
 * speed.
 */
static int subscribe(struct exec_det *x, json_t *types, const char **why)
{
	size_t i;
	json_t *t;

	if (!json_is_array(types)) {
		*why = "\"types\" must be an array of record type names";
		return -EINVAL;
	}
	memset(x->wants, 0, sizeof(x->wants));
	json_array_foreach(types, i, t)
	{
		const char *name = json_string_value(t);
		unsigned int ty;

		for (ty = 1; ty < CADET_REC_TYPE_MAX; ty++)
			if (name && cadet_rec_type_name(ty) &&
			    !strcmp(cadet_rec_type_name(ty), name))
				break;
		if (ty == CADET_REC_TYPE_MAX) {
			*why = "\"types\" names an unknown record type";
			return -EINVAL;
		}
		x->wants[ty] = true;
	}
	x->subscribed = true;
	return 0;
}

/* One line from the child. 0, or the error the callback returns. */
static int handle_line(struct exec_det *x, char *line, size_t len)
{
	uint64_t win_end = x->last_tick;
	const char *type, *why = NULL;
	json_error_t jerr;
	json_t *o, *v;
	bool ok = true;
	int sev, ret = 0;

	if (len && line[len - 1] == '\r')
		line[--len] = 0;
	if (!len)
		return 0;
	o = json_loadb(line, len, 0, &jerr);
	if (!o || !json_is_object(o)) {
		why = o ? "not a JSON object" : jerr.text;
		goto garbage;
	}
	type = json_string_value(json_object_get(o, "type"));
	if ((v = json_object_get(o, "score"))) {
		double val = json_number_value(v);
		uint64_t cg = json_u64(o, "cgroup_id", 0, &ok);
		uint64_t we = json_u64(o, "win_end", win_end, &ok);
		uint64_t ws =
			json_u64(o, "win_start",
				 we >= x->tick_ns ? we - x->tick_ns : 0, &ok);

		if (!json_is_number(v) || !isfinite(val) ||
		    !json_object_get(o, "cgroup_id") || !ok) {
			why = "a score needs a finite number and integer cgroup_id (win_start, win_end optional)";
			goto garbage;
		}
		x->host->score(x->host, cg, ws, we, val);
	} else if ((v = json_object_get(o, "alert"))) {
		uint64_t cg = json_u64(o, "cgroup_id", 0, &ok);
		uint64_t ts = json_u64(o, "ts", win_end, &ok);

		sev = parse_severity(json_object_get(o, "severity"));
		if (!json_is_string(v) || !ok || sev < 0) {
			why = "an alert needs a reason string, integer ts and cgroup_id, severity info|warning|critical";
			goto garbage;
		}
		x->host->alert(x->host, ts, cg, sev, json_string_value(v));
	} else if (type && !strcmp(type, "ack")) {
		if (!x->acks_pending) {
			why = "an ack nobody asked for";
			goto garbage;
		}
		x->acks_pending--;
		if ((v = json_object_get(o, "types")) && subscribe(x, v, &why))
			goto garbage;
	} else if (type && !strcmp(type, "log")) {
		x->host->log(x->host, "%s",
			     json_string_value(json_object_get(o, "message"))
				     ?: "(log line without message)");
	} else {
		why = "neither score, alert, ack nor log";
		goto garbage;
	}
	json_decref(o);
	return 0;
garbage:
	ret = exec_fail(
		x, -EPROTO, false,
		"wrote a line that is not a cadet result (%s): '%.120s'; see docs/detector-abi.md for the protocol",
		why, line);
	json_decref(o);
	return ret;
}

static int read_some(struct exec_det *x)
{
	char buf[65536];
	ssize_t n;
	char *nl;
	int ret;

	n = read(x->out_fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR
			       ? 0
			       : exec_fail(x, -errno, true, "(read: %s)",
					   strerror(errno));
	if (n == 0)
		return exec_fail(x, -EPIPE, true, "while the host was %s",
				 x->waiting_for ? x->waiting_for
						: "sending events");
	if (xbuf_append(&x->rbuf, buf, n))
		return exec_fail(x, -ENOMEM, false, "out of memory");
	while ((nl = memchr(x->rbuf.p, '\n', x->rbuf.len))) {
		size_t len = nl - x->rbuf.p;

		*nl = 0;
		ret = handle_line(x, x->rbuf.p, len);
		if (ret)
			return ret;
		memmove(x->rbuf.p, nl + 1, x->rbuf.len - len - 1);
		x->rbuf.len -= len + 1;
	}
	if (x->rbuf.len > EXEC_MAX_LINE)
		return exec_fail(x, -EPROTO, false,
				 "wrote a line longer than %u bytes",
				 EXEC_MAX_LINE);
	return 0;
}

/*
 * write() that turns a dead reader into EPIPE without SIGPIPE, even for
 * programs that did not ignore the signal (cadet replay does; a test or
 * another caller of the library may not).
 */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t len)
{
	const struct timespec zero = {0};
	sigset_t pipe_set, old;
	ssize_t w;
	int err;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	w = write(fd, buf, len);
	err = errno;
	/* The signal is thread-directed: take it before unblocking. */
	if (w < 0 && err == EPIPE)
		sigtimedwait(&pipe_set, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return w;
}

/*
 * Moves data both ways until the write buffer is empty and, when @sync,
 * until every requested ack arrived.
 */
static int pump(struct exec_det *x, bool sync)
{
	int ret;

	if (x->failed)
		return -EPIPE;
	for (;;) {
		bool want_out = x->woff < x->wbuf.len;
		struct pollfd pfd[2] = {
			{.fd = x->out_fd, .events = POLLIN},
			{.fd = want_out ? x->in_fd : -1, .events = POLLOUT},
		};
		int n;

		if (!want_out && (!sync || !x->acks_pending))
			break;
		n = poll(pfd, 2, x->timeout_s * 1000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return exec_fail(x, -errno, false, "poll: %s",
					 strerror(errno));
		if (n == 0)
			return exec_fail(
				x, -ETIMEDOUT, false,
				"no answer within %d s while the host was %s; killed",
				x->timeout_s,
				x->waiting_for ? x->waiting_for
					       : "sending events");
		if (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ret = read_some(x);
			if (ret)
				return ret;
		}
		if (want_out && (pfd[1].revents & (POLLOUT | POLLERR))) {
			ssize_t w =
				write_nosigpipe(x->in_fd, x->wbuf.p + x->woff,
						x->wbuf.len - x->woff);

			if (w < 0 && errno != EAGAIN && errno != EINTR)
				return exec_fail(
					x, -EPIPE, true,
					"(it stopped reading its input: %s)",
					strerror(errno));
			if (w > 0)
				x->woff += w;
		}
		if (x->woff == x->wbuf.len)
			x->woff = x->wbuf.len = 0;
	}
	return 0;
}

static int send_line(struct exec_det *x, bool sync, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int send_line(struct exec_det *x, bool sync, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n, ret;

	if (x->failed)
		return -EPIPE;
	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return exec_fail(x, -ENOMEM, false, "out of memory");
	ret = xbuf_append(&x->wbuf, s, n);
	free(s);
	if (ret)
		return exec_fail(x, ret, false, "out of memory");
	if (!sync)
		return x->wbuf.len >= EXEC_FLUSH_BYTES ? pump(x, false) : 0;
	x->acks_pending++;
	return pump(x, true);
}

/* A JSON string literal of @s (jansson escapes it). */
static char *jstr(const char *s)
{
	json_t *j = json_string(s ? s : "");
	char *out = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	json_decref(j);
	return out;
}

static int spawn_child(struct exec_det *x)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	int in[2] = {-1, -1}, out[2] = {-1, -1};
	char *argv[] = {"sh", "-c", x->cmd, NULL};
	sigset_t dflt;
	int ret;

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) {
		ret = -errno;
		goto cleanup;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawnattr_init(&attr);
	/* We ignore SIGPIPE; the child should die of it as usual. */
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	/* A process group of its own: on a timeout we kill what the shell
	 * started with it. */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr,
				 POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	ret = -posix_spawn(&x->pid, "/bin/sh", &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (ret)
		goto cleanup;
	close(in[0]);
	close(out[1]);
	x->in_fd = in[1];
	x->out_fd = out[0];
	fcntl(x->in_fd, F_SETFL, O_NONBLOCK);
	fcntl(x->out_fd, F_SETFL, O_NONBLOCK);
	return 0;
cleanup:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	return ret;
}

static void exec_fini(void *state);

static int exec_init(void **state, const struct cadet_host *host,
		     const struct cadet_param *params, size_t nparams,
		     uint64_t seed)
{
	cookie_io_functions_t io = {.write = sink_write};
	const char *cmd = cadet_param_get(params, nparams, "command", NULL);
	struct exec_det *x;
	char *jp = NULL;
	json_t *po;
	int ret;

	if (!cmd || !*cmd) {
		host->log(host, "exec needs a command (exec:COMMAND)");
		return -EINVAL;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->host = host;
	x->in_fd = x->out_fd = -1;
	x->timeout_s = det_host_exec_timeout(host);
	x->tick_ns = 1000000000ull;
	x->last_phase = -1;
	x->cmd = strdup(cmd);
	x->sink = fopencookie(x, "w", io);
	if (!x->cmd || !x->sink) {
		ret = -ENOMEM;
		goto cleanup;
	}
	setvbuf(x->sink, NULL, _IONBF, 0);
	ret = spawn_child(x);
	if (ret) {
		host->log(host, "cannot run /bin/sh -c '%s': %s", cmd,
			  strerror(-ret));
		goto cleanup;
	}
	po = json_object();
	for (size_t i = 0; i < nparams; i++)
		if (strcmp(params[i].key, "command"))
			json_object_set_new(po, params[i].key,
					    json_string(params[i].value));
	jp = json_dumps(po, JSON_COMPACT);
	json_decref(po);
	x->waiting_for = "waiting for the ack of init";
	ret = send_line(x, true,
			"{\"type\":\"init\",\"abi\":\"%u.%u\",\"seed\":%" PRIu64
			",\"tick_ns\":%" PRIu64 ",\"params\":%s}\n",
			CADET_DETECTOR_ABI_MAJOR, CADET_DETECTOR_ABI_MINOR,
			seed, x->tick_ns, jp ? jp : "{}");
	free(jp);
	x->waiting_for = NULL;
	if (ret)
		goto cleanup;
	*state = x;
	return 0;
cleanup:
	exec_fini(x);
	return ret;
}

static const char *phase_str(enum cadet_phase p)
{
	if (p == CADET_PHASE_TRAIN)
		return "train";
	return p == CADET_PHASE_VALIDATE ? "validate" : "test";
}

static int exec_trace_begin(void *state, const struct cadet_trace_desc *t)
{
	struct exec_det *x = state;
	char *path;
	int ret;

	trace_printer__free(x->pr);
	x->pr = trace_printer__new(x->sink, NULL, true);
	if (!x->pr)
		return exec_fail(x, -ENOMEM, false, "out of memory");
	if ((int)t->phase != x->last_phase) {
		ret = send_line(x, false,
				"{\"type\":\"phase\",\"phase\":\"%s\"}\n",
				phase_str(t->phase));
		if (ret)
			return ret;
		x->last_phase = t->phase;
	}
	path = jstr(t->path);
	ret = send_line(
		x, false,
		"{\"type\":\"trace_begin\",\"path\":%s,\"phase\":\"%s\"}\n",
		path ? path : "\"\"", phase_str(t->phase));
	free(path);
	return ret;
}

static int exec_print(struct exec_det *x, const struct cadet_rec *rec)
{
	int ret;

	if (x->failed)
		return -EPIPE;
	ret = trace_printer__print(x->pr, rec);
	if (ret)
		return exec_fail(x, ret, false, "cannot encode a record: %s",
				 strerror(-ret));
	return x->wbuf.len >= EXEC_FLUSH_BYTES ? pump(x, false) : 0;
}

static int exec_container(void *state, const struct cadet_container_desc *c,
			  int added)
{
	struct exec_det *x = state;
	const struct cadet_rec *rec = det_host_cur_rec(x->host);

	if (!rec)
		return 0;
	if (trace_printer__observe(x->pr, rec))
		return exec_fail(x, -ENOMEM, false, "out of memory");
	return exec_print(x, rec);
}

static int exec_event(void *state, const struct cadet_rec *rec)
{
	struct exec_det *x = state;

	if (x->subscribed &&
	    (rec->type >= CADET_REC_TYPE_MAX || !x->wants[rec->type]))
		return 0;
	return exec_print(x, rec);
}

static int exec_tick(void *state, uint64_t ts)
{
	struct exec_det *x = state;
	int ret;

	x->last_tick = ts;
	snprintf(x->wait_desc, sizeof(x->wait_desc),
		 "waiting for the ack of tick %" PRIu64, ts);
	x->waiting_for = x->wait_desc;
	ret = send_line(x, true, "{\"type\":\"tick\",\"ts\":%" PRIu64 "}\n",
			ts);
	x->waiting_for = NULL;
	return ret;
}

static int exec_trace_end(void *state, const struct cadet_trace_desc *t)
{
	struct exec_det *x = state;
	char *path = jstr(t->path);
	int ret;

	x->waiting_for = "waiting for the ack of trace_end";
	ret = send_line(x, true, "{\"type\":\"trace_end\",\"path\":%s}\n",
			path ? path : "\"\"");
	x->waiting_for = NULL;
	free(path);
	return ret;
}

static int exec_train_end(void *state)
{
	struct exec_det *x = state;
	int ret;

	x->waiting_for = "waiting for the ack of train_end";
	ret = send_line(x, true, "{\"type\":\"train_end\"}\n");
	x->waiting_for = NULL;
	return ret;
}

/* Closes the child's input and gives it 10 s to exit. */
static void exec_fini(void *state)
{
	struct exec_det *x = state;
	char how[96];
	int status;

	if (!x)
		return;
	if (!x->failed && x->pid > 0) {
		pump(x, false);
		if (x->in_fd >= 0)
			close(x->in_fd);
		x->in_fd = -1;
		/* Drain (and ignore) what it still writes, then reap. */
		for (int i = 0; i < 100 && x->out_fd >= 0; i++) {
			struct pollfd p = {.fd = x->out_fd, .events = POLLIN};
			char buf[4096];

			if (poll(&p, 1, 100) > 0 &&
			    read(x->out_fd, buf, sizeof(buf)) == 0)
				break;
		}
		if (child_ended(x->pid)) {
			/* Its leftovers go with it (see child_reap()). */
			kill(-x->pid, SIGKILL);
			waitpid(x->pid, &status, 0);
			x->pid = 0;
			if (!WIFEXITED(status) || WEXITSTATUS(status))
				x->host->log(
					x->host,
					"program '%s' ended with %s %d after its input closed",
					x->cmd,
					WIFEXITED(status) ? "status" : "signal",
					WIFEXITED(status) ? WEXITSTATUS(status)
							  : WTERMSIG(status));
		}
	}
	close_fds(x);
	child_reap(x, true, how, sizeof(how));
	trace_printer__free(x->pr);
	if (x->sink)
		fclose(x->sink);
	free(x->wbuf.p);
	free(x->rbuf.p);
	free(x->cmd);
	free(x);
}

const struct cadet_detector_ops det_exec_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "exec",
	.description = "any program reading JSON lines (exec:COMMAND)",
	.params_help = "command=: shell command (the text after exec:)",
	.init = exec_init,
	.on_trace_begin = exec_trace_begin,
	.on_container = exec_container,
	.on_event = exec_event,
	.on_tick = exec_tick,
	.on_trace_end = exec_trace_end,
	.train_end = exec_train_end,
	.fini = exec_fini,
};
