// SPDX-License-Identifier: MIT
/* The LABEL record of a run (injector/label.h). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cadet/trace.h"
#include "injector/cleanup.h"
#include "injector/label.h"

int label_add(struct recorder *rec, const struct scenario *s, uint64_t seed,
	      const struct run_label *lw)
{
	const struct scenario_anomaly *an = lw->anomaly;
	const char *kind = an ? "anomaly" : "normal", *target = lw->target;
	struct cadet_recbuf *b = cadet_recbuf__new();
	struct cadet_rec_label *l;
	char params[2048] = "";
	size_t off = 0;
	int err = 0;

	if (!b)
		return -ENOMEM;
	l = cadet_recbuf__start(b, CADET_REC_LABEL, sizeof(*l));
	if (!l) {
		err = -ENOMEM;
		goto cleanup;
	}
	/*
	 * Added once the window is known, so h.ts is now: a record stamped
	 * with the (past) start would arrive beyond the writer's reorder
	 * window and be counted late. The window is start_ts..end_ts.
	 */
	l->h.ts = cleanup_now_ns();
	l->h.cgroup_id = lw->cgroup_id;
	l->h.pid = (uint32_t)getpid();
	l->h.tid = l->h.pid;
	snprintf(l->h.comm, sizeof(l->h.comm), "cadet-run");
	l->start_ts = lw->start;
	l->end_ts = lw->end;
	l->seed = seed;
	l->intensity = an ? an->intensity : 0.0;
	snprintf(l->kind, sizeof(l->kind), "%s", kind);
	/* The scenario keeps its own name; a variant is told by its params. */
	if (s->variant)
		off = (size_t)snprintf(params, sizeof(params), "variant=%s",
				       s->variant);
	if (an) {
		if (!strcmp(an->type, "command"))
			off += (size_t)snprintf(
				params + off, sizeof(params) - off,
				"%scommand=%s", off ? " " : "", an->command);
		for (size_t i = 0; i < an->nparams && off < sizeof(params);
		     i++) {
			int n = snprintf(params + off, sizeof(params) - off,
					 "%s%s=%s", off ? " " : "",
					 an->params[i].key,
					 an->params[i].value);
			if (n > 0)
				off += (size_t)n;
		}
	}
	err = cadet_recbuf__put_str(b,
				    offsetof(struct cadet_rec_label, scenario),
				    s->name, strlen(s->name));
	if (!err && an)
		err = cadet_recbuf__put_str(
			b, offsetof(struct cadet_rec_label, anomaly),
			scenario_anomaly_class(an),
			strlen(scenario_anomaly_class(an)));
	if (!err && target)
		err = cadet_recbuf__put_str(
			b, offsetof(struct cadet_rec_label, target), target,
			strlen(target));
	if (!err && *params)
		err = cadet_recbuf__put_str(
			b, offsetof(struct cadet_rec_label, params), params,
			strlen(params));
	if (!err)
		err = recorder__add_record(rec, cadet_recbuf__rec(b));
cleanup:
	cadet_recbuf__free(b);
	return err;
}
