/* SPDX-License-Identifier: MIT */
/*
 * cadet detector plugin ABI.
 *
 * Introduction
 *
 * A detector is a shared object exporting one entry symbol,
 * CADET_DETECTOR_ENTRY_SYM, that returns a struct cadet_detector_ops. The
 * replayer (and live mode) dlopen()s it with RTLD_NOW | RTLD_LOCAL, checks
 * abi_major == CADET_DETECTOR_ABI_MAJOR and refuses (and dlclose()s) a
 * plugin built for another major version. Minor versions only append
 * fields to the structs below; every struct starts with `size_t sz` so
 * both sides can tell which fields the other knows. Built-in detectors use
 * the very same ops.
 *
 * Events are trace records (include/cadet/trace.h) exactly as stored in
 * the trace, delivered in trace order. Time inside a detector is trace
 * time only: on_tick() is called at fixed trace-time intervals, never from
 * the wall clock, so the same trace, parameters and seed give byte-identical
 * results on any machine.
 *
 * Protocol per detector instance: init(params, seed); for each training
 * trace: on_container/on_event/on_tick; train_end(); then validation traces
 * (the host collects their scores to set the alert threshold: max score or
 * a named quantile, never test data); then test traces; fini().
 * A detector that emits scores gets alerts derived by the host wherever a
 * score exceeds the threshold; a detector may also emit alerts itself
 * (rule-based detectors do only that).
 *
 * Ownership: everything the host passes in (params, descriptors, records,
 * the host struct) is owned by the host; records and descriptors live for
 * the callback only, params and the host struct from init() to fini().
 * The detector owns its state (allocated in init(), freed in fini()) and
 * the files it saves. Strings a detector passes to the host are copied.
 *
 * A plugin may call the record helpers of cadet/trace.h
 * (cadet_rec_type_name(), cadet_rec_str(), cadet_rec_field_u64(),
 * cadet_rec_field_str()): the cadet binary exports them; nothing else of
 * cadet is linked into or callable from a plugin.
 *
 * HowTo (a plugin):
 *   static int my_event(void *state, const struct cadet_rec *rec)
 *   {
 *           if (rec->type == CADET_REC_EXEC) ... count, keep copies ...
 *           return 0;
 *   }
 *   static const struct cadet_detector_ops ops = {
 *           .sz = sizeof(ops), .abi_major = CADET_DETECTOR_ABI_MAJOR,
 *           .abi_minor = CADET_DETECTOR_ABI_MINOR, .name = "mine",
 *           .init = my_init, .on_event = my_event, .on_tick = my_tick,
 *           .fini = my_fini,
 *   };
 *   const struct cadet_detector_ops *cadet_detector_entry(void)
 *   {
 *           return &ops;
 *   }
 *   build: cc -shared -fPIC $(pkg-config --cflags cadet) mine.c -o mine.so
 *
 * docs/detector-abi.md is the full description with a worked example.
 */
#ifndef CADET_DETECTOR_H
#define CADET_DETECTOR_H

#include <stddef.h>
#include <stdint.h>

#include "cadet/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CADET_DETECTOR_ABI_MAJOR 1
#define CADET_DETECTOR_ABI_MINOR 1
#define CADET_DETECTOR_ENTRY_SYM "cadet_detector_entry"

enum cadet_phase {
	CADET_PHASE_TRAIN = 0,
	CADET_PHASE_VALIDATE = 1,
	CADET_PHASE_TEST = 2,
};

enum cadet_severity {
	CADET_SEV_INFO = 0,
	CADET_SEV_WARNING = 1,
	CADET_SEV_CRITICAL = 2,
};

struct cadet_param {
	const char *key;
	const char *value;
};

struct cadet_container_desc {
	size_t sz;
	uint64_t cgroup_id;
	const char *id;
	const char *name;
	const char *runtime;
	const char *cgroup_path;
};

struct cadet_trace_desc {
	size_t sz;
	const char *path;               /* as given on the command line */
	const struct cadet_rec_header *header;
	enum cadet_phase phase;
};

/*
 * Services the host gives a detector. Pointers stay valid from init() to
 * fini(). Strings passed in are copied by the host. The functions return
 * nothing: a score or alert the host cannot store ends the run with an
 * error of the host's own. Call them from the detector's callbacks only
 * (not from other threads).
 */
struct cadet_host {
	size_t sz;
	void *host_data;
	/* A score for one container over [win_start, win_end) (trace ns);
	 * higher means more anomalous. */
	void (*score)(const struct cadet_host *h, uint64_t cgroup_id,
		      uint64_t win_start, uint64_t win_end, double value);
	/* An alert at trace time @ts. */
	void (*alert)(const struct cadet_host *h, uint64_t ts,
		      uint64_t cgroup_id, enum cadet_severity sev,
		      const char *reason);
	/* Diagnostics to the user (stderr); printf-style. */
	void (*log)(const struct cadet_host *h, const char *fmt, ...)
		__attribute__((format(printf, 2, 3)));
};

/*
 * Every callback returns 0 or -errno; a negative return disables the
 * detector for the rest of the run (reported, other detectors go on).
 * Optional callbacks may be NULL; init is required.
 *
 * init(): sets *@state (owned by the detector until fini()); @params
 *   (@nparams key/value pairs, owned by the host, valid until fini());
 *   returns -EINVAL after host->log() for a bad parameter value.
 * on_trace_begin(), on_trace_end(): @t lives for the call.
 * on_container(): @added 1 for a container seen or added, 0 removed;
 *   @c and its strings live for the call.
 * on_event(): @rec (owned by the host) lives for the call: copy what is
 *   kept. Records are in trace order.
 * on_tick(): @ts is trace time, once per tick_ns.
 * train_end(): between training and validation traces.
 * fini(): frees the state; called once when init() succeeded, also after
 *   a later error. No return.
 * save_model(), load_model(): write or read @path (owned by the
 *   detector); 0 or -errno (-ENOENT, -EINVAL for a file it did not write).
 */
struct cadet_detector_ops {
	size_t sz;                      /* sizeof(struct cadet_detector_ops) */
	uint32_t abi_major;
	uint32_t abi_minor;
	const char *name;
	const char *description;        /* one line for --list-detectors */
	const char *params_help;        /* "key=default: meaning; ..." */
	uint64_t tick_ns;               /* on_tick period; 0 = 1 s */

	int (*init)(void **state, const struct cadet_host *host,
		    const struct cadet_param *params, size_t nparams,
		    uint64_t seed);
	int (*on_trace_begin)(void *state, const struct cadet_trace_desc *t);
	int (*on_container)(void *state, const struct cadet_container_desc *c,
			    int added);
	int (*on_event)(void *state, const struct cadet_rec *rec);
	int (*on_tick)(void *state, uint64_t ts);
	int (*on_trace_end)(void *state, const struct cadet_trace_desc *t);
	int (*train_end)(void *state);
	void (*fini)(void *state);
	/* Model persistence (optional): a file the detector owns. */
	int (*save_model)(void *state, const char *path);
	int (*load_model)(void *state, const char *path);

	/* ---- ABI 1.1 (the host reads these only when sz covers them) ---- */
	uint64_t flags;                 /* CADET_DET_F_* */
};

/*
 * The detector's own alerts are its verdict: the host derives no alerts
 * from its scores (its scores are still written, for AUC and the like).
 */
#define CADET_DET_F_OWN_ALERTS (1ull << 0)

/*
 * The entry a plugin exports as CADET_DETECTOR_ENTRY_SYM: returns its ops
 * (static, owned by the plugin, valid while it is loaded), or NULL to
 * refuse to load.
 */
typedef const struct cadet_detector_ops *(*cadet_detector_entry_fn)(void);

/*
 * cadet_param_get() - value of parameter @key among the @n of @p, or @def
 * when absent. Returns a string owned by the host (valid until fini()) or
 * @def itself.
 */
static inline const char *cadet_param_get(const struct cadet_param *p,
					  size_t n, const char *key,
					  const char *def)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].key && p[i].value && !__builtin_strcmp(p[i].key, key))
			return p[i].value;
	return def;
}

#ifdef __cplusplus
}
#endif

#endif /* CADET_DETECTOR_H */
