/* SPDX-License-Identifier: MIT */
/*
 * Alerts POSTed to a webhook in Alertmanager's format (a JSON array of
 * {labels:{alertname, container, severity, detector}, annotations:
 * {reason}, startsAt}) by a thread of its own: a bounded queue in front,
 * retries with exponential backoff, never blocking the caller. Plain
 * HTTP/1.1 over a TCP socket; http:// URLs only.
 *
 * HowTo:
 *   struct webhook *w = webhook__new("http://127.0.0.1:9093/api/v2/alerts",
 *                                    metrics, err, sizeof(err));
 *   webhook__push(w, &alert);         never blocks; counts what it drops
 *   webhook__free(w);                 last attempt at what is queued
 */
#ifndef CADET_LIVE_WEBHOOK_H
#define CADET_LIVE_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "cadet/detector.h"
#include "live/live_metrics.h"

struct webhook_alert {
	char detector[64];
	char container[128];
	enum cadet_severity sev;
	char reason[256];
	int64_t epoch_ns; /* when the event happened */
};

/* The request body for @n alerts (malloc()ed JSON), NULL on ENOMEM. */
char *webhook_payload(const struct webhook_alert *a, size_t n);
/* "2026-11-22T02:58:00.123Z" */
void webhook_rfc3339(int64_t epoch_ns, char *buf, size_t len);

struct webhook;

/* @m (may be NULL) gets the sent / failed / dropped counts. */
struct webhook *webhook__new(const char *url, struct live_metrics *m, char *err,
			     size_t errlen);
void webhook__push(struct webhook *w, const struct webhook_alert *a);
void webhook__free(struct webhook *w);

#endif /* CADET_LIVE_WEBHOOK_H */
