/* SPDX-License-Identifier: MIT */
/*
 * Live mode's metrics: per-container resource counters from the METRICS
 * records the recorder writes, alert counters per detector, container and
 * severity, the latest score per detector and container, and the
 * recorder's and the live pipeline's own counters; rendered as the
 * Prometheus text format (0.0.4) that /metrics serves.
 *
 * Every function is thread-safe (one mutex): the recorder thread observes
 * records, the detector thread adds alerts and scores, the HTTP thread
 * renders.
 *
 * HowTo:
 *   struct live_metrics *m = live_metrics__new();
 *   live_metrics__observe(m, rec);        every record the recorder writes
 *   live_metrics__alert(m, "rules", "web", CADET_SEV_CRITICAL);
 *   live_metrics__write(m, stdout);
 *   live_metrics__free(m);
 */
#ifndef CADET_LIVE_LIVE_METRICS_H
#define CADET_LIVE_LIVE_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "cadet/detector.h"
#include "cadet/trace.h"

/* Counters of the live pipeline itself. */
enum live_counter {
	LIVE_C_DELIVERED, /* records the detector thread processed */
	LIVE_C_OVERFLOW, /* records dropped: detector queue full */
	LIVE_C_WEBHOOK_SENT, /* alerts the webhook accepted */
	LIVE_C_WEBHOOK_FAILED, /* alerts given up after the last retry */
	LIVE_C_WEBHOOK_DROPPED, /* alerts dropped: webhook queue full */
	LIVE_C_N,
};

struct live_metrics;

struct live_metrics *live_metrics__new(void);
void live_metrics__free(struct live_metrics *m);

/* Learn from one record: containers, METRICS, LOST, STATS. */
void live_metrics__observe(struct live_metrics *m, const struct cadet_rec *rec);
void live_metrics__alert(struct live_metrics *m, const char *detector,
			 const char *container, enum cadet_severity sev);
void live_metrics__score(struct live_metrics *m, const char *detector,
			 const char *container, double value);
void live_metrics__add(struct live_metrics *m, enum live_counter c, uint64_t n);
uint64_t live_metrics__get(struct live_metrics *m, enum live_counter c);
/* Register @detector (so its series exist before any alert); @disabled. */
void live_metrics__detector(struct live_metrics *m, const char *detector,
			    int disabled);
/*
 * Name of the container of @cgroup_id into @buf (its id when it has no
 * name); NULL when the cgroup is not a known container.
 */
const char *live_metrics__ctr_name(struct live_metrics *m, uint64_t cgroup_id,
				   char *buf, size_t len);
/* Prometheus text exposition format 0.0.4. 0 or -EIO. */
int live_metrics__write(struct live_metrics *m, FILE *out);

#endif /* CADET_LIVE_LIVE_METRICS_H */
