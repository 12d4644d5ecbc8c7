// SPDX-License-Identifier: MIT
/*
 * Scenario files, the syntax: libinih does the INI part, this file the
 * rest.
 *
 * inih as Debian builds it does not pass line numbers to the handler, so
 * the text is fed through our own line reader: it counts lines, sees
 * section headers itself (inih does not report them) and refuses lines
 * longer than inih's buffer instead of letting inih split them. The
 * handler only collects (section, key, value, line); validation
 * (injector/scenario_validate.c) then walks that list, so every message
 * can name the file, the line and the key, and all problems are
 * reported at once.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "injector/scenario_int.h"

void scn_perr(struct parser *ps, int line, const char *sec, const char *key,
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

char *scn_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

bool scn_valid_ident(const char *s, bool dash)
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
		scn_perr(ps, ps->line, NULL, NULL,
			 "section header without ']': %s", text);
		return;
	}
	*close = '\0';
	kind = strtok_r(in, " \t", &save);
	name = kind ? strtok_r(NULL, " \t", &save) : NULL;
	extra = name ? strtok_r(NULL, " \t", &save) : NULL;
	if (!kind) {
		scn_perr(ps, ps->line, "[]", NULL, "empty section name");
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
		scn_perr(
			ps, ps->line, NULL, NULL,
			"unknown section [%s]; expected [scenario], [container NAME], [workload NAME] or [anomaly]",
			kind);
		return;
	}
	if ((k == SEC_CONTAINER || k == SEC_WORKLOAD) && !name) {
		scn_perr(ps, ps->line, NULL, NULL,
			 "[%s] needs a name, e.g. [%s %s]", kind, kind,
			 k == SEC_CONTAINER ? "web" : "traffic");
		return;
	}
	if (k == SEC_SCENARIO && name) {
		scn_perr(ps, ps->line, NULL, NULL,
			 "[%s] takes no name, got '%s'", kind, name);
		return;
	}
	if (extra) {
		scn_perr(ps, ps->line, NULL, NULL,
			 "[%s %s] takes one name, got also '%s'", kind, name,
			 extra);
		return;
	}
	if (name && !scn_valid_ident(name, true)) {
		scn_perr(
			ps, ps->line, NULL, NULL,
			"[%s %s]: name must match [a-z0-9_-]+ (at most 63 characters)",
			kind, name);
		return;
	}
	for (size_t i = 0; i < ps->nsecs; i++) {
		struct raw_sec *o = &ps->secs[i];

		if (o->kind == k &&
		    ((!name && !o->name) ||
		     (name && o->name && !strcmp(o->name, name)))) {
			scn_perr(ps, ps->line, NULL, NULL,
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
		scn_perr(
			ps, ps->line, NULL, NULL,
			"line too long (%zu characters, at most %d); shorten it",
			len - (nl ? 1 : 0),
			(num < MAX_LINE ? num : MAX_LINE) - 2);
		ps->p += len;
		/* inih sees an empty line instead. */
		strcpy(str, "\n");
		return str;
	}
	memcpy(str, ps->p, take);
	str[take] = '\0';
	ps->p += len;

	memcpy(line, str, take + 1);
	t = scn_trim(line);
	if (*t == '[')
		section_header(ps, t);
	else if (*t && *t != ';' && *t != '#' && !strpbrk(t, "=:"))
		scn_perr(
			ps, ps->line, NULL, NULL,
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
			scn_perr(
				ps, ps->line, NULL, key,
				"key outside any section; the file starts with [scenario]");
		/* Keys of a rejected section were reported with it. */
		return 1;
	}
	for (size_t i = 0; i < sec->nkv; i++) {
		if (!strcmp(sec->kv[i].key, key)) {
			scn_perr(ps, ps->line, sec->label, key,
				 "given twice (first at line %d)",
				 sec->kv[i].line);
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

void scn_raw_free(struct parser *ps)
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

int scn_parse_ini(struct parser *ps)
{
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
	return ini_parse_stream(reader, ps, handler, ps);
}

/* ---- value parsers ---- */

int scn_parse_u64(const char *s, uint64_t *out)
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

int scn_parse_double(const char *s, double *out)
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
		if (scn_parse_u64(scn_trim(buf), &x) ||
		    scn_parse_u64(scn_trim(dash + 1), &y))
			return -EINVAL;
	} else {
		if (scn_parse_u64(scn_trim(buf), &x))
			return -EINVAL;
		y = x;
	}
	if (x > y || y > SCENARIO_DURATION_MAX)
		return -EINVAL;
	*a = (unsigned int)x;
	*b = (unsigned int)y;
	return 0;
}
