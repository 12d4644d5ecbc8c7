// SPDX-License-Identifier: MIT
/*
 * Profiles, includes and intensities: a merge of INI sections before the
 * scenario parser sees the text.
 *
 * Only the structure is read here (section headers and the key of each
 * line); values and syntax are the parser's business, so every line is
 * passed on verbatim and tagged with its file and line. Sections are
 * matched by kind and name; a file's own sections come first, in its
 * order, then the sections only its includes have, so a profile's
 * containers and workloads keep their order (and the per-workload seeds
 * of a run do not depend on how a scenario was split into files).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "injector/profile.h"

#define MAX_FILE_BYTES (4u << 20)

struct pline {
	char *text; /* the line as written, without its newline */
	char *key; /* NULL for lines that are not key = value */
	size_t file;
	int line;
};

struct psec {
	char *kind; /* "" for lines before the first header */
	char *name; /* "" when the section takes no name */
	struct pline header;
	struct pline *lines;
	size_t nlines;
};

struct plist {
	struct psec *v;
	size_t n;
};

struct ctx {
	const struct profile_select *sel;
	char **files; /* every file read, origin index */
	size_t nfiles;
	char *stack[PROFILE_MAX_DEPTH + 1]; /* real paths being read */
	size_t depth;
	char *service; /* [profile] service of the outermost profile */
	bool named_profile; /* the scenario has profile = NAME */
	char *err;
	size_t err_sz;
	size_t errlen;
	bool failed;
};

static void cerr(struct ctx *c, const char *file, int line, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));

/* "file:line: message\n" appended to the caller's buffer. */
static void cerr(struct ctx *c, const char *file, int line, const char *fmt,
		 ...)
{
	va_list ap;
	int n;

	c->failed = true;
	if (!c->err || c->errlen + 1 >= c->err_sz)
		return;
	n = line > 0 ? snprintf(c->err + c->errlen, c->err_sz - c->errlen,
				"%s:%d: ", file, line)
		     : snprintf(c->err + c->errlen, c->err_sz - c->errlen,
				"%s: ", file);
	if (n > 0)
		c->errlen += (size_t)n;
	if (c->errlen + 1 >= c->err_sz) {
		c->errlen = c->err_sz - 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(c->err + c->errlen, c->err_sz - c->errlen, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->errlen += (size_t)n;
	if (c->errlen + 1 >= c->err_sz)
		c->errlen = c->err_sz - 2;
	c->err[c->errlen++] = '\n';
	c->err[c->errlen] = '\0';
}

static char *span_dup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

/* Trimmed copy of s[0..n). */
static char *trim_dup(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	return span_dup(s, n);
}

static void pline_free(struct pline *l)
{
	free(l->text);
	free(l->key);
}

static void psec_free(struct psec *s)
{
	free(s->kind);
	free(s->name);
	pline_free(&s->header);
	for (size_t i = 0; i < s->nlines; i++)
		pline_free(&s->lines[i]);
	free(s->lines);
}

static void plist_free(struct plist *l)
{
	for (size_t i = 0; i < l->n; i++)
		psec_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static struct psec *plist_add(struct plist *l)
{
	struct psec *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return NULL;
	l->v = v;
	memset(&v[l->n], 0, sizeof(v[l->n]));
	return &v[l->n++];
}

static int psec_push(struct psec *s, const struct pline *l)
{
	struct pline *v = realloc(s->lines, (s->nlines + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	s->lines = v;
	v[s->nlines++] = *l;
	return 0;
}

static struct psec *find_sec(struct plist *l, const char *kind,
			     const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].kind, kind) && !strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

static struct pline *find_key(struct psec *s, const char *key)
{
	for (size_t i = 0; i < s->nlines; i++)
		if (s->lines[i].key && !strcmp(s->lines[i].key, key))
			return &s->lines[i];
	return NULL;
}

/*
 * Move @src's lines into @dst: a key @dst has is replaced in place, a
 * new one is appended. @src keeps empty lines behind.
 */
static int override_keys(struct psec *dst, struct psec *src)
{
	for (size_t j = 0; j < src->nlines; j++) {
		struct pline *k = src->lines[j].key
					  ? find_key(dst, src->lines[j].key)
					  : NULL;

		if (k) {
			pline_free(k);
			*k = src->lines[j];
		} else if (psec_push(dst, &src->lines[j])) {
			return -ENOMEM;
		}
		memset(&src->lines[j], 0, sizeof(src->lines[j]));
	}
	src->nlines = 0;
	return 0;
}

/* The value of a key line: after the first '=' or ':', trimmed. */
static char *line_value(const struct pline *l)
{
	const char *v = l->text + strcspn(l->text, "=:");

	if (*v)
		v++;
	return trim_dup(v, strlen(v));
}

/*
 * Split @text into sections. A header's kind and name are its first two
 * words; malformed headers are kept as they are for the parser to
 * report (kind "?" and a unique name, so they never merge).
 */
static int split(const char *text, size_t len, size_t file, struct plist *out)
{
	const char *p = text, *end = text + len;
	struct psec *cur;
	int line = 0, ret = -ENOMEM;

	cur = plist_add(out);
	if (!cur)
		return -ENOMEM;
	cur->kind = strdup("");
	cur->name = strdup("");
	if (!cur->kind || !cur->name)
		return -ENOMEM;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		struct pline l = {.file = file, .line = ++line};
		const char *t;

		l.text = span_dup(p, n && p[n - 1] == '\r' ? n - 1 : n);
		p += n + (nl ? 1 : 0);
		if (!l.text)
			return -ENOMEM;
		t = l.text;
		/* A byte order mark hides nothing here either. */
		if (line == 1 && !strncmp(t, "\xef\xbb\xbf", 3))
			t += 3;
		while (isspace((unsigned char)*t))
			t++;
		if (!*t || *t == ';' || *t == '#') {
			free(l.text);
			continue;
		}
		if (*t == '[') {
			char kind[64] = "", name[64] = "";
			const char *close = strchr(t, ']');
			char buf[256];

			snprintf(buf, sizeof(buf), "%.*s",
				 close ? (int)(close - t - 1) : 0, t + 1);
			if (!close ||
			    sscanf(buf, "%63s %63s", kind, name) < 1) {
				snprintf(kind, sizeof(kind), "?");
				snprintf(name, sizeof(name), "%zu:%d", file,
					 line);
			}
			cur = plist_add(out);
			if (!cur) {
				free(l.text);
				return -ENOMEM;
			}
			cur->header = l;
			cur->kind = strdup(kind);
			cur->name = strdup(name);
			if (!cur->kind || !cur->name)
				return -ENOMEM;
			continue;
		}
		if (strpbrk(t, "=:"))
			l.key = trim_dup(t, strcspn(t, "=:"));
		ret = psec_push(cur, &l);
		if (ret) {
			pline_free(&l);
			return ret;
		}
	}
	return 0;
}

static int read_text(const char *path, char **text, size_t *len)
{
	struct stat st;
	FILE *f = fopen(path, "r");
	int err = 0;

	*text = NULL;
	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto close_file;
	}
	if (st.st_size > MAX_FILE_BYTES) {
		err = -EFBIG;
		goto close_file;
	}
	*text = malloc((size_t)st.st_size + 1);
	if (!*text) {
		err = -ENOMEM;
		goto close_file;
	}
	*len = fread(*text, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		err = -EIO;
		free(*text);
		*text = NULL;
	}
close_file:
	fclose(f);
	return err;
}

/*
 * Merge @inc (what a file includes) under @own (the file's sections):
 * @own's sections that no include has come first, in their order, then
 * the included ones in theirs. An own section that an include has too
 * takes that section's place: its keys replace the included ones in
 * place and its new keys follow them. Both lists are consumed.
 */
static int merge_under(struct plist *own, struct plist *inc, struct plist *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < own->n; i++) {
		struct psec *o = &own->v[i];
		struct psec *base =
			*o->kind ? find_sec(inc, o->kind, o->name) : NULL;

		if (!base)
			continue;
		if (override_keys(base, o))
			return -ENOMEM;
		/* Marks the own section as merged. */
		free(o->kind);
		o->kind = strdup("-");
		if (!o->kind)
			return -ENOMEM;
	}
	for (size_t pass = 0; pass < 2; pass++) {
		struct plist *from = pass ? inc : own;

		for (size_t i = 0; i < from->n; i++) {
			struct psec *s = &from->v[i], *d;

			if (!strcmp(s->kind, "-") || (pass && !*s->kind))
				continue;
			d = plist_add(out);
			if (!d)
				return -ENOMEM;
			*d = *s;
			memset(s, 0, sizeof(*s));
		}
	}
	return 0;
}

static int load_file(struct ctx *c, const char *path, const char *from,
		     int from_line, const char *text, size_t len, bool top,
		     struct plist *out);

/*
 * Rewrite the `target = V` lines of @s: with @suffix to V-SUFFIX (one
 * more instance of a profile), else `@service` to the profile's service
 * container.
 */
static int rewrite_targets(struct ctx *c, struct psec *s, const char *suffix)
{
	for (size_t i = 0; i < s->nlines; i++) {
		struct pline *l = &s->lines[i];
		char *v, *t = NULL;
		int n = 0;

		if (!l->key || strcmp(l->key, "target"))
			continue;
		v = line_value(l);
		if (!v)
			return -ENOMEM;
		if (suffix)
			n = asprintf(&t, "target = %s-%s", v, suffix);
		else if (!strcmp(v, "@service") && c->service)
			n = asprintf(&t, "target = %s", c->service);
		else if (!strcmp(v, "@service"))
			cerr(c, c->files[l->file], l->line,
			     "[%s] target: @service, but no profile names a service ([profile] service = NAME)",
			     s->kind);
		free(v);
		if (n < 0)
			return -ENOMEM;
		if (t) {
			free(l->text);
			l->text = t;
		}
	}
	return 0;
}

/*
 * `include = FILE#ID`: one more instance of a profile. Its containers
 * and workloads are renamed NAME-ID and their targets follow, so that a
 * fleet can run a profile several times side by side.
 */
static int rename_instance(struct ctx *c, const char *file, int line,
			   struct plist *l, const char *id)
{
	bool ok = *id != '\0';

	for (const char *q = id; *q; q++)
		ok = ok && (islower((unsigned char)*q) ||
			    isdigit((unsigned char)*q) || *q == '_');
	if (!ok) {
		cerr(c, file, line,
		     "include: instance '#%s' must match [a-z0-9_]+ (e.g. profiles/redis.ini#2)",
		     id);
		return 0;
	}
	for (size_t i = 0; i < l->n; i++) {
		struct psec *s = &l->v[i];
		char *name, *header;

		if (strcmp(s->kind, "container") && strcmp(s->kind, "workload"))
			continue;
		if (asprintf(&name, "%s-%s", s->name, id) < 0)
			return -ENOMEM;
		if (asprintf(&header, "[%s %s]", s->kind, name) < 0) {
			free(name);
			return -ENOMEM;
		}
		free(s->name);
		s->name = name;
		free(s->header.text);
		s->header.text = header;
		if (rewrite_targets(c, s, id))
			return -ENOMEM;
	}
	return 0;
}

/* Each word of an include value, resolved beside @file. */
static int load_includes(struct ctx *c, const char *file, const struct pline *l,
			 bool is_profile, struct plist *inc)
{
	char *v = line_value(l), *save = NULL, *tok;
	int ret = 0;

	if (!v)
		return -ENOMEM;
	if (!*v)
		cerr(c, file, l->line, "[%s] %s: empty value",
		     is_profile ? "scenario" : "...", l->key);
	for (tok = strtok_r(v, " \t,", &save); tok && !ret;
	     tok = strtok_r(NULL, " \t,", &save)) {
		char dir[PATH_MAX], target[PATH_MAX * 2];
		const char *slash = strrchr(file, '/');
		struct plist one = {0}, merged = {0};
		char *instance = strchr(tok, '#');

		if (instance)
			*instance++ = '\0';
		snprintf(dir, sizeof(dir), "%.*s",
			 slash ? (int)(slash - file) : 1, slash ? file : ".");
		if (is_profile) {
			bool ok = *tok != '\0';

			for (const char *q = tok; *q; q++)
				ok = ok && (islower((unsigned char)*q) ||
					    isdigit((unsigned char)*q) ||
					    *q == '_' || *q == '-');
			if (!ok) {
				cerr(c, file, l->line,
				     "[scenario] profile: '%s' is not a profile name ([a-z0-9_-]+, a file profiles/NAME.ini)",
				     tok);
				continue;
			}
			snprintf(target, sizeof(target), "%s/profiles/%s.ini",
				 dir, tok);
		} else if (*tok == '/') {
			snprintf(target, sizeof(target), "%s", tok);
		} else {
			snprintf(target, sizeof(target), "%s/%s", dir, tok);
		}
		ret = load_file(c, target, file, l->line, NULL, 0, false, &one);
		if (!ret && instance)
			ret = rename_instance(c, file, l->line, &one, instance);
		/* Earlier includes keep their place (and win a conflict). */
		if (!ret)
			ret = merge_under(inc, &one, &merged);
		plist_free(&one);
		if (!ret) {
			plist_free(inc);
			*inc = merged;
		} else {
			plist_free(&merged);
		}
	}
	free(v);
	return ret;
}

/* Take the include keys out of @s (and [profile] service). */
static int take_includes(struct ctx *c, const char *file, struct psec *s,
			 bool top, struct plist *inc)
{
	bool profile_sec = !strcmp(s->kind, "profile");
	size_t w = 0;
	int ret = 0;

	for (size_t i = 0; i < s->nlines; i++) {
		struct pline *l = &s->lines[i];
		bool is_profile = l->key && !strcmp(l->key, "profile");
		bool is_include = l->key && !strcmp(l->key, "include");

		if (is_profile && top)
			c->named_profile = true;
		if (is_profile && top && c->sel && c->sel->profile) {
			/* --profile replaces the file's choice. */
			free(l->text);
			l->text = NULL;
			if (asprintf(&l->text, "profile = %s",
				     c->sel->profile) < 0) {
				l->text = NULL;
				ret = -ENOMEM;
			}
		}
		if (!ret && (is_profile || is_include) &&
		    (profile_sec || !strcmp(s->kind, "scenario")))
			ret = load_includes(c, file, l, is_profile, inc);
		else if (!ret && l->key && profile_sec &&
			 !strcmp(l->key, "service") && !c->service)
			c->service = line_value(l);
		else if (!ret && l->key && !strcmp(s->kind, "scenario") &&
			 !strcmp(l->key, "profiles"))
			; /* the list for --profile all: not the parser's */
		else {
			s->lines[w++] = *l;
			continue;
		}
		pline_free(l);
	}
	s->nlines = w;
	return ret;
}

static int load_file(struct ctx *c, const char *path, const char *from,
		     int from_line, const char *text, size_t len, bool top,
		     struct plist *out)
{
	char real[PATH_MAX], *buf = NULL, **files;
	struct plist own = {0}, inc = {0};
	size_t file = c->nfiles;
	int ret;

	if (!text) {
		ret = read_text(path, &buf, &len);
		if (ret) {
			cerr(c, from, from_line, "cannot read included %s: %s",
			     path,
			     ret == -ENOENT
				     ? "no such file (includes are relative to the including file; profile = NAME reads profiles/NAME.ini beside the scenario)"
				     : strerror(-ret));
			return -EINVAL;
		}
		text = buf;
	}
	if (!realpath(path, real))
		snprintf(real, sizeof(real), "%s", path);
	for (size_t i = 0; i < c->depth; i++) {
		if (strcmp(c->stack[i], real))
			continue;
		cerr(c, from, from_line,
		     "include cycle: %s includes itself (through %zu file%s); remove one of the includes",
		     path, c->depth - i, c->depth - i == 1 ? "" : "s");
		ret = -EINVAL;
		goto cleanup;
	}
	if (c->depth == PROFILE_MAX_DEPTH) {
		cerr(c, from, from_line, "includes nested deeper than %d files",
		     PROFILE_MAX_DEPTH);
		ret = -EINVAL;
		goto cleanup;
	}
	files = realloc(c->files, (c->nfiles + 1) * sizeof(*files));
	ret = -ENOMEM;
	if (!files)
		goto cleanup;
	c->files = files;
	c->files[c->nfiles] = strdup(path);
	c->stack[c->depth] = strdup(real);
	if (!c->files[c->nfiles] || !c->stack[c->depth]) {
		free(c->files[c->nfiles]);
		free(c->stack[c->depth]);
		goto cleanup;
	}
	c->nfiles++;
	c->depth++;

	ret = split(text, len, file, &own);
	for (size_t i = 0; !ret && i < own.n; i++) {
		struct psec *s = &own.v[i];
		bool allowed = top || !*s->kind ||
			       !strcmp(s->kind, "profile") ||
			       !strcmp(s->kind, "container") ||
			       !strcmp(s->kind, "workload");

		if (!allowed)
			cerr(c, path, s->header.line,
			     "[%s] in a profile; profiles hold [profile], [container NAME] and [workload NAME] only (put it in the scenario)",
			     s->kind);
		if (!top && !*s->kind && s->nlines)
			cerr(c, path, s->lines[0].line,
			     "key outside any section; a profile starts with [profile] or [container NAME]");
		ret = take_includes(c, path, s, top, &inc);
	}
	if (!ret)
		ret = merge_under(&own, &inc, out);
	c->depth--;
	free(c->stack[c->depth]);
	c->stack[c->depth] = NULL;
cleanup:
	plist_free(&own);
	plist_free(&inc);
	free(buf);
	return ret;
}

/* Merge [intensity NAME] into [anomaly]; drop every [intensity]. */
static int apply_intensity(struct ctx *c, const char *path, struct plist *l)
{
	const char *want = c->sel ? c->sel->intensity : NULL;
	struct psec *anomaly = find_sec(l, "anomaly", "");
	struct psec *pick = NULL;
	char names[256] = "";
	size_t off = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct psec *s = &l->v[i];

		if (strcmp(s->kind, "intensity"))
			continue;
		if (want && !strcmp(s->name, want))
			pick = s;
		if (off < sizeof(names))
			off += (size_t)snprintf(names + off,
						sizeof(names) - off, "%s%s",
						off ? ", " : "", s->name);
	}
	if (want && !pick) {
		cerr(c, path, 0,
		     "--intensity %s: no [intensity %s] section in this file (it has: %s)",
		     want, want, *names ? names : "none");
		return -EINVAL;
	}
	if (pick && !anomaly) {
		cerr(c, path, pick->header.line,
		     "[intensity %s] without [anomaly]: intensities refine the anomaly",
		     pick->name);
		return -EINVAL;
	}
	if (pick && override_keys(anomaly, pick))
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].kind, "intensity") ||
		    !strcmp(l->v[i].kind, "profile")) {
			free(l->v[i].kind);
			l->v[i].kind = strdup("-");
			if (!l->v[i].kind)
				return -ENOMEM;
		}
	return 0;
}

/*
 * A selected variant adds variant = PROFILE_INTENSITY to [scenario]: the
 * trace file is named NAME_VARIANT, while the LABEL keeps the scenario's
 * own name, so that results group by scenario across profiles and
 * intensities (the variant goes into the LABEL's params).
 */
static int add_variant(struct ctx *c, struct psec *scn)
{
	struct pline *name = scn ? find_key(scn, "name") : NULL;
	struct pline l = {0};
	int err;

	if (!name || !c->sel || (!c->sel->profile && !c->sel->intensity))
		return 0;
	if (asprintf(&l.text, "variant = %s%s%s",
		     c->sel->profile ? c->sel->profile : "",
		     c->sel->profile && c->sel->intensity ? "_" : "",
		     c->sel->intensity ? c->sel->intensity : "") < 0)
		return -ENOMEM;
	for (char *p = l.text + strlen("variant = "); *p; p++)
		if (*p == '-')
			*p = '_';
	l.key = strdup("variant");
	l.file = name->file;
	l.line = name->line;
	err = l.key ? psec_push(scn, &l) : -ENOMEM;
	if (err) {
		free(l.text);
		free(l.key);
	}
	return err;
}

static int emit_line(struct profile_source *out, const struct pline *l,
		     size_t *cap, size_t *lcap)
{
	size_t n = strlen(l->text);

	if (out->len + n + 2 > *cap) {
		char *t = realloc(out->text, *cap * 2 + n + 4096);

		if (!t)
			return -ENOMEM;
		out->text = t;
		*cap = *cap * 2 + n + 4096;
	}
	if (out->nlines == *lcap) {
		struct scenario_line_origin *o =
			realloc(out->origin, (*lcap * 2 + 64) * sizeof(*o));

		if (!o)
			return -ENOMEM;
		out->origin = o;
		*lcap = *lcap * 2 + 64;
	}
	memcpy(out->text + out->len, l->text, n);
	out->len += n;
	out->text[out->len++] = '\n';
	out->text[out->len] = '\0';
	out->origin[out->nlines].file = l->file;
	out->origin[out->nlines].line = l->line;
	out->nlines++;
	return 0;
}

static int emit(const struct plist *l, struct profile_source *out)
{
	size_t cap = 0, lcap = 0;
	int ret = 0;

	for (size_t i = 0; !ret && i < l->n; i++) {
		const struct psec *s = &l->v[i];

		if (!strcmp(s->kind, "-"))
			continue;
		if (*s->kind)
			ret = emit_line(out, &s->header, &cap, &lcap);
		for (size_t j = 0; !ret && j < s->nlines; j++)
			ret = emit_line(out, &s->lines[j], &cap, &lcap);
	}
	if (!ret && !out->text) {
		out->text = strdup("");
		if (!out->text)
			ret = -ENOMEM;
	}
	return ret;
}

void profile_source_free(struct profile_source *src)
{
	if (!src)
		return;
	free(src->text);
	free(src->origin);
	for (size_t i = 0; i < src->nfiles; i++)
		free(src->files[i]);
	free(src->files);
	memset(src, 0, sizeof(*src));
}

int profile_expand(const char *path, const char *text, size_t len,
		   const struct profile_select *sel, struct profile_source *out,
		   char *err, size_t err_sz)
{
	struct ctx c = {.sel = sel, .err = err, .err_sz = err_sz};
	struct plist l = {0};
	int ret;

	memset(out, 0, sizeof(*out));
	if (err && err_sz)
		err[0] = '\0';
	ret = load_file(&c, path, path, 0, text, len, true, &l);
	if (!ret && sel && sel->profile && !c.named_profile) {
		cerr(&c, path, 0,
		     "--profile %s: this scenario names no profile (no profile = NAME in [scenario])",
		     sel->profile);
		ret = -EINVAL;
	}
	if (!ret)
		ret = apply_intensity(&c, path, &l);
	for (size_t i = 0; !ret && i < l.n; i++)
		if (!strcmp(l.v[i].kind, "anomaly") ||
		    !strcmp(l.v[i].kind, "workload"))
			ret = rewrite_targets(&c, &l.v[i], NULL);
	if (!ret)
		ret = add_variant(&c, find_sec(&l, "scenario", ""));
	if (!ret && c.failed)
		ret = -EINVAL;
	if (!ret)
		ret = emit(&l, out);
	plist_free(&l);
	free(c.service);
	out->files = c.files;
	out->nfiles = c.nfiles;
	if (ret) {
		if (ret == -ENOMEM && err && err_sz)
			snprintf(err, err_sz, "%s: out of memory\n", path);
		else if (!c.failed && err && err_sz)
			snprintf(err, err_sz, "%s: %s\n", path, strerror(-ret));
		profile_source_free(out);
	}
	return ret;
}

/* A line "profile =", "include =" or a [profile] / [intensity] header. */
bool profile_needed(const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *t = p;

		while (t < p + n && isspace((unsigned char)*t))
			t++;
		if (!strncmp(t, "[profile", 8) || !strncmp(t, "[intensity", 10))
			return true;
		for (const char *k = "profile\0include\0"; *k;
		     k += strlen(k) + 1) {
			size_t kl = strlen(k);
			const char *q = t + kl;

			if ((size_t)(p + n - t) <= kl || strncmp(t, k, kl))
				continue;
			while (q < p + n && (*q == ' ' || *q == '\t'))
				q++;
			if (q < p + n && (*q == '=' || *q == ':'))
				return true;
		}
		p += n + 1;
	}
	return false;
}

void profile_variants_free(struct profile_variants *v)
{
	for (size_t i = 0; i < v->nprofiles; i++)
		free(v->profiles[i]);
	for (size_t i = 0; i < v->nintensities; i++)
		free(v->intensities[i]);
	memset(v, 0, sizeof(*v));
}

int profile_variants(const char *path, struct profile_variants *v, char *err,
		     size_t err_sz)
{
	struct plist l = {0};
	struct psec *scn;
	struct pline *pl;
	char *text = NULL, *val = NULL, *save = NULL, *tok;
	size_t len = 0;
	int ret;

	memset(v, 0, sizeof(*v));
	ret = read_text(path, &text, &len);
	if (ret) {
		snprintf(err, err_sz, "%s: cannot read: %s\n", path,
			 strerror(-ret));
		return ret;
	}
	ret = split(text, len, 0, &l);
	if (ret)
		goto cleanup;
	for (size_t i = 0; i < l.n; i++) {
		if (strcmp(l.v[i].kind, "intensity") ||
		    v->nintensities == PROFILE_MAX_VARIANTS)
			continue;
		v->intensities[v->nintensities] = strdup(l.v[i].name);
		if (!v->intensities[v->nintensities++]) {
			ret = -ENOMEM;
			goto cleanup;
		}
	}
	scn = find_sec(&l, "scenario", "");
	pl = scn ? find_key(scn, "profiles") : NULL;
	if (!pl)
		pl = scn ? find_key(scn, "profile") : NULL;
	if (pl) {
		val = line_value(pl);
		if (!val) {
			ret = -ENOMEM;
			goto cleanup;
		}
		for (tok = strtok_r(val, " \t,", &save);
		     tok && v->nprofiles < PROFILE_MAX_VARIANTS;
		     tok = strtok_r(NULL, " \t,", &save)) {
			v->profiles[v->nprofiles] = strdup(tok);
			if (!v->profiles[v->nprofiles++]) {
				ret = -ENOMEM;
				goto cleanup;
			}
		}
	}
cleanup:
	if (ret == -ENOMEM)
		snprintf(err, err_sz, "%s: out of memory\n", path);
	if (ret)
		profile_variants_free(v);
	free(val);
	plist_free(&l);
	free(text);
	return ret;
}

struct scenario *scenario__load_variant(const char *path,
					const struct scenario_opts *opts,
					const struct profile_select *sel)
{
	struct scenario_opts o = {.sz = sizeof(o)};
	struct profile_source src;
	struct scenario *s = NULL;
	char *text = NULL;
	size_t len = 0;
	int ret;

	if (opts)
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (sel && !sel->profile && !sel->intensity)
		sel = NULL;
	ret = read_text(path, &text, &len);
	/* The parser's own reading says what is wrong with the file. */
	if (ret || (!sel && !profile_needed(text, len))) {
		free(text);
		return scenario__load(path, opts);
	}
	ret = profile_expand(path, text, len, sel, &src, o.errbuf, o.errbuf_sz);
	free(text);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	if (!o.display_path)
		o.display_path = path;
	o.origin = src.origin;
	o.norigin = src.nlines;
	o.origin_files = (const char *const *)src.files;
	s = scenario__load_mem(src.text, src.len, &o);
	ret = s ? 0 : errno;
	profile_source_free(&src);
	if (ret)
		errno = ret;
	return s;
}

void profile_jobs_free(struct profile_job *jobs, size_t njobs)
{
	for (size_t i = 0; jobs && i < njobs; i++) {
		free(jobs[i].profile);
		free(jobs[i].intensity);
	}
	free(jobs);
}

/* Names from "a,b" or, for "all", from the file (none: one NULL). */
static int pick_names(const char *arg, char *const *from, size_t nfrom,
		      char **out, size_t *nout)
{
	char *copy, *save = NULL, *tok;

	*nout = 0;
	if (!arg || (!strcmp(arg, "all") && !nfrom)) {
		out[(*nout)++] = NULL;
		return 0;
	}
	if (!strcmp(arg, "all")) {
		for (size_t i = 0; i < nfrom; i++) {
			out[i] = strdup(from[i]);
			if (!out[i])
				return -ENOMEM;
			(*nout)++;
		}
		return 0;
	}
	copy = strdup(arg);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save);
	     tok && *nout < PROFILE_MAX_VARIANTS;
	     tok = strtok_r(NULL, ",", &save)) {
		out[*nout] = strdup(tok);
		if (!out[(*nout)++]) {
			free(copy);
			return -ENOMEM;
		}
	}
	free(copy);
	return 0;
}

int profile_jobs(char *const *files, size_t nfiles, const char *profiles,
		 const char *intensities, struct profile_job **jobs,
		 size_t *njobs, char *err, size_t err_sz)
{
	struct profile_job *v = NULL;
	size_t n = 0;
	int ret = 0;

	*jobs = NULL;
	*njobs = 0;
	for (size_t f = 0; f < nfiles && !ret; f++) {
		struct profile_variants var = {0};
		char *ps[PROFILE_MAX_VARIANTS] = {0};
		char *is[PROFILE_MAX_VARIANTS] = {0};
		size_t np = 0, ni = 0;

		/* An unreadable file is the parser's to report. */
		if ((profiles || intensities) &&
		    profile_variants(files[f], &var, err, err_sz))
			memset(&var, 0, sizeof(var));
		ret = pick_names(profiles, var.profiles, var.nprofiles, ps,
				 &np);
		if (!ret)
			ret = pick_names(intensities, var.intensities,
					 var.nintensities, is, &ni);
		for (size_t p = 0; !ret && p < np; p++) {
			for (size_t i = 0; !ret && i < ni; i++) {
				struct profile_job *j;

				j = realloc(v, (n + 1) * sizeof(*v));
				if (!j) {
					ret = -ENOMEM;
					break;
				}
				v = j;
				j = &v[n++];
				memset(j, 0, sizeof(*j));
				j->path = files[f];
				j->profile = ps[p] ? strdup(ps[p]) : NULL;
				j->intensity = is[i] ? strdup(is[i]) : NULL;
				if ((ps[p] && !j->profile) ||
				    (is[i] && !j->intensity))
					ret = -ENOMEM;
				j->sel.profile = j->profile;
				j->sel.intensity = j->intensity;
			}
		}
		for (size_t i = 0; i < PROFILE_MAX_VARIANTS; i++) {
			free(ps[i]);
			free(is[i]);
		}
		profile_variants_free(&var);
	}
	if (ret) {
		snprintf(err, err_sz, "out of memory\n");
		profile_jobs_free(v, n);
		return ret;
	}
	*jobs = v;
	*njobs = n;
	return 0;
}
