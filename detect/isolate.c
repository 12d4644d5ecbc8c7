// SPDX-License-Identifier: MIT
/*
 * Plugin isolation (see isolate.h): the host-side proxies and the child
 * that runs the plugin.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "detect/dethost.h"
#include "detect/dethost_int.h"
#include "detect/isolate.h"
#include "detect/loader.h"
#include "lib/util/errbuf.h"

#define ISO_FLUSH_BYTES (256u << 10)
#define ISO_MAX_MSG (64u << 20)
#define PAD8(n) (((n) + 7u) & ~(size_t)7u)

/* Host to child; the values double as the child's stage (what it runs). */
enum iso_op {
	ISO_IDLE = 0, /* stage only: waiting for input */
	ISO_INIT,
	ISO_BEGIN,
	ISO_CONTAINER,
	ISO_EVENT,
	ISO_TICK,
	ISO_END,
	ISO_TRAIN_END,
	ISO_FINI,
	ISO_SAVE,
	ISO_LOAD,
	ISO_DLOPEN, /* stage only: dlopen(), the plugin's constructors */
	ISO_ENTRY, /* stage only: its entry function */
	ISO_NSTAGES,
};

/* Child to host. */
enum iso_reply {
	ISO_R_META = 64, /* loaded: struct iso_meta, then 3 strings */
	ISO_R_REFUSED, /* i32 -errno, message: plugin_load()'s refusal */
	ISO_R_SCORE, /* u64 cgroup_id, win_start, win_end; double value */
	ISO_R_ALERT, /* u64 ts, cgroup_id; u32 severity, pad; reason */
	ISO_R_LOG, /* message */
	ISO_R_DONE, /* u32 op, i32 return: the answer to a waited-for op */
	ISO_R_FAIL, /* u32 op, i32 return: a batched callback failed */
};

struct iso_hdr {
	uint32_t type;
	uint32_t len; /* payload bytes, without the padding to 8 */
};

/* Which callbacks the plugin has, in struct iso_meta.has. */
enum {
	HAS_BEGIN = 1 << 0,
	HAS_CONTAINER = 1 << 1,
	HAS_EVENT = 1 << 2,
	HAS_TICK = 1 << 3,
	HAS_END = 1 << 4,
	HAS_TRAIN_END = 1 << 5,
	HAS_FINI = 1 << 6,
	HAS_SAVE = 1 << 7,
	HAS_LOAD = 1 << 8,
};

struct iso_meta {
	uint64_t tick_ns;
	uint64_t flags;
	uint32_t abi_minor;
	uint32_t has;
	/* then name, description, params_help: NUL-ended, "" for NULL */
};

/* What the child is doing, for the host's message when it dies. */
struct iso_shared {
	volatile uint32_t stage;
	volatile uint64_t ts;
};

struct xbuf {
	char *p;
	size_t len;
	size_t cap;
};

static const char *const stage_names[ISO_NSTAGES] = {
	[ISO_IDLE] = "between callbacks",
	[ISO_INIT] = "init",
	[ISO_BEGIN] = "on_trace_begin",
	[ISO_CONTAINER] = "on_container",
	[ISO_EVENT] = "on_event",
	[ISO_TICK] = "on_tick",
	[ISO_END] = "on_trace_end",
	[ISO_TRAIN_END] = "train_end",
	[ISO_FINI] = "fini",
	[ISO_SAVE] = "save_model",
	[ISO_LOAD] = "load_model",
	[ISO_DLOPEN] = "dlopen (the plugin's constructors)",
	[ISO_ENTRY] = "its entry function " CADET_DETECTOR_ENTRY_SYM "()",
};

/* malloc() gives 16-byte alignment: messages at offsets % 8 == 0 stay
 * aligned for the records in them. */
static int xbuf_reserve(struct xbuf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 65536;
	char *p;

	if (b->len + more <= b->cap)
		return 0;
	while (cap < b->len + more)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

/* Appends a message of @type with payload parts @a (@alen) and @b (@blen). */
static int msg_put(struct xbuf *w, uint32_t type, const void *a, size_t alen,
		   const void *b, size_t blen)
{
	struct iso_hdr h = {.type = type, .len = alen + blen};
	size_t tot = sizeof(h) + PAD8(alen + blen);

	if (alen + blen > ISO_MAX_MSG)
		return -EMSGSIZE;
	if (xbuf_reserve(w, tot))
		return -ENOMEM;
	memcpy(w->p + w->len, &h, sizeof(h));
	if (alen)
		memcpy(w->p + w->len + sizeof(h), a, alen);
	if (blen)
		memcpy(w->p + w->len + sizeof(h) + alen, b, blen);
	memset(w->p + w->len + sizeof(h) + alen + blen, 0,
	       tot - sizeof(h) - alen - blen);
	w->len += tot;
	return 0;
}

/* The next complete message in @r from *@off, or NULL. */
static const struct iso_hdr *msg_next(const struct xbuf *r, size_t *off)
{
	const struct iso_hdr *h;
	size_t tot;

	if (r->len - *off < sizeof(*h))
		return NULL;
	h = (const void *)(r->p + *off);
	tot = sizeof(*h) + PAD8(h->len);
	if (r->len - *off < tot)
		return NULL;
	*off += tot;
	return h;
}

/* Drops the first @off bytes of @r (a multiple of 8: alignment holds). */
static void xbuf_consume(struct xbuf *r, size_t off)
{
	memmove(r->p, r->p + off, r->len - off);
	r->len -= off;
}

/* ================= the child ================= */

struct iso_child {
	int fd;
	struct iso_shared *sh;
	struct cadet_detector_ops ops;
	void *state;
	struct cadet_host host;
	struct xbuf in;
	struct xbuf out;
	bool inited;
	bool failed; /* a callback failed: only fini() from now on */
	/* The current trace, for on_trace_end(). */
	struct cadet_trace_desc td;
	char *path;
	struct cadet_rec_header *hdr;
};

static void child_flush(struct iso_child *c)
{
	size_t off = 0;

	while (off < c->out.len) {
		ssize_t n = send(c->fd, c->out.p + off, c->out.len - off,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0); /* the host is gone */
		off += n;
	}
	c->out.len = 0;
}

static void child_put(struct iso_child *c, uint32_t type, const void *a,
		      size_t alen, const void *b, size_t blen)
{
	if (msg_put(&c->out, type, a, alen, b, blen))
		_exit(70); /* out of memory: the host says "exited with 70" */
	if (c->out.len >= ISO_FLUSH_BYTES)
		child_flush(c);
}

static void child_score(const struct cadet_host *h, uint64_t cg,
			uint64_t win_start, uint64_t win_end, double value)
{
	struct {
		uint64_t cg, ws, we;
		double v;
	} m = {cg, win_start, win_end, value};

	child_put(h->host_data, ISO_R_SCORE, &m, sizeof(m), NULL, 0);
}

static void child_alert(const struct cadet_host *h, uint64_t ts, uint64_t cg,
			enum cadet_severity sev, const char *reason)
{
	struct {
		uint64_t ts, cg;
		uint32_t sev, pad;
	} m = {ts, cg, sev, 0};

	reason = reason ? reason : "";
	child_put(h->host_data, ISO_R_ALERT, &m, sizeof(m), reason,
		  strlen(reason) + 1);
}

static void child_log(const struct cadet_host *h, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	child_put(h->host_data, ISO_R_LOG, s, n + 1, NULL, 0);
	free(s);
}

static void child_answer(struct iso_child *c, uint32_t type, uint32_t op,
			 int ret)
{
	int32_t m[2] = {(int32_t)op, ret};

	child_put(c, type, m, sizeof(m), NULL, 0);
	child_flush(c);
}

/* A NUL-ended string at @p within @end, or NULL. */
static const char *take_str(const char **p, const char *end)
{
	const char *s = *p, *nul = memchr(s, 0, end - s);

	if (!nul)
		return NULL;
	*p = nul + 1;
	return s;
}

static int child_init(struct iso_child *c, const char *p, uint32_t len)
{
	const char *end = p + len;
	struct cadet_param *params;
	uint64_t seed;
	uint32_t n;
	int ret;

	if (len < 16)
		return -EPROTO;
	memcpy(&seed, p, 8);
	memcpy(&n, p + 8, 4);
	p += 16;
	params = calloc(n + 1, sizeof(*params));
	if (!params)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		params[i].key = take_str(&p, end);
		params[i].value = params[i].key ? take_str(&p, end) : NULL;
		if (!params[i].value) {
			free(params);
			return -EPROTO;
		}
	}
	/* The params live as long as the plugin may keep pointers to them:
	 * the child's whole life, like the host's copy in-process. */
	ret = c->ops.init(&c->state, &c->host, params, n, seed);
	if (ret >= 0)
		c->inited = true;
	return ret;
}

static int child_begin(struct iso_child *c, const char *p, uint32_t len)
{
	uint32_t phase, hlen;

	if (len < 8)
		return -EPROTO;
	memcpy(&phase, p, 4);
	memcpy(&hlen, p + 4, 4);
	if (8 + PAD8((size_t)hlen) >= len || p[len - 1])
		return -EPROTO;
	free(c->hdr);
	free(c->path);
	c->hdr = NULL;
	if (hlen) {
		c->hdr = malloc(PAD8((size_t)hlen));
		if (!c->hdr)
			return -ENOMEM;
		memcpy(c->hdr, p + 8, hlen);
	}
	c->path = strdup(p + 8 + PAD8((size_t)hlen));
	if (!c->path)
		return -ENOMEM;
	c->td = (struct cadet_trace_desc){
		.sz = sizeof(c->td),
		.path = c->path,
		.header = c->hdr,
		.phase = phase,
	};
	return c->ops.on_trace_begin ? c->ops.on_trace_begin(c->state, &c->td)
				     : 0;
}

static int child_container(struct iso_child *c, const struct cadet_rec *rec)
{
	struct cadet_container_desc cd;
	char runtime[DET_RUNTIME_LEN];

	if (!c->ops.on_container)
		return 0;
	det_container_desc(rec, &cd, runtime);
	return c->ops.on_container(c->state, &cd,
				   rec->type != CADET_REC_CONTAINER_REMOVE);
}

/* A string payload (a path) or NULL when it is not NUL-ended. */
static const char *payload_str(const char *p, uint32_t len)
{
	return len && !p[len - 1] ? p : NULL;
}

static bool op_waited(uint32_t op)
{
	return op != ISO_BEGIN && op != ISO_CONTAINER && op != ISO_EVENT;
}

/* One message from the host. Returns false after fini. */
static bool child_handle(struct iso_child *c, const struct iso_hdr *h)
{
	const char *p = (const char *)(h + 1);
	const struct cadet_rec *rec = (const void *)p;
	const char *path;
	uint64_t ts = 0;
	int ret = 0;

	if (c->failed && h->type != ISO_FINI) {
		if (op_waited(h->type))
			child_answer(c, ISO_R_DONE, h->type, -ECANCELED);
		return true;
	}
	if ((h->type == ISO_EVENT || h->type == ISO_CONTAINER) &&
	    h->len >= sizeof(*rec))
		ts = rec->ts;
	else if (h->type == ISO_TICK && h->len >= 8)
		memcpy(&ts, p, 8);
	c->sh->ts = ts;
	c->sh->stage = h->type < ISO_NSTAGES ? h->type : ISO_IDLE;
	switch (h->type) {
	case ISO_INIT:
		ret = child_init(c, p, h->len);
		break;
	case ISO_BEGIN:
		ret = child_begin(c, p, h->len);
		break;
	case ISO_CONTAINER:
		ret = h->len < sizeof(*rec) ? -EPROTO
					    : child_container(c, rec);
		break;
	case ISO_EVENT:
		if (h->len < sizeof(*rec))
			ret = -EPROTO;
		else if (c->ops.on_event)
			ret = c->ops.on_event(c->state, rec);
		break;
	case ISO_TICK:
		if (h->len < 8)
			ret = -EPROTO;
		else if (c->ops.on_tick)
			ret = c->ops.on_tick(c->state, ts);
		break;
	case ISO_END:
		if (c->ops.on_trace_end)
			ret = c->ops.on_trace_end(c->state, &c->td);
		break;
	case ISO_TRAIN_END:
		if (c->ops.train_end)
			ret = c->ops.train_end(c->state);
		break;
	case ISO_FINI:
		if (c->inited && c->ops.fini)
			c->ops.fini(c->state);
		c->inited = false;
		break;
	case ISO_SAVE:
	case ISO_LOAD:
		path = payload_str(p, h->len);
		if (!path)
			ret = -EPROTO;
		else if (h->type == ISO_SAVE)
			ret = c->ops.save_model ?
				      c->ops.save_model(c->state, path) :
				      -EOPNOTSUPP;
		else
			ret = c->ops.load_model ?
				      c->ops.load_model(c->state, path) :
				      -EOPNOTSUPP;
		break;
	default:
		ret = -EPROTO;
	}
	c->sh->stage = ISO_IDLE;
	if (ret < 0)
		c->failed = true;
	if (op_waited(h->type))
		child_answer(c, ISO_R_DONE, h->type, ret);
	else if (ret < 0)
		child_answer(c, ISO_R_FAIL, h->type, ret);
	return h->type != ISO_FINI;
}

static void child_serve(struct iso_child *c)
{
	for (;;) {
		const struct iso_hdr *h;
		size_t off = 0;
		ssize_t n;

		while ((h = msg_next(&c->in, &off)))
			if (!child_handle(c, h)) {
				child_flush(c);
				return;
			}
		xbuf_consume(&c->in, off);
		if (c->in.len >= sizeof(*h)) {
			h = (const void *)c->in.p;
			if (h->len > ISO_MAX_MSG)
				_exit(71);
			if (xbuf_reserve(&c->in, sizeof(*h) + PAD8(h->len)))
				_exit(70);
		}
		if (xbuf_reserve(&c->in, ISO_FLUSH_BYTES))
			_exit(70);
		/* Answers go out before we wait: nothing is held back. */
		child_flush(c);
		n = read(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* the host closed: no fini() wanted */
		c->in.len += n;
	}
}

/* Loads the plugin and reports its ops; never returns. */
static void __attribute__((noreturn))
child_main(int fd, const char *path, struct iso_shared *sh)
{
	struct iso_child c = {.fd = fd, .sh = sh};
	cadet_detector_entry_fn entry;
	const struct cadet_detector_ops *src;
	struct iso_meta m = {0};
	char err[768];
	void *dl;
	int ret;

	c.host = (struct cadet_host){
		.sz = sizeof(c.host),
		.host_data = &c,
		.score = child_score,
		.alert = child_alert,
		.log = child_log,
	};
	sh->stage = ISO_DLOPEN;
	ret = plugin_open(path, &dl, &entry, err, sizeof(err));
	if (!ret) {
		sh->stage = ISO_ENTRY;
		src = entry();
		sh->stage = ISO_IDLE;
		ret = det_ops_import(src, path, &c.ops, err, sizeof(err));
	}
	sh->stage = ISO_IDLE;
	if (ret) {
		int32_t r = ret;

		child_put(&c, ISO_R_REFUSED, &r, sizeof(r), err,
			  strlen(err) + 1);
		child_flush(&c);
		_exit(0);
	}
	m.tick_ns = c.ops.tick_ns;
	m.flags = c.ops.flags;
	m.abi_minor = c.ops.abi_minor;
	m.has = (c.ops.on_trace_begin ? HAS_BEGIN : 0) |
		(c.ops.on_container ? HAS_CONTAINER : 0) |
		(c.ops.on_event ? HAS_EVENT : 0) |
		(c.ops.on_tick ? HAS_TICK : 0) |
		(c.ops.on_trace_end ? HAS_END : 0) |
		(c.ops.train_end ? HAS_TRAIN_END : 0) |
		(c.ops.fini ? HAS_FINI : 0) |
		(c.ops.save_model ? HAS_SAVE : 0) |
		(c.ops.load_model ? HAS_LOAD : 0);
	{
		const char *s[3] = {c.ops.name, c.ops.description,
				    c.ops.params_help};
		struct xbuf strs = {0};

		for (int i = 0; i < 3; i++) {
			const char *v = s[i] ? s[i] : "";

			if (xbuf_reserve(&strs, strlen(v) + 1))
				_exit(70);
			memcpy(strs.p + strs.len, v, strlen(v) + 1);
			strs.len += strlen(v) + 1;
		}
		child_put(&c, ISO_R_META, &m, sizeof(m), strs.p, strs.len);
		free(strs.p);
	}
	child_flush(&c);
	child_serve(&c);
	_exit(0);
}

/* Set-up in the fresh child: only its socket, default signals. */
static void child_setup(int fd, pid_t host)
{
	sigset_t none;

	if (fd != 3) {
		dup2(fd, 3);
		close(fd);
	}
	/* Other detectors' sockets and the host's files are not ours. */
	if (close_range(4, ~0u, 0))
		for (int i = 4; i < 1024; i++)
			close(i);
	/* Die with the host; a Ctrl-C is the host's to handle: it ends us
	 * by closing the socket once its detectors are done. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != host)
		_exit(0);
	/* The host's handlers are not the plugin's: a crash handler (a test
	 * framework's, say) would otherwise catch the plugin's SIGSEGV and
	 * run the host's code on in this child. */
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* ================= the host ================= */

struct iso_det {
	char *path;
	pid_t pid;
	int fd;
	struct iso_shared *sh;
	int timeout_s;
	const struct cadet_host *host; /* from init() on */
	struct xbuf w;
	size_t woff;
	struct xbuf r;
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
	const char *name = st < ISO_NSTAGES ? stage_names[st] : "?";

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
		det_host_disable(x->host, "%s", msg);
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
	const char *name = op < ISO_NSTAGES ? stage_names[op] : "?";

	x->failed = true;
	if (x->host)
		det_host_disable(x->host, "%s() failed%s%s: %s", name,
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
				if (!(v[i] = take_str(&s, end)))
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

	if (xbuf_reserve(&x->r, ISO_FLUSH_BYTES))
		return protocol_error(x, "out of memory");
	n = recv(x->fd, x->r.p + x->r.len, x->r.cap - x->r.len, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0
							 : iso_died(x, false);
	if (n == 0)
		return iso_died(x, false);
	x->r.len += n;
	while ((h = msg_next(&x->r, &off))) {
		ret = dispatch(x, h);
		if (ret)
			return ret;
	}
	xbuf_consume(&x->r, off);
	if (x->r.len >= sizeof(*h)) {
		h = (const void *)x->r.p;
		if (h->len > ISO_MAX_MSG)
			return protocol_error(x, "message too long");
		if (xbuf_reserve(&x->r, sizeof(*h) + PAD8(h->len)))
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
	if (msg_put(&x->w, op, a, alen, b, blen)) {
		det_host_disable(x->host, "cannot send to the plugin: %s",
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
	if (msg_put(&x->w, op, a, alen, b, blen))
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
	struct xbuf kv = {0};
	struct {
		uint64_t seed;
		uint32_t n, pad;
	} m = {seed, nparams, 0};
	int ret;

	x->host = host;
	for (size_t i = 0; i < nparams; i++) {
		size_t kl = strlen(params[i].key) + 1;
		size_t vl = strlen(params[i].value) + 1;

		if (xbuf_reserve(&kv, kl + vl)) {
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
	const struct cadet_rec *rec = det_host_cur_rec(x->host);

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

int iso_open(const char *path, int timeout_s, struct iso_det **out,
	     struct cadet_detector_ops *ops, char *err, size_t errlen)
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
		child_setup(sv[1], host);
		child_main(3, x->path, x->sh);
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
