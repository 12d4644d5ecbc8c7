// SPDX-License-Identifier: MIT
/*
 * cadet import: convert external datasets into cadet traces.
 *
 * adfa-ld: ADFA-LD (Creech and Hu, 2013), read straight from its zip file
 * with libzip (or from an unpacked copy). Every ADFA-LD trace, a text file
 * of blank-separated syscall numbers of one process, becomes one synthetic
 * container in a cadet trace:
 *
 *   CONTAINER_ADD  at the trace's start, cgroup id unique in the dataset
 *   LABEL          normal (training, validation) or anomaly with the
 *                  attack class, spanning the whole trace
 *   SYSCALL        one per number, 1 us apart (ADFA-LD has no times)
 *   CONTAINER_REMOVE at the trace's end
 *
 * Up to --per-file ADFA-LD traces share one cadet file, one after another
 * with at least a second of trace time between them (each starts on a
 * whole second), so the dataset is ~100 files instead of ~6,000. Output:
 * train/ (Training_Data_Master), val/ (Validation_Data_Master),
 * attack/CLASS/ (Attack_Data_Master/CLASS_N) and MANIFEST.json.
 */
#include <argp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <zip.h>

#include "cadet/trace.h"
#include "lib/util/fs.h"
#include "lib/util/version.h"
#include "lib/util/vec.h"
#include "tools/commands.h"

/* "cadet import VERSION", as the header and the manifest name the importer. */
static const char *importer_version(void)
{
	static char buf[96];

	if (!buf[0])
		snprintf(buf, sizeof(buf), "cadet import %s", CADET_VERSION);
	return buf;
}

#define ADFA_SYSCALL_GAP_NS 1000ull     /* 1 us between syscalls */
#define ADFA_SEC 1000000000ull
#define ADFA_FIRST_TS ADFA_SEC          /* first trace starts at 1 s */
#define ADFA_MAX_TRACE (64u << 20)      /* bytes of one trace file */

enum adfa_split {
	SPLIT_TRAIN,
	SPLIT_VAL,
	SPLIT_ATTACK,
	SPLIT_CNT,
};

static const char *const split_dir[SPLIT_CNT] = { "train", "val", "attack" };
static const char *const split_src[SPLIT_CNT] = {
	"Training_Data_Master", "Validation_Data_Master", "Attack_Data_Master",
};
static const char *const split_phase[SPLIT_CNT] = { "train", "validation",
						    "test" };

struct adfa_entry {
	enum adfa_split split;
	char *cls;              /* attack class ("Adduser"), "" otherwise */
	char *rel;              /* path from the dataset root, for labels */
	char *name;             /* file name without .txt */
	zip_int64_t zidx;       /* index in the zip, or -1 */
	char *path;             /* file on disk (directory input) */
};

struct import_args {
	const char *format;
	const char *input;
	const char *outdir;
	unsigned long per_file;
	int level;
	int argc;
	char **argv;
};

static const char doc[] =
	"Convert an external dataset into cadet traces.\n\n"
	"FORMAT is adfa-ld: INPUT is ADFA-LD.zip (read in place) or its "
	"unpacked folder. Writes train/, val/, attack/CLASS/ and "
	"MANIFEST.json under --output.\n\n"
	"Example:\n"
	"  cadet import adfa-ld ../shared/datasets/external/ADFA-LD.zip "
	"-o datasets/adfa-ld/";

static const struct argp_option options[] = {
	{ "output", 'o', "DIR", 0, "Output folder (created)", 0 },
	{ "per-file", 'n', "N", 0,
	  "ADFA-LD traces per cadet file (default 100)", 0 },
	{ "level", 'l', "N", 0, "zstd level (default 3)", 0 },
	{ 0 },
};

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct import_args *a = state->input;
	char *end;

	switch (key) {
	case 'o':
		a->outdir = arg;
		break;
	case 'n':
		errno = 0;
		a->per_file = strtoul(arg, &end, 10);
		if (errno || *end || !a->per_file || a->per_file > 100000)
			argp_error(state, "--per-file must be in [1, 100000]");
		break;
	case 'l':
		a->level = atoi(arg);
		if (a->level < 1 || a->level > 19)
			argp_error(state, "--level must be in [1, 19]");
		break;
	case ARGP_KEY_ARG:
		if (state->arg_num == 0)
			a->format = arg;
		else if (state->arg_num == 1)
			a->input = arg;
		else
			argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (!a->input)
			argp_error(state, "need FORMAT and INPUT");
		if (!a->outdir)
			argp_error(state, "need --output DIR");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* ---- collecting entries ---- */

struct entries {
	struct adfa_entry *v;
	size_t n;
	size_t cap;
};

static void entries_release(struct entries *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].cls);
		free(e->v[i].rel);
		free(e->v[i].name);
		free(e->v[i].path);
	}
	free(e->v);
}

/*
 * Classifies "[prefix/]Training_Data_Master/X.txt",
 * "[prefix/]Validation_Data_Master/X.txt" and
 * "[prefix/]Attack_Data_Master/CLASS_N/X.txt"; other names are not
 * traces (0 returned, nothing added). -ENOMEM on failure.
 */
static int entries_add(struct entries *e, const char *name, zip_int64_t zidx,
		       const char *path)
{
	struct adfa_entry *a;
	const char *p = NULL, *base, *cls_end;
	int split;
	size_t blen;

	for (split = 0; split < SPLIT_CNT; split++) {
		const char *hit = strstr(name, split_src[split]);

		if (hit && (hit == name || hit[-1] == '/') &&
		    hit[strlen(split_src[split])] == '/') {
			p = hit;
			break;
		}
	}
	if (!p)
		return 0;
	base = strrchr(name, '/') + 1;
	blen = strlen(base);
	if (blen <= 4 || strcmp(base + blen - 4, ".txt"))
		return 0;
	p += strlen(split_src[split]) + 1;
	/* Training and validation traces sit directly in their folder. */
	if ((split != SPLIT_ATTACK) != (strchr(p, '/') == NULL))
		return 0;
	if (vec_reserve(&e->v, &e->cap, e->n + 1, sizeof(*e->v)))
		return -ENOMEM;
	a = &e->v[e->n];
	memset(a, 0, sizeof(*a));
	a->split = split;
	a->zidx = zidx;
	if (split == SPLIT_ATTACK) {
		/* "Adduser_1/UAD-..." -> class "Adduser" */
		cls_end = strchr(p, '/');
		while (cls_end > p && cls_end[-1] >= '0' && cls_end[-1] <= '9')
			cls_end--;
		if (cls_end > p && cls_end[-1] == '_')
			cls_end--;
		a->cls = strndup(p, cls_end - p);
	} else {
		a->cls = strdup("");
	}
	a->rel = strdup(p - strlen(split_src[split]) - 1);
	a->name = strndup(base, blen - 4);
	a->path = path ? strdup(path) : NULL;
	e->n++;
	if (!a->cls || !a->rel || !a->name || (path && !a->path))
		return -ENOMEM;
	return 1;
}

static int entry_cmp(const void *x, const void *y)
{
	const struct adfa_entry *a = x, *b = y;
	int c;

	if (a->split != b->split)
		return a->split < b->split ? -1 : 1;
	c = strcmp(a->cls, b->cls);
	return c ? c : strcmp(a->rel, b->rel);
}

static int walk_dir(struct entries *e, const char *root, const char *rel)
{
	char path[4096];
	struct dirent *d;
	DIR *dir;
	int ret = 0;

	snprintf(path, sizeof(path), "%s%s%s", root, *rel ? "/" : "", rel);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)) && !ret) {
		char sub[4096], full[8192];
		struct stat st;

		if (d->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "",
			 d->d_name);
		snprintf(full, sizeof(full), "%s/%s", root, sub);
		if (stat(full, &st))
			continue;
		if (S_ISDIR(st.st_mode))
			ret = walk_dir(e, root, sub);
		else if (S_ISREG(st.st_mode))
			ret = entries_add(e, sub, -1, full) < 0 ? -ENOMEM : 0;
	}
	closedir(dir);
	return ret;
}

/* ---- reading one trace ---- */

struct nums {
	int32_t *v;
	size_t n;
	size_t cap;
};

static int read_entry(zip_t *z, const struct adfa_entry *a, char **text,
		      size_t *len)
{
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (a->zidx >= 0) {
		zip_stat_t st;
		zip_file_t *f;
		zip_int64_t got;

		if (zip_stat_index(z, a->zidx, 0, &st) ||
		    !(st.valid & ZIP_STAT_SIZE) || st.size > ADFA_MAX_TRACE)
			return -EFBIG;
		buf = malloc(st.size + 1);
		if (!buf)
			return -ENOMEM;
		f = zip_fopen_index(z, a->zidx, 0);
		if (!f) {
			free(buf);
			return -EIO;
		}
		got = zip_fread(f, buf, st.size);
		zip_fclose(f);
		if (got < 0 || (zip_uint64_t)got != st.size) {
			free(buf);
			return -EIO;
		}
		n = st.size;
	} else {
		FILE *f = fopen(a->path, "rb");

		if (!f)
			return -errno;
		for (;;) {
			size_t got;

			if (cap - n < 4096) {
				char *nb;

				cap = cap ? cap * 2 : 65536;
				nb = cap > ADFA_MAX_TRACE ? NULL :
							    realloc(buf, cap);
				if (!nb) {
					free(buf);
					fclose(f);
					return -EFBIG;
				}
				buf = nb;
			}
			got = fread(buf + n, 1, cap - n - 1, f);
			n += got;
			if (!got)
				break;
		}
		fclose(f);
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/* Parses blank-separated syscall numbers; -EBADMSG with @why otherwise. */
static int parse_nums(const char *text, size_t len, struct nums *out,
		      char *why, size_t whylen)
{
	size_t i = 0;

	out->n = 0;
	while (i < len) {
		long v = 0;
		size_t start;

		while (i < len && (text[i] == ' ' || text[i] == '\n' ||
				   text[i] == '\r' || text[i] == '\t'))
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && text[i] >= '0' && text[i] <= '9' &&
		       i - start < 9)
			v = v * 10 + (text[i++] - '0');
		if (i == start || (i < len && text[i] != ' ' &&
				   text[i] != '\n' && text[i] != '\r' &&
				   text[i] != '\t')) {
			snprintf(why, whylen, "byte %zu: expected a syscall "
					      "number",
				 i);
			return -EBADMSG;
		}
		if (vec_reserve(&out->v, &out->cap, out->n + 1,
				sizeof(*out->v)))
			return -ENOMEM;
		out->v[out->n++] = (int32_t)v;
	}
	return 0;
}

/* ---- writing ---- */

struct writer_ctx {
	struct cadet_recbuf *b;
	struct cadet_writer *w;
	uint64_t next_start;    /* start of the next trace in this file */
	const char *cmdline;
	int level;
};

static int put_str(struct cadet_recbuf *b, size_t off, const char *s)
{
	return cadet_recbuf__put_str(b, off, s, strlen(s));
}

static int open_file(struct writer_ctx *c, const char *path)
{
	struct cadet_writer_opts o = { .sz = sizeof(o), .level = c->level };
	struct cadet_rec_header *h;
	int err;

	h = cadet_recbuf__start(c->b, CADET_REC_HEADER, sizeof(*h));
	if (!h)
		return -errno;
	h->h.ts = ADFA_FIRST_TS;
	h->clock_id = 1;
	h->ncpus = 1;
	h->start_ts = ADFA_FIRST_TS;
	h->probes = CADET_PROBE_SYSCALL_SEQ;
	h->interval_ns = ADFA_SEC;
	err = put_str(c->b, offsetof(struct cadet_rec_header, kernel_release),
		      "unknown (ADFA-LD, Ubuntu 11.04)");
	if (!err)
		err = put_str(c->b, offsetof(struct cadet_rec_header, hostname),
			      "adfa-ld");
	if (!err)
		err = put_str(c->b,
			      offsetof(struct cadet_rec_header,
				       recorder_version),
			      importer_version());
	if (!err)
		err = put_str(c->b, offsetof(struct cadet_rec_header, cmdline),
			      c->cmdline);
	if (err)
		return err;
	c->w = cadet_writer__create(path, cadet_recbuf__rec(c->b), &o);
	if (!c->w)
		return -errno;
	c->next_start = ADFA_FIRST_TS;
	return 0;
}

static int add_container(struct writer_ctx *c, unsigned int type,
			 uint64_t ts, uint64_t cg, const struct adfa_entry *a)
{
	struct cadet_rec_container *r;
	char cgpath[512];
	int err;

	r = cadet_recbuf__start(c->b, type, sizeof(*r));
	if (!r)
		return -errno;
	r->h.ts = ts;
	r->h.cgroup_id = cg;
	strcpy(r->runtime, "adfa-ld");
	snprintf(cgpath, sizeof(cgpath), "adfa-ld/%s", a->name);
	err = put_str(c->b, offsetof(struct cadet_rec_container, id), a->rel);
	if (!err)
		err = put_str(c->b, offsetof(struct cadet_rec_container, name),
			      a->name);
	if (!err)
		err = put_str(c->b, offsetof(struct cadet_rec_container, image),
			      "ADFA-LD");
	if (!err)
		err = put_str(c->b,
			      offsetof(struct cadet_rec_container, cgroup_path),
			      cgpath);
	return err ? err : cadet_writer__add(c->w, cadet_recbuf__rec(c->b));
}

static int add_trace(struct writer_ctx *c, const struct adfa_entry *a,
		     uint64_t cg, const struct nums *nums)
{
	uint64_t start = c->next_start;
	uint64_t end = start + nums->n * ADFA_SYSCALL_GAP_NS;
	struct cadet_rec_label *l;
	char params[1024];
	int err;

	err = add_container(c, CADET_REC_CONTAINER_ADD, start, cg, a);
	if (err)
		return err;
	l = cadet_recbuf__start(c->b, CADET_REC_LABEL, sizeof(*l));
	if (!l)
		return -errno;
	l->h.ts = start;
	l->h.cgroup_id = cg;
	l->start_ts = start;
	l->end_ts = end;
	l->intensity = a->split == SPLIT_ATTACK ? 1.0 : 0.0;
	strcpy(l->kind, a->split == SPLIT_ATTACK ? "anomaly" : "normal");
	snprintf(params, sizeof(params), "split=%s source=%s",
		 split_dir[a->split], a->rel);
	err = put_str(c->b, offsetof(struct cadet_rec_label, scenario),
		      "adfa-ld");
	if (!err)
		err = put_str(c->b, offsetof(struct cadet_rec_label, anomaly),
			      a->cls);
	if (!err)
		err = put_str(c->b, offsetof(struct cadet_rec_label, target),
			      a->name);
	if (!err)
		err = put_str(c->b, offsetof(struct cadet_rec_label, params),
			      params);
	if (!err)
		err = cadet_writer__add(c->w, cadet_recbuf__rec(c->b));
	for (size_t i = 0; !err && i < nums->n; i++) {
		struct cadet_rec_syscall *s;

		s = cadet_recbuf__start(c->b, CADET_REC_SYSCALL, sizeof(*s));
		if (!s)
			return -errno;
		s->h.ts = start + i * ADFA_SYSCALL_GAP_NS;
		s->h.cgroup_id = cg;
		s->h.pid = (uint32_t)cg;
		s->h.tid = (uint32_t)cg;
		memcpy(s->h.comm, "adfa", 5);
		s->nr = nums->v[i];
		err = cadet_writer__add(c->w, cadet_recbuf__rec(c->b));
	}
	if (!err)
		err = add_container(c, CADET_REC_CONTAINER_REMOVE, end, cg, a);
	/* Next trace: on a whole second, at least one second later. */
	c->next_start = (end / ADFA_SEC + 2) * ADFA_SEC;
	return err;
}

/* Counters of one group (a split, or one attack class). */
static json_t *group_new(void)
{
	json_t *g = json_object();

	if (g) {
		json_object_set_new(g, "files", json_array());
		json_object_set_new(g, "traces", json_integer(0));
		json_object_set_new(g, "syscalls", json_integer(0));
	}
	return g;
}

static void group_count(json_t *g, size_t syscalls)
{
	json_t *t = json_object_get(g, "traces");
	json_t *s = json_object_get(g, "syscalls");

	json_integer_set(t, json_integer_value(t) + 1);
	json_integer_set(s, json_integer_value(s) + (json_int_t)syscalls);
}

static int import_adfa(struct import_args *args)
{
	struct entries e = { 0 };
	struct writer_ctx c = { .level = args->level };
	struct nums nums = { 0 };
	json_t *man = NULL, *splits;
	json_t *groups[SPLIT_CNT] = { 0 };
	char cmdline[4096] = "", why[256];
	zip_t *z = NULL;
	struct stat st;
	size_t nfiles = 0, i = 0;
	int err = 0, zerr;

	for (int k = 0; k < args->argc; k++) {
		size_t n = strlen(cmdline);

		snprintf(cmdline + n, sizeof(cmdline) - n, "%s%s", k ? " " : "",
			 args->argv[k]);
	}
	c.cmdline = cmdline;
	if (stat(args->input, &st)) {
		fprintf(stderr, "import: %s: %s\n", args->input,
			strerror(errno));
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		err = walk_dir(&e, args->input, "");
	} else {
		z = zip_open(args->input, ZIP_RDONLY, &zerr);
		if (!z) {
			zip_error_t ze;

			zip_error_init_with_code(&ze, zerr);
			fprintf(stderr, "import: %s: not a readable zip file: "
					"%s\n",
				args->input, zip_error_strerror(&ze));
			zip_error_fini(&ze);
			return 1;
		}
		for (zip_int64_t k = 0; k < zip_get_num_entries(z, 0) && !err;
		     k++) {
			const char *name = zip_get_name(z, k, 0);

			if (name && entries_add(&e, name, k, NULL) < 0)
				err = -ENOMEM;
		}
	}
	if (err) {
		fprintf(stderr, "import: reading %s: %s\n", args->input,
			strerror(-err));
		goto cleanup;
	}
	if (!e.n) {
		fprintf(stderr, "import: %s holds no ADFA-LD traces (expected "
				"Training_Data_Master/, "
				"Validation_Data_Master/ and "
				"Attack_Data_Master/ folders of .txt files)\n",
			args->input);
		err = -ENOENT;
		goto cleanup;
	}
	/* Sorted, so that output never depends on the archive's order. */
	qsort(e.v, e.n, sizeof(e.v[0]), entry_cmp);

	c.b = cadet_recbuf__new();
	man = json_object();
	splits = json_object();
	if (!c.b || !man || !splits) {
		err = -ENOMEM;
		goto cleanup;
	}
	json_object_set_new(man, "dataset", json_string("adfa-ld"));
	json_object_set_new(man, "format", json_string("cadet"));
	json_object_set_new(man, "source", json_string(args->input));
	json_object_set_new(man, "importer",
			    json_string(importer_version()));
	json_object_set_new(man, "traces_per_file",
			    json_integer(args->per_file));
	json_object_set_new(
		man, "timing",
		json_string("synthetic: syscalls 1 us apart; each ADFA-LD "
			    "trace is one container, starting on a whole "
			    "second at least 1 s after the previous one"));
	json_object_set_new(man, "splits", splits);
	for (int s = 0; s < SPLIT_CNT; s++) {
		groups[s] = group_new();
		if (!groups[s]) {
			err = -ENOMEM;
			goto cleanup;
		}
		json_object_set_new(groups[s], "phase",
				    json_string(split_phase[s]));
		json_object_set_new(groups[s], "source",
				    json_string(split_src[s]));
		if (s == SPLIT_ATTACK)
			json_object_set_new(groups[s], "classes",
					    json_object());
		json_object_set(splits, split_dir[s], groups[s]);
	}

	while (i < e.n) {
		const struct adfa_entry *first = &e.v[i];
		char dir[4600], path[4600], rel[600];
		json_t *cls = NULL;
		size_t k;

		if (first->split == SPLIT_ATTACK) {
			json_t *classes =
				json_object_get(groups[SPLIT_ATTACK], "classes");

			cls = json_object_get(classes, first->cls);
			if (!cls) {
				cls = group_new();
				json_object_set_new(classes, first->cls, cls);
			}
			snprintf(rel, sizeof(rel), "attack/%s/%s-%03zu.cadet",
				 first->cls, first->cls,
				 json_array_size(json_object_get(cls,
								 "files")));
		} else {
			snprintf(rel, sizeof(rel), "%s/%s-%03zu.cadet",
				 split_dir[first->split],
				 split_dir[first->split],
				 json_array_size(json_object_get(
					 groups[first->split], "files")));
		}
		snprintf(path, sizeof(path), "%s/%s", args->outdir, rel);
		snprintf(dir, sizeof(dir), "%s", path);
		*strrchr(dir, '/') = '\0';
		err = util_mkdir_p(dir);
		if (!err)
			err = open_file(&c, path);
		if (err) {
			fprintf(stderr, "import: cannot create %s: %s\n", path,
				strerror(-err));
			goto cleanup;
		}
		for (k = i; k < e.n && k - i < args->per_file &&
			    e.v[k].split == first->split &&
			    !strcmp(e.v[k].cls, first->cls);
		     k++) {
			char *text = NULL;
			size_t len = 0;

			err = read_entry(z, &e.v[k], &text, &len);
			if (err) {
				fprintf(stderr, "import: %s: cannot read: %s\n",
					e.v[k].rel, strerror(-err));
				goto cleanup;
			}
			err = parse_nums(text, len, &nums, why, sizeof(why));
			free(text);
			if (err) {
				fprintf(stderr, "import: %s: %s\n", e.v[k].rel,
					err == -EBADMSG ? why :
							  strerror(-err));
				goto cleanup;
			}
			/* cgroup ids 1..N in sorted order: unique, stable. */
			err = add_trace(&c, &e.v[k], k + 1, &nums);
			if (err) {
				fprintf(stderr, "import: writing %s: %s\n",
					path, strerror(-err));
				goto cleanup;
			}
			group_count(groups[e.v[k].split], nums.n);
			if (cls)
				group_count(cls, nums.n);
		}
		err = cadet_writer__close(c.w);
		c.w = NULL;
		if (err) {
			fprintf(stderr, "import: writing %s: %s\n", path,
				strerror(-err));
			goto cleanup;
		}
		json_array_append_new(json_object_get(groups[first->split],
						      "files"),
				      json_string(rel));
		if (cls)
			json_array_append_new(json_object_get(cls, "files"),
					      json_string(rel));
		nfiles++;
		i = k;
	}
	{
		char mpath[4200];

		snprintf(mpath, sizeof(mpath), "%s/MANIFEST.json",
			 args->outdir);
		if (json_dump_file(man, mpath,
				   JSON_INDENT(2) | JSON_SORT_KEYS)) {
			fprintf(stderr, "import: cannot write %s\n", mpath);
			err = -EIO;
			goto cleanup;
		}
	}
	for (int s = 0; s < SPLIT_CNT; s++)
		printf("%-6s %5lld traces %9lld syscalls\n", split_dir[s],
		       json_integer_value(json_object_get(groups[s], "traces")),
		       json_integer_value(
			       json_object_get(groups[s], "syscalls")));
	printf("wrote %zu cadet files and MANIFEST.json to %s\n", nfiles,
	       args->outdir);

cleanup:
	if (c.w)
		cadet_writer__free(c.w);
	cadet_recbuf__free(c.b);
	for (int s = 0; s < SPLIT_CNT; s++)
		json_decref(groups[s]);
	json_decref(man);
	free(nums.v);
	entries_release(&e);
	if (z)
		zip_discard(z);
	return err ? 1 : 0;
}

int cmd_import(int argc, char **argv)
{
	struct import_args args = { .per_file = 100, .level = 3,
				    .argc = argc, .argv = argv };
	const struct argp argp = { options, parse_opt, "FORMAT INPUT", doc };

	if (argp_parse(&argp, argc, argv, 0, NULL, &args))
		return 2;
	if (strcmp(args.format, "adfa-ld")) {
		fprintf(stderr, "import: unknown format '%s'; supported: "
				"adfa-ld\n",
			args.format);
		return 2;
	}
	return import_adfa(&args);
}
