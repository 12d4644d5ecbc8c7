// SPDX-License-Identifier: MIT
/*
 * Scenario files: libinih does the INI syntax, this file the meaning.
 *
 * inih as Debian builds it does not pass line numbers to the handler, so
 * the text is fed through our own line reader: it counts lines, sees
 * section headers itself (inih does not report them) and refuses lines
 * longer than inih's buffer instead of letting inih split them. Parsing
 * is two passes: the handler only collects (section, key, value, line);
 * validation then walks that list, so every message can name the file,
 * the line and the key, and all problems are reported at once.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ini.h>

#include "injector/scenario.h"

#define MAX_LINE 1024
#define MAX_ERRORS 50

enum sec_kind {
	SEC_NONE,
	SEC_SCENARIO,
	SEC_CONTAINER,
	SEC_WORKLOAD,
	SEC_ANOMALY,
};

struct raw_kv {
	char *key;
	char *value;
	int line;
	bool used;
};

struct raw_sec {
	enum sec_kind kind;
	char *label; /* "[container web]" as written, normalized */
	char *name; /* NAME of container/workload, else NULL */
	int line;
	struct raw_kv *kv;
	size_t nkv;
};

struct parser {
	const char *path;
	const struct scenario_line_origin *origin; /* merged text, or NULL */
	size_t norigin;
	const char *const *origin_files;
	const char *p; /* reader position */
	const char *end;
	int line; /* line last handed to inih */
	struct raw_sec *secs;
	size_t nsecs;
	struct raw_sec *cur; /* NULL before the first header, or bad one */
	bool cur_bad; /* keys of a rejected section are ignored */
	char *errbuf;
	size_t errbuf_sz;
	size_t errlen;
	int nerrors;
	bool oom;
};

static void perr(struct parser *ps, int line, const char *sec, const char *key,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "path:line: [sec] key: message\n", appended while it fits. */
static void perr(struct parser *ps, int line, const char *sec, const char *key,
		 const char *fmt, ...)
{
	const char *path = ps->path;
	char msg[512];
	va_list ap;
	int n;

	ps->nerrors++;
	if (!ps->errbuf || !ps->errbuf_sz || ps->nerrors > MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->errlen >= ps->errbuf_sz - 1)
		return;
	if (ps->origin && line >= 1 && (size_t)line <= ps->norigin) {
		path = ps->origin_files[ps->origin[line - 1].file];
		line = ps->origin[line - 1].line;
	}
	n = snprintf(ps->errbuf + ps->errlen, ps->errbuf_sz - ps->errlen,
		     "%s:%d: %s%s%s%s%s\n", path, line, sec ? sec : "",
		     sec && key ? " " : "", key ? key : "",
		     sec || key ? ": " : "", msg);
	if (n > 0)
		ps->errlen += (size_t)n;
	if (ps->errlen >= ps->errbuf_sz)
		ps->errlen = ps->errbuf_sz - 1;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool valid_ident(const char *s, bool dash)
{
	if (!*s || strlen(s) > 63)
		return false;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) ||
		      isdigit((unsigned char)*s) || *s == '_' ||
		      (dash && *s == '-')))
			return false;
	return true;
}

/* A "[...]" line: open a new section (or mark the current one bad). */
static void section_header(struct parser *ps, const char *text)
{
	char buf[MAX_LINE], *in, *close, *kind, *name, *extra, *save;
	enum sec_kind k;
	struct raw_sec *sec, *n;

	ps->cur = NULL;
	ps->cur_bad = true;
	snprintf(buf, sizeof(buf), "%s", text);
	in = buf + 1;
	close = strchr(in, ']');
	if (!close) {
		perr(ps, ps->line, NULL, NULL, "section header without ']': %s",
		     text);
		return;
	}
	*close = '\0';
	kind = strtok_r(in, " \t", &save);
	name = kind ? strtok_r(NULL, " \t", &save) : NULL;
	extra = name ? strtok_r(NULL, " \t", &save) : NULL;
	if (!kind) {
		perr(ps, ps->line, "[]", NULL, "empty section name");
		return;
	}
	if (!strcmp(kind, "scenario"))
		k = SEC_SCENARIO;
	else if (!strcmp(kind, "container"))
		k = SEC_CONTAINER;
	else if (!strcmp(kind, "workload"))
		k = SEC_WORKLOAD;
	else if (!strcmp(kind, "anomaly"))
		k = SEC_ANOMALY;
	else {
		perr(ps, ps->line, NULL, NULL,
		     "unknown section [%s]; expected [scenario], [container NAME], [workload NAME] or [anomaly]",
		     kind);
		return;
	}
	if ((k == SEC_CONTAINER || k == SEC_WORKLOAD) && !name) {
		perr(ps, ps->line, NULL, NULL,
		     "[%s] needs a name, e.g. [%s %s]", kind, kind,
		     k == SEC_CONTAINER ? "web" : "traffic");
		return;
	}
	if (k == SEC_SCENARIO && name) {
		perr(ps, ps->line, NULL, NULL, "[%s] takes no name, got '%s'",
		     kind, name);
		return;
	}
	if (extra) {
		perr(ps, ps->line, NULL, NULL,
		     "[%s %s] takes one name, got also '%s'", kind, name,
		     extra);
		return;
	}
	if (name && !valid_ident(name, true)) {
		perr(ps, ps->line, NULL, NULL,
		     "[%s %s]: name must match [a-z0-9_-]+ (at most 63 characters)",
		     kind, name);
		return;
	}
	for (size_t i = 0; i < ps->nsecs; i++) {
		struct raw_sec *o = &ps->secs[i];

		if (o->kind == k && ((!name && !o->name) ||
				     (name && o->name && !strcmp(o->name, name)))) {
			perr(ps, ps->line, NULL, NULL,
			     "%s given twice (first at line %d)", o->label,
			     o->line);
			return;
		}
	}
	n = realloc(ps->secs, (ps->nsecs + 1) * sizeof(*n));
	if (!n) {
		ps->oom = true;
		return;
	}
	ps->secs = n;
	sec = &ps->secs[ps->nsecs];
	memset(sec, 0, sizeof(*sec));
	sec->kind = k;
	sec->line = ps->line;
	if (name) {
		sec->name = strdup(name);
		if (asprintf(&sec->label, "[%s %s]", kind, name) < 0)
			sec->label = NULL;
	} else {
		sec->label =
			strdup(k == SEC_SCENARIO ? "[scenario]" : "[anomaly]");
	}
	if (!sec->label || (name && !sec->name)) {
		free(sec->label);
		free(sec->name);
		ps->oom = true;
		return;
	}
	ps->nsecs++;
	ps->cur = sec;
	ps->cur_bad = false;
}

/* fgets-like reader for inih over a memory buffer; counts lines. */
static char *reader(char *str, int num, void *stream)
{
	struct parser *ps = stream;
	const char *nl;
	size_t len, take;
	char line[MAX_LINE], *t;

	if (ps->p >= ps->end)
		return NULL;
	nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
	len = nl ? (size_t)(nl - ps->p) + 1 : (size_t)(ps->end - ps->p);
	ps->line++;
	/*
	 * Editors on other systems may start the file with a UTF-8 byte
	 * order mark; it carries no meaning here and would otherwise hide
	 * the first section header behind three invisible bytes.
	 */
	if (ps->line == 1 && len >= 3 && !memcmp(ps->p, "\xef\xbb\xbf", 3)) {
		ps->p += 3;
		len -= 3;
	}
	take = len;
	if (take + 1 > (size_t)num || take + 1 > sizeof(line)) {
		/* The newline is not counted: what an editor shows. */
		perr(ps, ps->line, NULL, NULL,
		     "line too long (%zu characters, at most %d); shorten it",
		     len - (nl ? 1 : 0), (num < MAX_LINE ? num : MAX_LINE) - 2);
		ps->p += len;
		/* inih sees an empty line instead. */
		strcpy(str, "\n");
		return str;
	}
	memcpy(str, ps->p, take);
	str[take] = '\0';
	ps->p += len;

	memcpy(line, str, take + 1);
	t = trim(line);
	if (*t == '[')
		section_header(ps, t);
	else if (*t && *t != ';' && *t != '#' && !strpbrk(t, "=:"))
		perr(ps, ps->line, NULL, NULL,
		     "syntax error: expected 'key = value', '[section]' or a comment, got '%.40s'",
		     t);
	return str;
}

static int handler(void *user, const char *section, const char *key,
		   const char *value)
{
	struct parser *ps = user;
	struct raw_sec *sec = ps->cur;
	struct raw_kv *kv;

	(void)section;
	if (ps->oom)
		return 0;
	if (!sec) {
		if (!ps->cur_bad && ps->nsecs == 0)
			perr(ps, ps->line, NULL, key,
			     "key outside any section; the file starts with [scenario]");
		/* Keys of a rejected section were reported with it. */
		return 1;
	}
	for (size_t i = 0; i < sec->nkv; i++) {
		if (!strcmp(sec->kv[i].key, key)) {
			perr(ps, ps->line, sec->label, key,
			     "given twice (first at line %d)", sec->kv[i].line);
			return 1;
		}
	}
	kv = realloc(sec->kv, (sec->nkv + 1) * sizeof(*kv));
	if (!kv) {
		ps->oom = true;
		return 0;
	}
	sec->kv = kv;
	kv = &sec->kv[sec->nkv];
	memset(kv, 0, sizeof(*kv));
	kv->key = strdup(key);
	kv->value = strdup(value);
	kv->line = ps->line;
	if (!kv->key || !kv->value) {
		free(kv->key);
		free(kv->value);
		ps->oom = true;
		return 0;
	}
	sec->nkv++;
	return 1;
}

static void raw_free(struct parser *ps)
{
	for (size_t i = 0; i < ps->nsecs; i++) {
		struct raw_sec *sec = &ps->secs[i];

		for (size_t j = 0; j < sec->nkv; j++) {
			free(sec->kv[j].key);
			free(sec->kv[j].value);
		}
		free(sec->kv);
		free(sec->label);
		free(sec->name);
	}
	free(ps->secs);
	ps->secs = NULL;
	ps->nsecs = 0;
}

/* ---- value parsers ---- */

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return -EINVAL;
	*out = v;
	return 0;
}

int scenario_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mult = 1ull << 10;
		end++;
		break;
	case 'm':
	case 'M':
		mult = 1ull << 20;
		end++;
		break;
	case 'g':
	case 'G':
		mult = 1ull << 30;
		end++;
		break;
	case 't':
	case 'T':
		mult = 1ull << 40;
		end++;
		break;
	default:
		return -EINVAL;
	}
	/* Accept "256MB" / "256MiB" as people write them. */
	if (mult > 1 && (!strcmp(end, "B") || !strcmp(end, "iB")))
		end += strlen(end);
	if (*end || v > UINT64_MAX / mult)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

int scenario_parse_range(const char *s, unsigned int *a, unsigned int *b)
{
	char buf[64], *dash;
	uint64_t x, y;

	if (!s || strlen(s) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", s);
	dash = strchr(buf, '-');
	if (dash) {
		*dash = '\0';
		if (parse_u64(trim(buf), &x) || parse_u64(trim(dash + 1), &y))
			return -EINVAL;
	} else {
		if (parse_u64(trim(buf), &x))
			return -EINVAL;
		y = x;
	}
	if (x > y || y > SCENARIO_DURATION_MAX)
		return -EINVAL;
	*a = (unsigned int)x;
	*b = (unsigned int)y;
	return 0;
}

/* ---- validation ---- */

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
		perr(ps, sec->line, sec->label, key, "required key missing");
		return NULL;
	}
	if (line)
		*line = kv->line;
	if (!*kv->value) {
		perr(ps, kv->line, sec->label, key, "empty value");
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
			perr(ps, sec->line, sec->label, key,
			     "required key missing");
			return false;
		}
		return true;
	}
	if (parse_u64(kv->value, &v)) {
		perr(ps, kv->line, sec->label, key,
		     "expected a whole number, got '%s'", kv->value);
		return false;
	}
	if (v < min || v > max) {
		perr(ps, kv->line, sec->label, key,
		     "%llu is out of range %llu..%llu", (unsigned long long)v,
		     (unsigned long long)min, (unsigned long long)max);
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
	if (parse_double(kv->value, &v)) {
		perr(ps, kv->line, sec->label, key,
		     "expected a number%s%s, got '%s'", unit ? " of " : "",
		     unit ? unit : "", kv->value);
		return false;
	}
	if (v < min || v > max) {
		perr(ps, kv->line, sec->label, key, "%g is out of range %g..%g",
		     v, min, max);
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
		perr(ps, kv->line, sec->label, key,
		     "expected a size such as 256M (K/M/G suffixes), got '%s'",
		     kv->value);
		return false;
	}
	if (v < min || v > max) {
		perr(ps, kv->line, sec->label, key,
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
		perr(ps, sec->kv[i].line, sec->label, sec->kv[i].key,
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
	if (v && !valid_ident(v, false))
		perr(ps, line, sec->label, "name",
		     "'%s' must match [a-z0-9_]+ (at most 63 characters)", v);
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
			perr(ps, line, sec->label, "category",
			     "expected resource, security or network, got '%s'",
			     v);
	}
	if (get_uint(ps, sec, "duration", SCENARIO_DURATION_MIN,
		     SCENARIO_DURATION_MAX, 0, true, &u))
		s->duration = (unsigned int)u;
	kv = kv_get(sec, "seed");
	if (kv && parse_u64(kv->value, &s->seed))
		perr(ps, kv->line, sec->label, "seed",
		     "expected a whole number, got '%s'", kv->value);
	unknown_keys(
		ps, sec,
		"[scenario] has name, description, category, duration, seed");
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
		perr(ps, kv->line, sec->label, "packages",
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

			if (parse_u64(tok, &port) || port < 1 || port > 65535) {
				perr(ps, kv->line, sec->label, "ports",
				     "expected TCP ports 1..65535 separated by spaces, got '%s'",
				     tok);
				break;
			}
			if (c->nports == SCENARIO_MAX_PORTS) {
				perr(ps, kv->line, sec->label, "ports",
				     "at most %d ports", SCENARIO_MAX_PORTS);
				break;
			}
			c->ports[c->nports++] = (uint16_t)port;
		}
		if (!c->nports && !*kv->value)
			perr(ps, kv->line, sec->label, "ports", "empty value");
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
		perr(ps, line, sec->label, "target",
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
		if (!valid_ident(kv->key, false)) {
			perr(ps, kv->line, sec->label, kv->key,
			     "action names must match [a-z0-9_]+");
			continue;
		}
		if (!*kv->value) {
			perr(ps, kv->line, sec->label, kv->key,
			     "empty value; an action is a shell command");
			continue;
		}
		if (param_push(ps, &w->actions, &w->nactions, kv))
			return;
	}
	if (!w->nactions)
		perr(ps, sec->line, sec->label, NULL,
		     "no action; give NAME = COMMAND lines (e.g. healthcheck = curl -fs http://127.0.0.1/)");
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
			perr(ps, line, sec->label, "type",
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
			perr(ps, sec->line, sec->label, "threads",
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
				perr(ps, sec->line, sec->label, "port",
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
			perr(ps, kv->line, sec->label, kv->key,
			     "applies to %s workloads only%s%s", only[j][1],
			     typed ? ", this one is " : "",
			     typed ? scenario_workload_type_name(w->type) : "");
		else
			perr(ps, kv->line, sec->label, kv->key,
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
			perr(ps, line, sec->label, "target",
			     "no [container %s] in this file (containers: %s)",
			     tok, *names ? names : "none");
			continue;
		}
		if (a->ntargets == SCENARIO_MAX_TARGETS) {
			perr(ps, line, sec->label, "target",
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
	if (v && !valid_ident(v, false))
		perr(ps, line, sec->label, "type",
		     "'%s' must match [a-z0-9_]+: a payload name such as mem_leak, or command",
		     v);
	else if (v)
		a->type = dup_or_oom(ps, v);
	get_targets(ps, sec, s, a);
	v = req_str(ps, sec, "start", &start_line);
	if (v) {
		if (scenario_parse_range(v, &a->start_min, &a->start_max))
			perr(ps, start_line, sec->label, "start",
			     "expected N or A-B seconds (A <= B <= %d), got '%s'",
			     SCENARIO_DURATION_MAX, v);
		else
			have_start = true;
	}
	kv = kv_get(sec, "duration");
	if (!kv)
		perr(ps, sec->line, sec->label, "duration",
		     "required key missing");
	else if (scenario_parse_range(kv->value, &a->duration_min,
				      &a->duration) ||
		 a->duration_min < 1)
		perr(ps, kv->line, sec->label, "duration",
		     "expected N or A-B seconds (1 <= A <= B <= %d), got '%s'",
		     SCENARIO_DURATION_MAX, kv->value);
	else
		have_dur = true;
	get_double(ps, sec, "intensity", 0, 1e9, 1.0, NULL, &a->intensity);
	kv = kv_get(sec, "command");
	if (a->type && !strcmp(a->type, "command")) {
		if (!kv)
			perr(ps, sec->line, sec->label, "command",
			     "required key missing (type = command runs it with /bin/sh -c)");
		else if (!*kv->value)
			perr(ps, kv->line, sec->label, "command",
			     "empty value");
		else
			a->command = dup_or_oom(ps, kv->value);
	} else if (kv) {
		perr(ps, kv->line, sec->label, "command",
		     "only for type = command (payload types take --KEY=VALUE intensity keys)");
	}
	if (have_start && have_dur && s->duration &&
	    a->start_max + a->duration > s->duration)
		perr(ps, start_line, sec->label, "start",
		     "the anomaly would end after the run: start up to %u s + duration %u s > [scenario] duration %u s",
		     a->start_max, a->duration, s->duration);

	/* Every other key is an intensity key for the payload. */
	for (size_t i = 0; i < sec->nkv; i++) {
		struct raw_kv *p = &sec->kv[i];

		if (p->used)
			continue;
		if (!valid_ident(p->key, false)) {
			perr(ps, p->line, sec->label, p->key,
			     "intensity keys must match [a-z0-9_]+");
			continue;
		}
		if (!*p->value || strpbrk(p->value, " \t")) {
			perr(ps, p->line, sec->label, p->key,
			     "intensity values are one word, passed as --%s=VALUE; got '%s'",
			     p->key, p->value);
			continue;
		}
		if (a->nparams == SCENARIO_MAX_PARAMS) {
			perr(ps, p->line, sec->label, p->key,
			     "at most %d intensity keys", SCENARIO_MAX_PARAMS);
			break;
		}
		if (param_push(ps, &a->params, &a->nparams, p))
			return;
	}
}

static void validate(struct parser *ps, struct scenario *s)
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
		perr(ps, 1, "[scenario]", NULL,
		     "section missing; every file starts with [scenario] (name, description, category, duration)");
	else
		check_scenario(ps, scn, s);
	if (nc == 0)
		perr(ps, scn ? scn->line : 1, "[container NAME]", NULL,
		     "no container; a scenario needs at least one [container NAME] with a command");
	if (nc > SCENARIO_MAX_CONTAINERS)
		perr(ps, 1, "[container NAME]", NULL,
		     "%zu containers, at most %d", nc, SCENARIO_MAX_CONTAINERS);
	if (nw > SCENARIO_MAX_WORKLOADS)
		perr(ps, 1, "[workload NAME]", NULL,
		     "%zu workloads, at most %d", nw, SCENARIO_MAX_WORKLOADS);
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
		perr(ps, 1, "[anomaly NAME]", NULL, "%zu anomalies, at most %d",
		     na, SCENARIO_MAX_ANOMALIES);
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
			perr(ps, sec->line, sec->label, NULL,
			     "with several anomalies each is [anomaly NAME]");
		check_anomaly(ps, sec, s, &s->anomalies[s->nanomalies++]);
	}
}

struct scenario *scenario__load_mem(const char *text, size_t len,
				    const struct scenario_opts *opts)
{
	struct parser ps = {0};
	struct scenario *s = NULL;
	const char *path = "<memory>";
	int ret, err = 0;

	if (opts && opts->sz < sizeof(size_t)) {
		errno = EINVAL;
		return NULL;
	}
	if (opts && opts->display_path)
		path = opts->display_path;
	if (opts) {
		ps.errbuf = opts->errbuf;
		ps.errbuf_sz = opts->errbuf_sz;
		if (opts->sz >= offsetof(struct scenario_opts, origin_files) +
					sizeof(opts->origin_files) &&
		    opts->origin && opts->origin_files) {
			ps.origin = opts->origin;
			ps.norigin = opts->norigin;
			ps.origin_files = opts->origin_files;
		}
		if (ps.errbuf && ps.errbuf_sz)
			ps.errbuf[0] = '\0';
	}
	ps.path = path;
	ps.p = text;
	ps.end = text + len;
	if (memchr(text, '\0', len)) {
		const char *z = memchr(text, '\0', len);
		int line = 1;

		for (const char *q = text; q < z; q++)
			line += *q == '\n';
		perr(&ps, line, NULL, NULL,
		     "NUL byte in the file; scenario files are text");
		errno = EINVAL;
		return NULL;
	}

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->seed = 1;
	s->path = strdup(path);
	if (!s->path) {
		err = ENOMEM;
		goto cleanup;
	}

	/*
	 * Multi-line values would make an indented line part of the key
	 * above it: a source of silent surprises in a declarative file.
	 */
	ini_allow_multiline = false;
	/*
	 * Debian's libinih sizes its line buffer from this variable (the
	 * built-in default is 200); the documented limit is ours.
	 */
	ini_max_line = MAX_LINE;
	ret = ini_parse_stream(reader, &ps, handler, &ps);
	if (ps.oom || ret == -2) {
		err = ENOMEM;
		goto cleanup;
	}
	/*
	 * The reader reports syntax errors itself, all of them; inih
	 * returns only the first. This catches anything it saw that the
	 * reader did not.
	 */
	if (ret > 0 && ps.nerrors == 0)
		perr(&ps, ret, NULL, NULL,
		     "syntax error: expected 'key = value', '[section]' or a comment");
	validate(&ps, s);
	if (ps.oom) {
		err = ENOMEM;
		goto cleanup;
	}
	if (ps.nerrors) {
		if (ps.nerrors > MAX_ERRORS)
			perr(&ps, ps.line, NULL, NULL, "and %d more problems",
			     ps.nerrors - MAX_ERRORS);
		err = EINVAL;
	}
cleanup:
	raw_free(&ps);
	if (err) {
		if (err == ENOMEM && ps.errbuf && ps.errbuf_sz)
			snprintf(ps.errbuf, ps.errbuf_sz, "%s: out of memory\n",
				 path);
		scenario__free(s);
		errno = err;
		return NULL;
	}
	return s;
}

struct scenario *scenario__load(const char *path,
				const struct scenario_opts *opts)
{
	struct scenario_opts o = {.sz = sizeof(o)};
	struct scenario *s = NULL;
	char *text = NULL;
	size_t len = 0, cap = 0;
	struct stat st;
	FILE *f;
	int err = 0;

	if (opts && opts->sz < sizeof(size_t)) {
		errno = EINVAL;
		return NULL;
	}
	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (!o.display_path)
		o.display_path = path;
	f = fopen(path, "r");
	if (!f) {
		err = errno;
		if (o.errbuf && o.errbuf_sz)
			snprintf(o.errbuf, o.errbuf_sz, "%s: cannot read: %s\n",
				 path,
				 err == ENOENT ? "no such file; give the path of a scenario .ini file (cadet run --list shows the catalogue)"
					       : strerror(err));
		errno = err;
		return NULL;
	}
	/* fopen() opens a directory; its read would fail with EISDIR. */
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		fclose(f);
		if (o.errbuf && o.errbuf_sz)
			snprintf(o.errbuf, o.errbuf_sz,
				 "%s: is a directory; give a scenario .ini file (e.g. %s/NAME.ini)\n",
				 path, path);
		errno = EISDIR;
		return NULL;
	}
	for (;;) {
		size_t n;

		if (len + 4096 > cap) {
			char *nt;

			cap = cap ? cap * 2 : 8192;
			/* A scenario is a few hundred bytes: refuse huge files. */
			if (cap > (4u << 20)) {
				err = EFBIG;
				break;
			}
			nt = realloc(text, cap);
			if (!nt) {
				err = ENOMEM;
				break;
			}
			text = nt;
		}
		errno = 0;
		n = fread(text + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				err = errno ? errno : EIO;
			break;
		}
	}
	fclose(f);
	if (err) {
		if (o.errbuf && o.errbuf_sz)
			snprintf(
				o.errbuf, o.errbuf_sz, "%s: cannot read: %s\n",
				path,
				err == EFBIG
					? "larger than 4 MiB, not a scenario file"
					: strerror(err));
		goto cleanup;
	}
	s = scenario__load_mem(text ? text : "", len, &o);
	if (!s)
		err = errno;
cleanup:
	free(text);
	if (err)
		errno = err;
	return s;
}

static void params_free(struct scenario_param *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(p[i].key);
		free(p[i].value);
	}
	free(p);
}

void scenario__free(struct scenario *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ncontainers; i++) {
		free(s->containers[i].name);
		free(s->containers[i].packages);
		free(s->containers[i].command);
	}
	for (size_t i = 0; i < s->nworkloads; i++) {
		struct scenario_workload *w = &s->workloads[i];

		free(w->name);
		free(w->command);
		params_free(w->actions, w->nactions);
	}
	for (size_t j = 0; j < s->nanomalies; j++) {
		struct scenario_anomaly *a = &s->anomalies[j];

		params_free(a->params, a->nparams);
		free(a->name);
		free(a->type);
		free(a->command);
	}
	free(s->anomalies);
	free(s->containers);
	free(s->workloads);
	free(s->path);
	free(s->name);
	free(s->description);
	free(s);
}

/* scenario__override() for one anomaly; @old is the file's duration. */
static int override_anomaly(struct scenario *s, struct scenario_anomaly *a,
			    unsigned int old, unsigned int duration,
			    const char *start, unsigned int lo, unsigned int hi,
			    char *err, size_t err_sz, char *note, size_t note_sz)
{
	if (start) {
		if (hi >= s->duration) {
			snprintf(
				err, err_sz,
				"--start %s: the anomaly would start after the %u s run ends",
				start, s->duration);
			return -EINVAL;
		}
		if (hi + a->duration > s->duration && !duration) {
			snprintf(
				err, err_sz,
				"--start %s: the anomaly (%u s) would end after the %u s run",
				start, a->duration, s->duration);
			return -EINVAL;
		}
		a->start_min = lo;
		a->start_max = hi;
		/* With --duration too, the anomaly is cut to what is left. */
		if (hi + a->duration > s->duration) {
			a->duration = s->duration - hi;
			if (note && note_sz)
				snprintf(
					note, note_sz,
					"anomaly cut to the %u s run: start %u-%u s, duration %u s",
					s->duration, lo, hi, a->duration);
		}
		return 0;
	}
	if (duration && a->start_max + a->duration > duration) {
		/* A shorter run: the anomaly keeps its place in the run. */
		double f = (double)duration / old;

		a->start_min = (unsigned int)(a->start_min * f);
		a->start_max = (unsigned int)(a->start_max * f);
		a->duration = (unsigned int)(a->duration * f);
		a->duration_min = (unsigned int)(a->duration_min * f);
		if (a->duration < 1)
			a->duration = 1;
		while (a->start_max + a->duration > duration &&
		       a->start_max > a->start_min)
			a->start_max--;
		while (a->start_max + a->duration > duration && a->duration > 1)
			a->duration--;
		if (note && note_sz)
			snprintf(
				note, note_sz,
				"anomaly scaled to the %u s run: start %u-%u s, duration %u s",
				duration, a->start_min, a->start_max,
				a->duration);
	}
	return 0;
}


int scenario__override(struct scenario *s, unsigned int duration,
		       const char *start, char *err, size_t err_sz, char *note,
		       size_t note_sz)
{
	struct scenario_anomaly *a = s->anomaly;
	unsigned int old = s->duration, lo = 0, hi = 0;

	if (note && note_sz)
		note[0] = '\0';
	if (duration && (duration < SCENARIO_DURATION_MIN ||
			 duration > SCENARIO_DURATION_MAX)) {
		snprintf(err, err_sz, "--duration %u is out of range %d..%d s",
			 duration, SCENARIO_DURATION_MIN,
			 SCENARIO_DURATION_MAX);
		return -EINVAL;
	}
	if (start && !a) {
		snprintf(err, err_sz,
			 "--start: %s has no [anomaly] (a normal-only run)",
			 s->path);
		return -EINVAL;
	}
	if (start && scenario_parse_range(start, &lo, &hi)) {
		snprintf(err, err_sz,
			 "--start: expected N or A-B seconds, got '%s'", start);
		return -EINVAL;
	}
	if (duration)
		s->duration = duration;
	for (size_t i = 0; i < s->nanomalies; i++) {
		int ret = override_anomaly(s, &s->anomalies[i], old, duration,
					   start, lo, hi, err, err_sz, note,
					   note_sz);

		if (ret)
			return ret;
	}
	return 0;
}

const char *scenario_category_name(enum scenario_category c)
{
	switch (c) {
	case SCENARIO_CAT_RESOURCE:
		return "resource";
	case SCENARIO_CAT_SECURITY:
		return "security";
	case SCENARIO_CAT_NETWORK:
		return "network";
	}
	return "?";
}

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

/* ---- PRNG: xoshiro256** of lib/util/rng.h ---- */

void scenario_rng_seed(struct scenario_rng *r, uint64_t seed)
{
	util_xoshiro_seed(&r->x, seed);
}

uint64_t scenario_rng_next(struct scenario_rng *r)
{
	return util_xoshiro_next(&r->x);
}

double scenario_rng_double(struct scenario_rng *r)
{
	return util_u64_to_unit(util_xoshiro_next(&r->x));
}

uint64_t scenario_rng_range(struct scenario_rng *r, uint64_t lo, uint64_t hi)
{
	uint64_t span;

	if (hi <= lo)
		return lo;
	span = hi - lo + 1;
	if (span == 0) /* the whole 64-bit range */
		return util_xoshiro_next(&r->x);
	return lo + util_xoshiro_below(&r->x, span);
}

void scenario__plan(const struct scenario *s, uint64_t seed,
		    struct scenario_plan *plan)
{
	struct scenario_rng rng;

	memset(plan, 0, sizeof(*plan));
	scenario_rng_seed(&rng, seed);
	plan->seed = seed;
	plan->duration_ms = (uint64_t)s->duration * 1000;
	/*
	 * Always draw the onset first, anomaly or not, so the workload
	 * streams of a scenario do not change when its anomaly does.
	 */
	if (s->anomaly) {
		plan->onset_ms = scenario_rng_range(
			&rng, (uint64_t)s->anomaly->start_min * 1000,
			(uint64_t)s->anomaly->start_max * 1000);
		plan->anomaly_ms = (uint64_t)s->anomaly->duration * 1000;
	} else {
		scenario_rng_next(&rng);
	}
	for (size_t i = 0; i < SCENARIO_MAX_WORKLOADS; i++)
		plan->workload_seed[i] = scenario_rng_next(&rng);
	/* Drawn after the above, so that adding them changed no plan. */
	plan->onsets_ms[0] = plan->onset_ms;
	for (size_t i = 0; i < s->nanomalies; i++) {
		const struct scenario_anomaly *a = &s->anomalies[i];

		if (i)
			plan->onsets_ms[i] = scenario_rng_range(
				&rng, (uint64_t)a->start_min * 1000,
				(uint64_t)a->start_max * 1000);
		plan->targets[i] =
			a->ntargets > 1
				? a->targets[scenario_rng_range(
					  &rng, 0, a->ntargets - 1)]
				: a->target;
	}
	for (size_t i = 0; i < s->nanomalies; i++) {
		const struct scenario_anomaly *a = &s->anomalies[i];
		unsigned int lo = a->duration_min ? a->duration_min : 1;

		if (lo > a->duration)
			lo = a->duration;
		plan->durations_ms[i] =
			scenario_rng_range(&rng, lo, a->duration) * 1000;
	}
	if (s->nanomalies)
		plan->anomaly_ms = plan->durations_ms[0];
}
