// SPDX-License-Identifier: MIT
/*
 * Plugin isolation (see isolate.h): the host side, which forks the child
 * (isolate_child.c), and the proxies that speak to it.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "detect/isolate.h"
#include "detect/isolate_int.h"
#include "lib/util/errbuf.h"

struct iso_det {
	char *path;
	pid_t pid;
	int fd;
	struct iso_shared *sh;
	int timeout_s;
	const struct cadet_host *host; /* from init() on */
	const struct iso_host_ops *hops;
	struct iso_buf w;
	size_t woff;
	struct iso_buf r;
	bool dead;
	/* Waiting for ISO_R_DONE of wait_op (or ISO_R_META at start). */
	bool waiting;
	uint32_t wait_op;
	int wait_ret;
	bool failed; /* a batched callback failed: said, disabled */
	char *trace_path;
	/* Strings the proxies' ops point to. */
	char *name;
	char *description;
	char *params_help;
	struct iso_meta meta;
	/* iso_open(): a refusal or death while loading. */
	char *load_err;
	int load_ret;
};

/* Where the child was, for messages: "on_event, record at trace time 5". */
static void stage_desc(const struct iso_det *x, char *buf, size_t len)
{
	uint32_t st = x->sh->stage;
	const char *name = st < ISO_NSTAGES ? iso_stage_names[st] : "?";

	if (st == ISO_EVENT || st == ISO_CONTAINER)
		snprintf(buf, len, "%s, record at trace time %" PRIu64, name,
			 (uint64_t)x->sh->ts);
	else if (st == ISO_TICK)
		snprintf(buf, len, "on_tick(%" PRIu64 ")",
			 (uint64_t)x->sh->ts);
	else
		snprintf(buf, len, "%s", name);
}

/* Waits up to @ms for the child to end by itself; true when reaped. */
static bool reap_within(struct iso_det *x, int ms, int *status)
{
	for (int i = 0; i <= ms / 10; i++) {
		pid_t p = waitpid(x->pid, status, WNOHANG);

		if (p == x->pid || (p < 0 && errno != EINTR))
			return true;
		if (i < ms / 10)
			nanosleep(&(struct timespec){.tv_nsec = 10000000},
				  NULL);
	}
	return false;
}

static void reap(struct iso_det *x, bool kill_it, int *status)
{
	*status = 0;
	if (x->pid <= 0)
		return;
	if (kill_it || !reap_within(x, 2000, status)) {
		kill(x->pid, SIGKILL);
		while (waitpid(x->pid, status, 0) < 0 && errno == EINTR)
			;
	}
	x->pid = 0;
}

/*
 * The child died or must: kill it when @timed_out, reap it, say what
 * happened and where, and disable the detector (or, while loading, keep
 * the message for iso_open()). Returns -ECHILD for the callback.
 */
static int iso_died(struct iso_det *x, bool timed_out)
{
	char where[160], msg[400];
	int status;

	if (x->dead)
		return -ECHILD;
	x->dead = true;
	stage_desc(x, where, sizeof(where));
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	reap(x, timed_out, &status);
	if (timed_out)
		snprintf(msg, sizeof(msg),
			 "no answer in %d s in %s: killed (see --detector-timeout)",
			 x->timeout_s, where);
	else if (WIFSIGNALED(status))
		snprintf(msg, sizeof(msg), "killed by SIG%s (%s) in %s",
			 sigabbrev_np(WTERMSIG(status)) ?: "?",
			 strsignal(WTERMSIG(status)), where);
	else if (WIFEXITED(status))
		snprintf(msg, sizeof(msg), "exited with status %d in %s",
			 WEXITSTATUS(status), where);
	else
		snprintf(msg, sizeof(msg), "ended in %s", where);
	if (x->host) {
		x->hops->disable(x->host, "%s", msg);
	} else {
		free(x->load_err);
		x->load_err = strdup(msg);
		x->load_ret = -ECHILD;
	}
	x->waiting = false;
	return -ECHILD;
}

/* Tells the host about a batched callback that failed in the child. */
static void iso_failed(struct iso_det *x, uint32_t op, int ret)
{
	const char *name = op < ISO_NSTAGES ? iso_stage_names[op] : "?";

	x->failed = true;
	if (x->host)
		x->hops->disable(x->host, "%s() failed%s%s: %s", name,
				 x->trace_path ? " on " : "",
				 x->trace_path ? x->trace_path : "",
				 strerror(ret < 0 ? -ret : EPROTO));
}

static int protocol_error(struct iso_det *x, const char *what)
{
	if (x->host)
		x->host->log(x->host, "plugin child: %s: stopping it", what);
	return iso_died(x, true);
}

static int dispatch(struct iso_det *x, const struct iso_hdr *h)
{
	const char *p = (const char *)(h + 1);
	const uint64_t *u = (const void *)p;
	int32_t a[2];

	switch (h->type) {
	case ISO_R_SCORE:
		if (h->len < 32 || !x->host)
			return protocol_error(x, "bad score message");
		{
			double v;

			memcpy(&v, p + 24, 8);
			x->host->score(x->host, u[0], u[1], u[2], v);
		}
		return 0;
	case ISO_R_ALERT:
		if (h->len < 25 || p[h->len - 1] || !x->host)
			return protocol_error(x, "bad alert message");
		x->host->alert(x->host, u[0], u[1],
			       (enum cadet_severity) * (const uint32_t *)(p + 16),
			       p + 24);
		return 0;
	case ISO_R_LOG:
		if (!h->len || p[h->len - 1] || !x->host)
			return protocol_error(x, "bad log message");
		x->host->log(x->host, "%s", p);
		return 0;
	case ISO_R_DONE:
	case ISO_R_FAIL:
		if (h->len < sizeof(a))
			return protocol_error(x, "bad answer");
		memcpy(a, p, sizeof(a));
		if (h->type == ISO_R_FAIL) {
			iso_failed(x, a[0], a[1]);
			return 0;
		}
		if (!x->waiting || (uint32_t)a[0] != x->wait_op)
			return protocol_error(x, "an answer nobody asked for");
		x->waiting = false;
		x->wait_ret = a[1];
		return 0;
	case ISO_R_META:
	case ISO_R_REFUSED:
		if (!x->waiting || x->wait_op != ISO_R_META)
			return protocol_error(x, "unexpected load message");
		x->waiting = false;
		if (h->type == ISO_R_REFUSED) {
			if (h->len < 5 || p[h->len - 1])
				return protocol_error(x, "bad refusal");
			memcpy(&a[0], p, 4);
			x->load_ret = a[0] < 0 ? a[0] : -ENOEXEC;
			x->load_err = strdup(p + 4);
			return 0;
		} else {
			const char *s = p + sizeof(struct iso_meta);
			const char *end = p + h->len;
			const char *v[3];

			if (h->len < sizeof(struct iso_meta))
				return protocol_error(x, "bad load message");
			for (int i = 0; i < 3; i++)
				if (!(v[i] = iso_take_str(&s, end)))
					return protocol_error(
						x, "bad load message");
			memcpy(&x->meta, p, sizeof(x->meta));
			x->name = *v[0] ? strdup(v[0]) : NULL;
			x->description = *v[1] ? strdup(v[1]) : NULL;
			x->params_help = *v[2] ? strdup(v[2]) : NULL;
		}
		return 0;
	default:
		return protocol_error(x, "unknown message");
	}
}

static int read_some(struct iso_det *x)
{
	const struct iso_hdr *h;
	size_t off = 0;
	ssize_t n;
	int ret;

	if (iso_buf_reserve(&x->r, ISO_FLUSH_BYTES))
		return protocol_error(x, "out of memory");
	n = recv(x->fd, x->r.p + x->r.len, x->r.cap - x->r.len, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0
							 : iso_died(x, false);
	if (n == 0)
		return iso_died(x, false);
	x->r.len += n;
	while ((h = iso_msg_next(&x->r, &off))) {
		ret = dispatch(x, h);
		if (ret)
			return ret;
	}
	iso_buf_consume(&x->r, off);
	if (x->r.len >= sizeof(*h)) {
		h = (const void *)x->r.p;
		if (h->len > ISO_MAX_MSG)
			return protocol_error(x, "message too long");
		if (iso_buf_reserve(&x->r, sizeof(*h) + PAD8(h->len)))
			return protocol_error(x, "out of memory");
	}
	return 0;
}

/*
 * Moves data both ways until everything is written and, when waiting,
 * until the answer came. Reading while writing keeps a child that
 * answers while it reads from deadlocking us; the timeout counts from
 * the last progress.
 */
static int pump(struct iso_det *x)
{
	int ret;

	for (;;) {
		bool want_out = x->woff < x->w.len;
		struct pollfd pfd = {
			.fd = x->fd,
			.events = POLLIN | (want_out ? POLLOUT : 0),
		};
		int n;

		if (x->dead)
			return -ECHILD;
		if (!want_out && !x->waiting)
			break;
		n = poll(&pfd, 1, x->timeout_s * 1000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return iso_died(x, true);
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			ret = read_some(x);
			if (ret)
				return ret;
		}
		if (want_out && (pfd.revents & POLLOUT)) {
			ssize_t w = send(x->fd, x->w.p + x->woff,
					 x->w.len - x->woff,
					 MSG_NOSIGNAL | MSG_DONTWAIT);

			if (w < 0 && errno != EAGAIN && errno != EINTR)
				return iso_died(x, false);
			if (w > 0)
				x->woff += w;
		}
		if (x->woff == x->w.len)
			x->woff = x->w.len = 0;
	}
	return 0;
}

/* Queues a message; writes when the batch is full. */
static int send_async(struct iso_det *x, uint32_t op, const void *a,
		      size_t alen, const void *b, size_t blen)
{
	if (x->dead || x->failed)
		return -ECANCELED;
	if (iso_msg_put(&x->w, op, a, alen, b, blen)) {
		x->hops->disable(x->host, "cannot send to the plugin: %s",
				 strerror(ENOMEM));
		return -ENOMEM;
	}
	return x->w.len >= ISO_FLUSH_BYTES ? pump(x) : 0;
}

/* Sends @op and waits for its answer; returns the callback's return. */
static int call(struct iso_det *x, uint32_t op, const void *a, size_t alen,
		const void *b, size_t blen)
{
	int ret;

	if (x->dead)
		return -ECHILD;
	if (iso_msg_put(&x->w, op, a, alen, b, blen))
		return -ENOMEM;
	x->waiting = true;
	x->wait_op = op;
	ret = pump(x);
	if (ret)
		return ret;
	/* A batched callback failed first: the host knows, say so. */
	return x->failed && x->wait_ret >= 0 ? -ECANCELED : x->wait_ret;
}

static int px_init(void **state, const struct cadet_host *host,
		   const struct cadet_param *params, size_t nparams,
		   uint64_t seed)
{
	struct iso_det *x = *state;
	struct iso_buf kv = {0};
	struct {
		uint64_t seed;
		uint32_t n, pad;
	} m = {seed, nparams, 0};
	int ret;

	x->host = host;
	for (size_t i = 0; i < nparams; i++) {
		size_t kl = strlen(params[i].key) + 1;
		size_t vl = strlen(params[i].value) + 1;

		if (iso_buf_reserve(&kv, kl + vl)) {
			free(kv.p);
			return -ENOMEM;
		}
		memcpy(kv.p + kv.len, params[i].key, kl);
		memcpy(kv.p + kv.len + kl, params[i].value, vl);
		kv.len += kl + vl;
	}
	ret = call(x, ISO_INIT, &m, sizeof(m), kv.p, kv.len);
	free(kv.p);
	return ret;
}

static int px_trace_begin(void *state, const struct cadet_trace_desc *t)
{
	struct iso_det *x = state;
	const struct cadet_rec_header *hd = t->header;
	uint32_t hlen = hd ? hd->h.size : 0;
	uint32_t m[2] = {t->phase, hlen};
	char *buf;
	int ret;

	free(x->trace_path);
	x->trace_path = strdup(t->path ? t->path : "");
	/* phase, header length, header padded to 8, path */
	buf = calloc(1, PAD8((size_t)hlen) + strlen(x->trace_path ?: "") + 1);
	if (!buf || !x->trace_path) {
		free(buf);
		return -ENOMEM;
	}
	if (hlen)
		memcpy(buf, hd, hlen);
	strcpy(buf + PAD8((size_t)hlen), x->trace_path);
	ret = send_async(x, ISO_BEGIN, m, sizeof(m), buf,
			 PAD8((size_t)hlen) + strlen(x->trace_path) + 1);
	free(buf);
	return ret;
}

static int px_container(void *state, const struct cadet_container_desc *c,
			int added)
{
	struct iso_det *x = state;
	const struct cadet_rec *rec = x->hops->cur_rec(x->host);

	if (!rec)
		return 0;
	return send_async(x, ISO_CONTAINER, rec, rec->size, NULL, 0);
}

static int px_event(void *state, const struct cadet_rec *rec)
{
	return send_async(state, ISO_EVENT, rec, rec->size, NULL, 0);
}

static int px_tick(void *state, uint64_t ts)
{
	return call(state, ISO_TICK, &ts, sizeof(ts), NULL, 0);
}

static int px_trace_end(void *state, const struct cadet_trace_desc *t)
{
	return call(state, ISO_END, NULL, 0, NULL, 0);
}

static int px_train_end(void *state)
{
	return call(state, ISO_TRAIN_END, NULL, 0, NULL, 0);
}

static int px_save_model(void *state, const char *path)
{
	return call(state, ISO_SAVE, path, strlen(path) + 1, NULL, 0);
}

static int px_load_model(void *state, const char *path)
{
	return call(state, ISO_LOAD, path, strlen(path) + 1, NULL, 0);
}

/* fini(), then the child exits: a crash there is reported too. */
static void px_fini(void *state)
{
	struct iso_det *x = state;
	int status;

	if (x->dead)
		return;
	if (call(x, ISO_FINI, NULL, 0, NULL, 0) == -ECHILD)
		return;
	close(x->fd);
	x->fd = -1;
	reap(x, false, &status);
	x->dead = true;
	if (WIFSIGNALED(status) && x->host)
		x->host->log(x->host, "plugin child killed by SIG%s after fini",
			     sigabbrev_np(WTERMSIG(status)) ?: "?");
}

int iso_open(const char *path, int timeout_s, const struct iso_host_ops *hops,
	     struct iso_det **out, struct cadet_detector_ops *ops, char *err,
	     size_t errlen)
{
	struct iso_det *x = calloc(1, sizeof(*x));
	int sv[2] = {-1, -1}, ret;
	pid_t host = getpid();
	uint32_t has;

	*out = NULL;
	memset(ops, 0, sizeof(*ops));
	if (!x)
		return util_errf(err, errlen, -ENOMEM, "out of memory");
	x->fd = -1;
	x->hops = hops;
	x->timeout_s = timeout_s > 0 ? timeout_s : ISO_DEFAULT_TIMEOUT_S;
	x->path = strdup(path);
	x->sh = mmap(NULL, sizeof(*x->sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (x->sh == MAP_FAILED)
		x->sh = NULL;
	if (!x->path || !x->sh ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		ret = util_errf(err, errlen, -(errno ? errno : ENOMEM),
				"%s: cannot start a process for the plugin: %s",
				path, strerror(errno ? errno : ENOMEM));
		goto cleanup;
	}
	/* Nothing of ours may be written twice by the child's exit(). */
	fflush(NULL);
	x->pid = fork();
	if (x->pid < 0) {
		ret = util_errf(err, errlen, -errno,
				"%s: cannot start a process for the plugin: %s",
				path, strerror(errno));
		goto cleanup;
	}
	if (x->pid == 0) {
		close(sv[0]);
		iso_child_setup(sv[1], host);
		iso_child_run(3, x->path, x->sh);
	}
	close(sv[1]);
	sv[1] = -1;
	x->fd = sv[0];
	sv[0] = -1;
	x->waiting = true;
	x->wait_op = ISO_R_META;
	pump(x);
	if (x->load_err) {
		ret = util_errf(err, errlen, x->load_ret, "%s", x->load_err);
		if (ret != -ECHILD)
			goto cleanup;
		/* Died loading: the caller disables it, the others go on. */
		*out = x;
		return ret;
	}
	ops->sz = sizeof(*ops);
	ops->abi_major = CADET_DETECTOR_ABI_MAJOR;
	ops->abi_minor = CADET_DETECTOR_ABI_MINOR;
	ops->name = x->name;
	ops->description = x->description;
	ops->params_help = x->params_help;
	ops->tick_ns = x->meta.tick_ns;
	ops->flags = x->meta.flags;
	has = x->meta.has;
	ops->init = px_init;
	/* Ticks and trace ends are where the host waits for the child, so
	 * that every answer lands in the trace that caused it: always
	 * proxied; the child calls the plugin's only when it has one. */
	ops->on_trace_begin = px_trace_begin;
	ops->on_tick = px_tick;
	ops->on_trace_end = px_trace_end;
	ops->fini = px_fini;
	ops->on_container = has & HAS_CONTAINER ? px_container : NULL;
	ops->on_event = has & HAS_EVENT ? px_event : NULL;
	ops->train_end = has & HAS_TRAIN_END ? px_train_end : NULL;
	ops->save_model = has & HAS_SAVE ? px_save_model : NULL;
	ops->load_model = has & HAS_LOAD ? px_load_model : NULL;
	*out = x;
	return 0;
cleanup:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	iso_close(x);
	return ret;
}

void iso_close(struct iso_det *x)
{
	int status;

	if (!x)
		return;
	if (x->fd >= 0)
		close(x->fd);
	reap(x, true, &status);
	if (x->sh)
		munmap(x->sh, sizeof(*x->sh));
	free(x->w.p);
	free(x->r.p);
	free(x->trace_path);
	free(x->name);
	free(x->description);
	free(x->params_help);
	free(x->load_err);
	free(x->path);
	free(x);
}
