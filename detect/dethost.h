/* SPDX-License-Identifier: MIT */
/*
 * One detector instance as a host runs it: the part of hosting that
 * `cadet replay` and live mode (`cadet record --live`) share, so that a
 * detector behaves the same in both.
 *
 *   - instantiate from a spec ("NAME[:k=v]", "PATH.so[:k=v]",
 *     "exec:COMMAND"): resolve, ABI check, parameter check, host keys
 *     (threshold=) split off, seed, init(); a .so plugin runs in a child
 *     process of its own (isolate.h) unless cfg.in_process, so that its
 *     crash or hang disables it alone;
 *   - deliver records: skip header/schema/labels, call on_tick at fixed
 *     record-time intervals before the first record past each boundary,
 *     then on_container or on_event;
 *   - turn scores into alerts with the threshold (validation scores are
 *     collected to compute it);
 *   - save / load a model with its threshold beside it (PATH.threshold).
 *
 * The embedding host gets test-phase scores and alerts through a sink.
 *
 * HowTo:
 *   struct det_inst d;
 *   struct det_inst_cfg c = { .sz = sizeof(c), .who = "cadet replay",
 *                             .seed_base = 1, .sink = &my_sink };
 *   det_inst_init(&d, "zscore:alpha=0.1", &c, err, sizeof(err));
 *   det_inst_begin(&d, &trace_desc);
 *   for each record: det_inst_feed(&d, rec);      < 0: stop feeding
 *   det_inst_end(&d, &trace_desc);
 *   det_inst_release(&d);
 */
#ifndef CADET_DETECT_DETHOST_H
#define CADET_DETECT_DETHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cadet/detector.h"
#include "detect/edge.h"
#include "detect/loader.h"
#include "detect/threshold.h"

struct det_inst;

/* Where a host wants the test-phase output of its detectors. */
struct det_inst_sink {
	/* A finite score (derived alerts follow through alert()). */
	void (*score)(struct det_inst *d, uint64_t cgroup_id,
		      uint64_t win_start, uint64_t win_end, double value);
	void (*alert)(struct det_inst *d, uint64_t ts, uint64_t cgroup_id,
		      enum cadet_severity sev, const char *reason);
	/* Container name of @cgroup_id, NULL when unknown (may be NULL). */
	const char *(*ctr_name)(struct det_inst *d, uint64_t cgroup_id);
};

struct det_inst_cfg {
	size_t sz;
	const char *who; /* message prefix: "cadet replay" */
	uint64_t seed_base;
	int exec_timeout_s; /* exec adapter: longest wait for the child */
	const struct det_inst_sink *sink;
	void *ctx; /* the embedding host's, for its sink */
	/* .so plugins: longest wait for the plugin's child (default
	 * ISO_DEFAULT_TIMEOUT_S), or dlopen() them into this process. */
	int detector_timeout_s;
	bool in_process;
};

struct det_inst {
	struct det_spec spec;
	struct cadet_detector_ops ops;
	void *dl;
	struct iso_det *iso; /* an isolated plugin's child (isolate.h) */
	struct cadet_host host;
	struct cadet_param *params; /* spec params minus host keys */
	size_t nparams;
	const char *thr_given; /* the threshold= value, NULL if none */
	uint64_t seed;
	uint64_t tick_ns;
	struct det_thr_rule rule;
	bool has_thr;
	double thr;
	void *state;
	bool inited;
	char *disabled; /* why, when disabled */

	struct det_inst_cfg cfg;
	enum cadet_phase phase;
	bool active; /* between begin and end */
	const char *cur_path; /* trace being fed, for messages */
	const struct cadet_rec *cur_rec;
	uint64_t next_tick;
	bool ticking;
	double *vals; /* validation scores */
	size_t nvals;
	size_t capvals;
	uint64_t events;
	bool warned_nonfinite;
	/* METRICS edge intervals of the current trace, withheld (edge.h) */
	struct det_edge edge;
};

/* Returns 0 or -errno with @err saying what is wrong; @d is then empty. */
int det_inst_init(struct det_inst *d, const char *spec,
		  const struct det_inst_cfg *cfg, char *err, size_t errlen);
/* fini() if not yet, dlclose(), free. A zeroed @d is fine. */
void det_inst_release(struct det_inst *d);
/* Calls fini() now (an exec'd child exits and reports). */
void det_inst_fini(struct det_inst *d);
void det_inst_disable(struct det_inst *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A trace (or the live stream) starts / ends. < 0: disabled. */
int det_inst_begin(struct det_inst *d, const struct cadet_trace_desc *t);
int det_inst_feed(struct det_inst *d, const struct cadet_rec *rec);
int det_inst_end(struct det_inst *d, const struct cadet_trace_desc *t);
int det_inst_train_end(struct det_inst *d);
/* Threshold from the validation scores, per the threshold= rule. */
void det_inst_set_threshold(struct det_inst *d);

/* "max", "q99", "fixed", "none" or "own-alerts", as results headers say. */
void det_inst_rule_name(const struct det_inst *d, char *buf, size_t len);

/*
 * det_inst_save_model() - save_model(@path) when the detector has one,
 * and always @path.threshold: JSON {"detector", "spec", "threshold"
 * (number or null), "threshold_rule", "validation_scores"}.
 * Returns 0 or -errno with @err filled.
 */
int det_inst_save_model(struct det_inst *d, const char *path, char *err,
			size_t errlen);
/*
 * det_inst_model_for() - does the model at @path belong to @d? True when
 * @path.threshold names @d's detector, or, without one, when @path
 * exists and @d can load models.
 */
bool det_inst_model_for(const struct det_inst *d, const char *path);
/*
 * det_inst_load_model() - load_model(@path) when the detector has one and
 * the file exists, then the threshold from @path.threshold unless the
 * spec gave threshold=. Returns 0 or -errno with @err filled.
 */
int det_inst_load_model(struct det_inst *d, const char *path, char *err,
			size_t errlen);

const char *det_severity_name(enum cadet_severity s);
/* @s as a JSON string, with quotes. */
void det_json_str(FILE *f, const char *s);
/*
 * One alert as the JSON object both hosts write, without its closing
 * brace: a host may append fields (live mode adds emit_ts) before "}\n".
 */
void det_write_alert_json(FILE *f, const char *detector, const char *trace,
			  const char *container, uint64_t cgroup_id,
			  uint64_t ts, enum cadet_severity sev,
			  const char *reason);

#endif /* CADET_DETECT_DETHOST_H */
