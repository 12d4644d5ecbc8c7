// SPDX-License-Identifier: MIT
/*
 * Webhook sender (webhook.h). The detector thread only copies an alert
 * into a bounded queue; this module's thread batches what is queued into
 * one POST, retries a failed POST with backoff (0.5 s, 1 s, 2 s, ... up
 * to MAX_TRIES) and then gives the batch up, counting it.
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "detect/dethost.h"
#include "lib/util/version.h"
#include "live/webhook.h"

#define QUEUE_MAX 1024
#define BATCH_MAX 64
#define MAX_TRIES 5
#define FIRST_BACKOFF_MS 500
#define IO_TIMEOUT_S 5

struct webhook {
	char host[256];
	char port[16];
	char path[1024];
	struct live_metrics *m;
	pthread_t th;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;
	struct webhook_alert q[QUEUE_MAX];
	size_t head, n;
};

void webhook_rfc3339(int64_t epoch_ns, char *buf, size_t len)
{
	time_t s = epoch_ns / 1000000000;
	struct tm tm;
	char d[32];

	gmtime_r(&s, &tm);
	strftime(d, sizeof(d), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", d,
		 (int)((epoch_ns % 1000000000) / 1000000));
}

/* Rule names make good alert names; score alerts get one per detector. */
static void alert_name(const struct webhook_alert *a, char *buf, size_t len)
{
	const char *p = a->reason;

	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		      *p == '-'))
			break;
	if (a->reason[0] && !*p)
		snprintf(buf, len, "%s", a->reason);
	else
		snprintf(buf, len, "cadet_%s_score", a->detector);
}

char *webhook_payload(const struct webhook_alert *a, size_t n)
{
	json_t *arr = json_array();
	char *s;

	if (!arr)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char name[300], ts[40];
		json_t *o;

		alert_name(&a[i], name, sizeof(name));
		webhook_rfc3339(a[i].epoch_ns, ts, sizeof(ts));
		o = json_pack("{s:{s:s,s:s,s:s,s:s},s:{s:s},s:s}", "labels",
			      "alertname", name, "container", a[i].container,
			      "severity", det_severity_name(a[i].sev),
			      "detector", a[i].detector, "annotations",
			      "reason", a[i].reason, "startsAt", ts);
		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			return NULL;
		}
	}
	s = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return s;
}

static int parse_url(struct webhook *w, const char *url, char *err,
		     size_t errlen)
{
	const char *p, *slash, *colon;
	size_t hl;

	if (strncmp(url, "http://", 7)) {
		snprintf(
			err, errlen,
			"--webhook %s: only http:// URLs are supported (e.g. http://127.0.0.1:9093/api/v2/alerts)",
			url);
		return -EINVAL;
	}
	p = url + 7;
	slash = strchr(p, '/');
	if (!slash)
		slash = p + strlen(p);
	colon = memchr(p, ':', slash - p);
	hl = (colon ? colon : slash) - p;
	if (!hl || hl >= sizeof(w->host) ||
	    (colon && (slash - colon - 1 < 1 ||
		       (size_t)(slash - colon - 1) >= sizeof(w->port)))) {
		snprintf(err, errlen,
			 "--webhook %s: want http://HOST[:PORT]/PATH", url);
		return -EINVAL;
	}
	memcpy(w->host, p, hl);
	if (colon)
		memcpy(w->port, colon + 1, slash - colon - 1);
	else
		strcpy(w->port, "80");
	snprintf(w->path, sizeof(w->path), "%s", *slash ? slash : "/");
	return 0;
}

/* One POST; 0 on a 2xx answer. */
static int post(struct webhook *w, const char *body)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	struct timeval tv = {.tv_sec = IO_TIMEOUT_S};
	char *req = NULL, resp[64];
	int fd = -1, ret = -EIO, len, status;
	ssize_t n, off = 0, got = 0;

	if (getaddrinfo(w->host, w->port, &hints, &ai) || !ai)
		return -EHOSTUNREACH;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto cleanup;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		ret = -errno;
		goto cleanup;
	}
	len = asprintf(&req,
		       "POST %s HTTP/1.1\r\nHost: %s:%s\r\n"
		       "User-Agent: cadet/%s\r\n"
		       "Content-Type: application/json\r\n"
		       "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		       w->path, w->host, w->port, CADET_VERSION, strlen(body),
		       body);
	if (len < 0) {
		req = NULL;
		ret = -ENOMEM;
		goto cleanup;
	}
	while (off < len) {
		n = send(fd, req + off, len - off, MSG_NOSIGNAL);
		if (n <= 0)
			goto cleanup;
		off += n;
	}
	while (got < (ssize_t)sizeof(resp) - 1 &&
	       (n = recv(fd, resp + got, sizeof(resp) - 1 - got, 0)) > 0)
		got += n;
	resp[got] = '\0';
	if (sscanf(resp, "HTTP/%*d.%*d %d", &status) == 1 && status >= 200 &&
	    status < 300)
		ret = 0;
cleanup:
	free(req);
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return ret;
}

/* Sleeps @ms unless stopped; true when stopped. Lock held. */
static bool wait_ms(struct webhook *w, long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	while (!w->stop &&
	       pthread_cond_timedwait(&w->cond, &w->lock, &ts) != ETIMEDOUT)
		;
	return w->stop;
}

static void *sender(void *arg)
{
	struct webhook *w = arg;
	struct webhook_alert batch[BATCH_MAX];

	pthread_mutex_lock(&w->lock);
	for (;;) {
		size_t n = 0;
		long backoff = FIRST_BACKOFF_MS;
		char *body;
		int tries;

		while (!w->n && !w->stop)
			pthread_cond_wait(&w->cond, &w->lock);
		if (!w->n)
			break;
		while (n < BATCH_MAX && w->n) {
			batch[n++] = w->q[w->head];
			w->head = (w->head + 1) % QUEUE_MAX;
			w->n--;
		}
		pthread_mutex_unlock(&w->lock);
		body = webhook_payload(batch, n);
		pthread_mutex_lock(&w->lock);
		/* Once stopping, one last try per batch: exit stays quick. */
		for (tries = 0; body && tries < MAX_TRIES; tries++) {
			int ret;

			pthread_mutex_unlock(&w->lock);
			ret = post(w, body);
			pthread_mutex_lock(&w->lock);
			if (!ret)
				break;
			if (tries + 1 < MAX_TRIES && !w->stop)
				wait_ms(w, backoff);
			else
				tries = MAX_TRIES - 1;
			backoff *= 2;
		}
		free(body);
		if (w->m)
			live_metrics__add(w->m,
					  body && tries < MAX_TRIES
						  ? LIVE_C_WEBHOOK_SENT
						  : LIVE_C_WEBHOOK_FAILED,
					  n);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct webhook *webhook__new(const char *url, struct live_metrics *m, char *err,
			     size_t errlen)
{
	struct webhook *w = calloc(1, sizeof(*w));
	int ret;

	if (!w) {
		snprintf(err, errlen, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	w->m = m;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	ret = parse_url(w, url, err, errlen);
	if (!ret) {
		ret = -pthread_create(&w->th, NULL, sender, w);
		if (ret)
			snprintf(err, errlen,
				 "cannot start the webhook thread: %s",
				 strerror(-ret));
	}
	if (ret) {
		webhook__free(w);
		errno = -ret;
		return NULL;
	}
	w->started = true;
	return w;
}

void webhook__push(struct webhook *w, const struct webhook_alert *a)
{
	bool dropped = false;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	if (w->n == QUEUE_MAX) {
		dropped = true;
	} else {
		w->q[(w->head + w->n) % QUEUE_MAX] = *a;
		w->n++;
		pthread_cond_signal(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	if (dropped && w->m)
		live_metrics__add(w->m, LIVE_C_WEBHOOK_DROPPED, 1);
}

void webhook__free(struct webhook *w)
{
	if (!w)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->lock);
		w->stop = true;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		pthread_join(w->th, NULL);
	}
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
