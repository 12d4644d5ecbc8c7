// SPDX-License-Identifier: MIT
/*
 * Plugin isolation: the child process that dlopen()s the plugin, calls
 * its callbacks as the host's messages ask and sends back what they
 * produce (isolate.h tells the protocol).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "detect/container_desc.h"
#include "detect/isolate_int.h"
#include "detect/loader.h"

struct iso_child {
	int fd;
	struct iso_shared *sh;
	struct cadet_detector_ops ops;
	void *state;
	struct cadet_host host;
	struct iso_buf in;
	struct iso_buf out;
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
	if (iso_msg_put(&c->out, type, a, alen, b, blen))
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
		params[i].key = iso_take_str(&p, end);
		params[i].value = params[i].key ? iso_take_str(&p, end) : NULL;
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

		while ((h = iso_msg_next(&c->in, &off)))
			if (!child_handle(c, h)) {
				child_flush(c);
				return;
			}
		iso_buf_consume(&c->in, off);
		if (c->in.len >= sizeof(*h)) {
			h = (const void *)c->in.p;
			if (h->len > ISO_MAX_MSG)
				_exit(71);
			if (iso_buf_reserve(&c->in, sizeof(*h) + PAD8(h->len)))
				_exit(70);
		}
		if (iso_buf_reserve(&c->in, ISO_FLUSH_BYTES))
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
void iso_child_run(int fd, const char *path, struct iso_shared *sh)
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
		struct iso_buf strs = {0};

		for (int i = 0; i < 3; i++) {
			const char *v = s[i] ? s[i] : "";

			if (iso_buf_reserve(&strs, strlen(v) + 1))
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
void iso_child_setup(int fd, pid_t host)
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
