// SPDX-License-Identifier: MIT
/*
 * Scenario files, the meaning: each raw section (injector/scenario_int.h)
 * checked key by key, with defaults, ranges and references between
 * sections, into a struct scenario.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "injector/scenario_int.h"

static struct raw_kv *kv_get(struct raw_sec *sec, const char *key)
{
	for (size_t i = 0; i < sec->nkv; i++) {
		if (!strcmp(sec->kv[i].key, key)) {
			sec->kv[i].used = true;
			return &sec->kv[i];
		}
	}
	return NULL;
}

/* Required string key; reports its absence at the section header. */
static char *req_str(struct parser *ps, struct raw_sec *sec, const char *key,
		     int *line)
{
	struct raw_kv *kv = kv_get(sec, key);

	if (!kv) {
		scn_perr(ps, sec->line, sec->label, key,
			 "required key missing");
		return NULL;
	}
	if (line)
		*line = kv->line;
	if (!*kv->value) {
		scn_perr(ps, kv->line, sec->label, key, "empty value");
		return NULL;
	}
	return kv->value;
}

static bool get_uint(struct parser *ps, struct raw_sec *sec, const char *key,
		     uint64_t min, uint64_t max, uint64_t def, bool required,
		     uint64_t *out)
{
	struct raw_kv *kv = kv_get(sec, key);
	uint64_t v;

	*out = def;
	if (!kv) {
		if (required) {
			scn_perr(ps, sec->line, sec->label, key,
				 "required key missing");
			return false;
		}
		return true;
	}
	if (scn_parse_u64(kv->value, &v)) {
		scn_perr(ps, kv->line, sec->label, key,
			 "expected a whole number, got '%s'", kv->value);
		return false;
	}
	if (v < min || v > max) {
		scn_perr(ps, kv->line, sec->label, key,
			 "%llu is out of range %llu..%llu",
			 (unsigned long long)v, (unsigned long long)min,
			 (unsigned long long)max);
		return false;
	}
	*out = v;
	return true;
}

static bool get_double(struct parser *ps, struct raw_sec *sec, const char *key,
		       double min, double max, double def, const char *unit,
		       double *out)
{
	struct raw_kv *kv = kv_get(sec, key);
	double v;

	*out = def;
	if (!kv)
		return true;
	if (scn_parse_double(kv->value, &v)) {
		scn_perr(ps, kv->line, sec->label, key,
			 "expected a number%s%s, got '%s'", unit ? " of " : "",
			 unit ? unit : "", kv->value);
		return false;
	}
	if (v < min || v > max) {
		scn_perr(ps, kv->line, sec->label, key,
			 "%g is out of range %g..%g", v, min, max);
		return false;
	}
	*out = v;
	return true;
}

static bool get_size(struct parser *ps, struct raw_sec *sec, const char *key,
		     uint64_t min, uint64_t max, uint64_t def, uint64_t *out)
{
	struct raw_kv *kv = kv_get(sec, key);
	uint64_t v;

	*out = def;
	if (!kv)
		return true;
	if (scenario_parse_size(kv->value, &v)) {
		scn_perr(
			ps, kv->line, sec->label, key,
			"expected a size such as 256M (K/M/G suffixes), got '%s'",
			kv->value);
		return false;
	}
	if (v < min || v > max) {
		scn_perr(ps, kv->line, sec->label, key,
			 "%s is out of range %lluK..%lluM", kv->value,
			 (unsigned long long)(min >> 10),
			 (unsigned long long)(max >> 20));
		return false;
	}
	*out = v;
	return true;
}

static char *dup_or_oom(struct parser *ps, const char *s)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		ps->oom = true;
	return d;
}

/* Report keys no validator asked for. Not for [anomaly]. */
static void unknown_keys(struct parser *ps, struct raw_sec *sec,
			 const char *expected)
{
	for (size_t i = 0; i < sec->nkv; i++) {
		if (sec->kv[i].used)
			continue;
		scn_perr(ps, sec->kv[i].line, sec->label, sec->kv[i].key,
			 "unknown key; %s", expected);
	}
}

static void check_scenario(struct parser *ps, struct raw_sec *sec,
			   struct scenario *s)
{
	struct raw_kv *kv;
	const char *v;
	int line;
	uint64_t u;

	v = req_str(ps, sec, "name", &line);
	if (v && !scn_valid_ident(v, false))
		scn_perr(ps, line, sec->label, "name",
			 "'%s' must match [a-z0-9_]+ (at most 63 characters)",
			 v);
	else if (v)
		s->name = dup_or_oom(ps, v);
	v = req_str(ps, sec, "description", NULL);
	if (v)
		s->description = dup_or_oom(ps, v);
	v = req_str(ps, sec, "category", &line);
	if (v) {
		if (!strcmp(v, "resource"))
			s->category = SCENARIO_CAT_RESOURCE;
		else if (!strcmp(v, "security"))
			s->category = SCENARIO_CAT_SECURITY;
		else if (!strcmp(v, "network"))
			s->category = SCENARIO_CAT_NETWORK;
		else
			scn_perr(
				ps, line, sec->label, "category",
				"expected resource, security or network, got '%s'",
				v);
	}
	if (get_uint(ps, sec, "duration", SCENARIO_DURATION_MIN,
		     SCENARIO_DURATION_MAX, 0, true, &u))
		s->duration = (unsigned int)u;
	kv = kv_get(sec, "seed");
	if (kv && scn_parse_u64(kv->value, &s->seed))
		scn_perr(ps, kv->line, sec->label, "seed",
			 "expected a whole number, got '%s'", kv->value);
	kv = kv_get(sec, "launcher");
	if (kv && strcmp(kv->value, "runc") && strcmp(kv->value, "docker"))
		scn_perr(ps, kv->line, sec->label, "launcher",
			 "expected runc or docker, got '%s'", kv->value);
	else if (kv)
		s->launcher = dup_or_oom(ps, kv->value);
	/* Written by --profile/--intensity (injector/profile.c). */
	kv = kv_get(sec, "variant");
	if (kv && !scn_valid_ident(kv->value, false))
		scn_perr(ps, kv->line, sec->label, "variant",
			 "'%s' must match [a-z0-9_]+ (at most 63 characters)",
			 kv->value);
	else if (kv)
		s->variant = dup_or_oom(ps, kv->value);
	unknown_keys(
		ps, sec,
		"[scenario] has name, description, category, duration, seed, launcher, variant");
}

/*
 * Debian package names (policy 5.6.7): [a-z0-9][a-z0-9+.-]+. Checked
 * here, not only by mkrootfs.sh, so that a value such as "--help" is
 * a scenario error naming the line instead of an option to apt-get.
 * Returns the first offending name (in @bad) or true when all are good.
 */
static bool valid_packages(const char *v, char *bad, size_t bad_sz)
{
	const char *p = v;

	while (*p) {
		size_t n = strcspn(p, ", \t");
		bool ok = n >= 2 && (islower((unsigned char)*p) ||
				     isdigit((unsigned char)*p));

		for (size_t i = 1; ok && i < n; i++)
			ok = islower((unsigned char)p[i]) ||
			     isdigit((unsigned char)p[i]) ||
			     strchr("+.-", p[i]);
		if (n && !ok) {
			snprintf(bad, bad_sz, "%.*s", (int)n, p);
			return false;
		}
		p += n;
		p += strspn(p, ", \t");
	}
	return true;
}

static void check_container(struct parser *ps, struct raw_sec *sec,
			    struct scenario_container *c)
{
	struct raw_kv *kv;
	uint64_t u;
	const char *v;
	char bad[64];

	c->line = sec->line;
	c->name = dup_or_oom(ps, sec->name);
	v = req_str(ps, sec, "command", NULL);
	if (v)
		c->command = dup_or_oom(ps, v);
	kv = kv_get(sec, "packages");
	if (kv && !valid_packages(kv->value, bad, sizeof(bad)))
		scn_perr(
			ps, kv->line, sec->label, "packages",
			"'%s' is not a Debian package name ([a-z0-9][a-z0-9+.-]+); list names separated by spaces",
			bad);
	else if (kv && *kv->value) {
		char buf[MAX_LINE], *tok, *save;
		size_t off = 0;

		/* One space between names, whatever the file used. */
		snprintf(buf, sizeof(buf), "%s", kv->value);
		for (tok = strtok_r(buf, ", \t", &save); tok;
		     tok = strtok_r(NULL, ", \t", &save)) {
			size_t n = strlen(tok);

			if (off)
				buf[off++] = ' ';
			memmove(buf + off, tok, n);
			off += n;
		}
		buf[off] = '\0';
		if (off)
			c->packages = dup_or_oom(ps, buf);
	}
	get_size(ps, sec, "memory", 16ull << 20, 64ull << 30, 256ull << 20,
		 &c->memory);
	get_double(ps, sec, "cpus", 0.01, 1024, 1.0, "CPUs", &c->cpus);
	if (get_uint(ps, sec, "pids", 8, 1 << 20, 256, false, &u))
		c->pids = (int64_t)u;
	kv = kv_get(sec, "ports");
	if (kv) {
		char buf[MAX_LINE], *tok, *save;

		snprintf(buf, sizeof(buf), "%s", kv->value);
		for (tok = strtok_r(buf, ", \t", &save); tok;
		     tok = strtok_r(NULL, ", \t", &save)) {
			uint64_t port;

			if (scn_parse_u64(tok, &port) || port < 1 ||
			    port > 65535) {
				scn_perr(
					ps, kv->line, sec->label, "ports",
					"expected TCP ports 1..65535 separated by spaces, got '%s'",
					tok);
				break;
			}
			if (c->nports == SCENARIO_MAX_PORTS) {
				scn_perr(ps, kv->line, sec->label, "ports",
					 "at most %d ports",
					 SCENARIO_MAX_PORTS);
				break;
			}
			c->ports[c->nports++] = (uint16_t)port;
		}
		if (!c->nports && !*kv->value)
			scn_perr(ps, kv->line, sec->label, "ports",
				 "empty value");
	}
	unknown_keys(
		ps, sec,
		"[container NAME] has packages, command, memory, cpus, pids, ports");
}

static int find_container(const struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->ncontainers; i++)
		if (s->containers[i].name &&
		    !strcmp(s->containers[i].name, name))
			return (int)i;
	return -1;
}

static void list_containers(const struct scenario *s, char *buf, size_t sz)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->ncontainers && off < sz; i++) {
		int n = snprintf(buf + off, sz - off, "%s%s", i ? ", " : "",
				 s->containers[i].name ? s->containers[i].name
						       : "?");
		if (n < 0)
			break;
		off += (size_t)n;
	}
}

static bool get_target(struct parser *ps, struct raw_sec *sec,
		       const struct scenario *s, size_t *out)
{
	int line, idx;
	const char *v = req_str(ps, sec, "target", &line);
	char names[256];

	if (!v)
		return false;
	idx = find_container(s, v);
	if (idx < 0) {
		list_containers(s, names, sizeof(names));
		scn_perr(ps, line, sec->label, "target",
			 "no [container %s] in this file (containers: %s)", v,
			 *names ? names : "none");
		return false;
	}
	*out = (size_t)idx;
	return true;
}

/* Append @kv to a key = value list: 0, or -ENOMEM (ps->oom set). */
static int param_push(struct parser *ps, struct scenario_param **v, size_t *n,
		      const struct raw_kv *kv)
{
	struct scenario_param *np = realloc(*v, (*n + 1) * sizeof(*np));

	if (!np) {
		ps->oom = true;
		return -ENOMEM;
	}
	*v = np;
	np[*n].key = strdup(kv->key);
	np[*n].value = strdup(kv->value);
	if (!np[*n].key || !np[*n].value) {
		free(np[*n].key);
		free(np[*n].value);
		ps->oom = true;
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

/* type = client: a host command run in bursts at a seeded rate. */
static void check_client_workload(struct parser *ps, struct raw_sec *sec,
				  struct scenario_workload *w)
{
	const char *v = req_str(ps, sec, "command", NULL);
	uint64_t u;

	if (v)
		w->command = dup_or_oom(ps, v);
	get_double(ps, sec, "rate", 0.01, 100000, 20, "requests/s", &w->rate);
	get_double(ps, sec, "surge", 0, 1, 0.1, "a probability", &w->surge);
	if (get_uint(ps, sec, "burst_s", 1, 600, 5, false, &u))
		w->burst_s = (unsigned int)u;
}

/*
 * type = ops: period is the mean pause between actions; every other
 * key names an action and holds its command (run with /bin/sh -c).
 */
static void check_ops_workload(struct parser *ps, struct raw_sec *sec,
			       struct scenario_workload *w)
{
	get_double(ps, sec, "period", 1, 3600, 20, "seconds", &w->period);
	for (size_t i = 0; i < sec->nkv; i++) {
		struct raw_kv *kv = &sec->kv[i];

		if (kv->used)
			continue;
		kv->used = true;
		if (!scn_valid_ident(kv->key, false)) {
			scn_perr(ps, kv->line, sec->label, kv->key,
				 "action names must match [a-z0-9_]+");
			continue;
		}
		if (!*kv->value) {
			scn_perr(ps, kv->line, sec->label, kv->key,
				 "empty value; an action is a shell command");
			continue;
		}
		if (param_push(ps, &w->actions, &w->nactions, kv))
			return;
	}
	if (!w->nactions)
		scn_perr(
			ps, sec->line, sec->label, NULL,
			"no action; give NAME = COMMAND lines (e.g. healthcheck = curl -fs http://127.0.0.1/)");
}

/* The [workload] type names, as the file spells them (parsed below). */
const char *scenario_workload_type_name(enum scenario_workload_type t)
{
	switch (t) {
	case SCENARIO_WL_HTTP:
		return "http";
	case SCENARIO_WL_BATCH:
		return "batch";
	case SCENARIO_WL_LOG:
		return "log";
	case SCENARIO_WL_CLIENT:
		return "client";
	case SCENARIO_WL_OPS:
		return "ops";
	}
	return "?";
}

static void check_workload(struct parser *ps, struct raw_sec *sec,
			   const struct scenario *s,
			   struct scenario_workload *w)
{
	static const char *const only[][2] = {
		{"connections", "http"},
		{"threads", "http"},
		{"port", "http"},
		{"burst_s", "http"},
		{"period", "batch and log"},
		{"size", "batch"},
		{"rate", "log and client"},
		{"command", "client"},
		{"surge", "client"},
	};
	const char *v;
	int line;
	uint64_t u;
	bool typed = false, targeted;

	w->line = sec->line;
	w->name = dup_or_oom(ps, sec->name);
	v = req_str(ps, sec, "type", &line);
	if (v) {
		typed = true;
		if (!strcmp(v, "http"))
			w->type = SCENARIO_WL_HTTP;
		else if (!strcmp(v, "batch"))
			w->type = SCENARIO_WL_BATCH;
		else if (!strcmp(v, "log"))
			w->type = SCENARIO_WL_LOG;
		else if (!strcmp(v, "client"))
			w->type = SCENARIO_WL_CLIENT;
		else if (!strcmp(v, "ops"))
			w->type = SCENARIO_WL_OPS;
		else {
			typed = false;
			scn_perr(
				ps, line, sec->label, "type",
				"expected http, batch, log, client or ops, got '%s'",
				v);
		}
	}
	targeted = get_target(ps, sec, s, &w->target);
	/* Defaults of every type; keys of other types are errors below. */
	w->connections = 4;
	w->threads = 1;
	w->burst_s = 5;
	w->period = 2;
	w->size = 1 << 20;
	w->rate = 20;
	if (typed && w->type == SCENARIO_WL_HTTP) {
		if (get_uint(ps, sec, "connections", 1, 1000, 4, false, &u))
			w->connections = (unsigned int)u;
		if (get_uint(ps, sec, "threads", 1, 16, 1, false, &u))
			w->threads = (unsigned int)u;
		if (w->threads > w->connections)
			scn_perr(
				ps, sec->line, sec->label, "threads",
				"%u threads need at least as many connections (have %u)",
				w->threads, w->connections);
		if (get_uint(ps, sec, "burst_s", 1, 600, 5, false, &u))
			w->burst_s = (unsigned int)u;
		if (get_uint(ps, sec, "port", 1, 65535, 0, false, &u))
			w->port = (unsigned int)u;
		if (!w->port && targeted) {
			const struct scenario_container *c =
				&s->containers[w->target];

			if (c->nports)
				w->port = c->ports[0];
			else
				scn_perr(
					ps, sec->line, sec->label, "port",
					"not set and [container %s] lists no ports; set port = N here or ports = N there",
					c->name);
		}
	} else if (typed && w->type == SCENARIO_WL_BATCH) {
		get_double(ps, sec, "period", 0.1, 3600, 2, "seconds",
			   &w->period);
		get_size(ps, sec, "size", 1 << 10, 256ull << 20, 1 << 20,
			 &w->size);
	} else if (typed && w->type == SCENARIO_WL_LOG) {
		get_double(ps, sec, "period", 0.1, 3600, 2, "seconds",
			   &w->period);
		get_double(ps, sec, "rate", 0.01, 10000, 20, "lines/s",
			   &w->rate);
	} else if (typed && w->type == SCENARIO_WL_CLIENT) {
		check_client_workload(ps, sec, w);
	} else if (typed && w->type == SCENARIO_WL_OPS) {
		check_ops_workload(ps, sec, w);
	}
	for (size_t i = 0; i < sec->nkv; i++) {
		struct raw_kv *kv = &sec->kv[i];
		size_t j;

		if (kv->used)
			continue;
		for (j = 0; j < sizeof(only) / sizeof(only[0]); j++)
			if (!strcmp(kv->key, only[j][0]))
				break;
		if (j < sizeof(only) / sizeof(only[0]))
			scn_perr(ps, kv->line, sec->label, kv->key,
				 "applies to %s workloads only%s%s", only[j][1],
				 typed ? ", this one is " : "",
				 typed ? scenario_workload_type_name(w->type)
				       : "");
		else
			scn_perr(
				ps, kv->line, sec->label, kv->key,
				"unknown key; [workload NAME] has type, target, connections, threads, port, burst_s, period, size, rate, command, surge");
	}
}

/* `target = NAME [NAME...]`: candidates, one picked per run. */
static void get_targets(struct parser *ps, struct raw_sec *sec,
			const struct scenario *s, struct scenario_anomaly *a)
{
	char buf[MAX_LINE], names[256], *tok, *save;
	int line;
	const char *v = req_str(ps, sec, "target", &line);

	if (!v)
		return;
	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, " \t,", &save); tok;
	     tok = strtok_r(NULL, " \t,", &save)) {
		int idx = find_container(s, tok);

		if (idx < 0) {
			list_containers(s, names, sizeof(names));
			scn_perr(
				ps, line, sec->label, "target",
				"no [container %s] in this file (containers: %s)",
				tok, *names ? names : "none");
			continue;
		}
		if (a->ntargets == SCENARIO_MAX_TARGETS) {
			scn_perr(ps, line, sec->label, "target",
				 "at most %d candidate targets",
				 SCENARIO_MAX_TARGETS);
			break;
		}
		a->targets[a->ntargets++] = (size_t)idx;
	}
	if (a->ntargets)
		a->target = a->targets[0];
}

static void check_anomaly(struct parser *ps, struct raw_sec *sec,
			  struct scenario *s, struct scenario_anomaly *a)
{
	struct raw_kv *kv;
	const char *v;
	int line, start_line = sec->line;
	bool have_start = false, have_dur = false;

	a->line = sec->line;
	a->intensity = 1.0;
	a->name = sec->name ? dup_or_oom(ps, sec->name) : NULL;
	v = req_str(ps, sec, "type", &line);
	if (v && !scn_valid_ident(v, false))
		scn_perr(
			ps, line, sec->label, "type",
			"'%s' must match [a-z0-9_]+: a payload name such as mem_leak, or command",
			v);
	else if (v)
		a->type = dup_or_oom(ps, v);
	get_targets(ps, sec, s, a);
	v = req_str(ps, sec, "start", &start_line);
	if (v) {
		if (scenario_parse_range(v, &a->start_min, &a->start_max))
			scn_perr(
				ps, start_line, sec->label, "start",
				"expected N or A-B seconds (A <= B <= %d), got '%s'",
				SCENARIO_DURATION_MAX, v);
		else
			have_start = true;
	}
	/* `duration = A-B`: each run draws one (scenario__plan()). */
	kv = kv_get(sec, "duration");
	if (!kv)
		scn_perr(ps, sec->line, sec->label, "duration",
			 "required key missing");
	else if (scenario_parse_range(kv->value, &a->duration_min,
				      &a->duration) ||
		 a->duration_min < 1)
		scn_perr(
			ps, kv->line, sec->label, "duration",
			"expected N or A-B seconds (1 <= A <= B <= %d), got '%s'",
			SCENARIO_DURATION_MAX, kv->value);
	else
		have_dur = true;
	get_double(ps, sec, "intensity", 0, 1e9, 1.0, NULL, &a->intensity);
	kv = kv_get(sec, "command");
	if (a->type && !strcmp(a->type, "command")) {
		if (!kv)
			scn_perr(
				ps, sec->line, sec->label, "command",
				"required key missing (type = command runs it with /bin/sh -c)");
		else if (!*kv->value)
			scn_perr(ps, kv->line, sec->label, "command",
				 "empty value");
		else
			a->command = dup_or_oom(ps, kv->value);
	} else if (kv) {
		scn_perr(
			ps, kv->line, sec->label, "command",
			"only for type = command (payload types take --KEY=VALUE intensity keys)");
	}
	/*
	 * A command stands for one of the catalogue's types (a held-out
	 * anomaly made by other means); a payload is its own class.
	 */
	kv = kv_get(sec, "class");
	if (kv && a->type && strcmp(a->type, "command"))
		scn_perr(
			ps, kv->line, sec->label, "class",
			"only for type = command (a payload's class is its type, %s)",
			a->type);
	else if (kv && (!scn_valid_ident(kv->value, false) ||
			!strcmp(kv->value, "command")))
		scn_perr(
			ps, kv->line, sec->label, "class",
			"'%s' must be an anomaly type of the catalogue such as cpu_hog ([a-z0-9_]+; cadet run --list)",
			kv->value);
	else if (kv)
		a->class_name = dup_or_oom(ps, kv->value);
	if (have_start && have_dur && s->duration &&
	    a->start_max + a->duration > s->duration)
		scn_perr(
			ps, start_line, sec->label, "start",
			"the anomaly would end after the run: start up to %u s + duration %u s > [scenario] duration %u s",
			a->start_max, a->duration, s->duration);

	/* Every other key is an intensity key for the payload. */
	for (size_t i = 0; i < sec->nkv; i++) {
		struct raw_kv *p = &sec->kv[i];

		if (p->used)
			continue;
		if (!scn_valid_ident(p->key, false)) {
			scn_perr(ps, p->line, sec->label, p->key,
				 "intensity keys must match [a-z0-9_]+");
			continue;
		}
		if (!*p->value || strpbrk(p->value, " \t")) {
			scn_perr(
				ps, p->line, sec->label, p->key,
				"intensity values are one word, passed as --%s=VALUE; got '%s'",
				p->key, p->value);
			continue;
		}
		if (a->nparams == SCENARIO_MAX_PARAMS) {
			scn_perr(ps, p->line, sec->label, p->key,
				 "at most %d intensity keys",
				 SCENARIO_MAX_PARAMS);
			break;
		}
		if (param_push(ps, &a->params, &a->nparams, p))
			return;
	}
}

void scn_validate(struct parser *ps, struct scenario *s)
{
	struct raw_sec *scn = NULL;
	size_t nc = 0, nw = 0, na = 0;

	for (size_t i = 0; i < ps->nsecs; i++) {
		switch (ps->secs[i].kind) {
		case SEC_SCENARIO:
			scn = &ps->secs[i];
			break;
		case SEC_ANOMALY:
			na++;
			break;
		case SEC_CONTAINER:
			nc++;
			break;
		case SEC_WORKLOAD:
			nw++;
			break;
		default:
			break;
		}
	}
	if (!scn)
		scn_perr(
			ps, 1, "[scenario]", NULL,
			"section missing; every file starts with [scenario] (name, description, category, duration)");
	else
		check_scenario(ps, scn, s);
	if (nc == 0)
		scn_perr(
			ps, scn ? scn->line : 1, "[container NAME]", NULL,
			"no container; a scenario needs at least one [container NAME] with a command");
	if (nc > SCENARIO_MAX_CONTAINERS)
		scn_perr(ps, 1, "[container NAME]", NULL,
			 "%zu containers, at most %d", nc,
			 SCENARIO_MAX_CONTAINERS);
	if (nw > SCENARIO_MAX_WORKLOADS)
		scn_perr(ps, 1, "[workload NAME]", NULL,
			 "%zu workloads, at most %d", nw,
			 SCENARIO_MAX_WORKLOADS);
	if (nc > SCENARIO_MAX_CONTAINERS || nw > SCENARIO_MAX_WORKLOADS)
		return;
	s->containers = calloc(nc ? nc : 1, sizeof(*s->containers));
	s->workloads = calloc(nw ? nw : 1, sizeof(*s->workloads));
	if (!s->containers || !s->workloads) {
		ps->oom = true;
		return;
	}
	/* Containers first: workloads and the anomaly refer to them. */
	for (size_t i = 0; i < ps->nsecs; i++)
		if (ps->secs[i].kind == SEC_CONTAINER)
			check_container(ps, &ps->secs[i],
					&s->containers[s->ncontainers++]);
	for (size_t i = 0; i < ps->nsecs; i++)
		if (ps->secs[i].kind == SEC_WORKLOAD)
			check_workload(ps, &ps->secs[i], s,
				       &s->workloads[s->nworkloads++]);
	if (na > SCENARIO_MAX_ANOMALIES) {
		scn_perr(ps, 1, "[anomaly NAME]", NULL,
			 "%zu anomalies, at most %d", na,
			 SCENARIO_MAX_ANOMALIES);
		return;
	}
	if (na) {
		s->anomalies = calloc(na, sizeof(*s->anomalies));
		if (!s->anomalies) {
			ps->oom = true;
			return;
		}
		s->anomaly = &s->anomalies[0];
	}
	for (size_t i = 0; i < ps->nsecs; i++) {
		struct raw_sec *sec = &ps->secs[i];

		if (sec->kind != SEC_ANOMALY)
			continue;
		/* Several anomalies must be told apart in messages and labels. */
		if (na > 1 && !sec->name)
			scn_perr(
				ps, sec->line, sec->label, NULL,
				"with several anomalies each is [anomaly NAME]");
		check_anomaly(ps, sec, s, &s->anomalies[s->nanomalies++]);
	}
}
