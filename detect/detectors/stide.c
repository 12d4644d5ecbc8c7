// SPDX-License-Identifier: MIT
/*
 * stide: sequence time-delay embedding over syscall streams (Forrest et
 * al., "A Sense of Self for Unix Processes", 1996; locality frame count
 * from Hofmeyr, Forrest and Somayaji, 1998).
 *
 * Training collects every length-n window of syscall numbers of every
 * thread stream (CADET_REC_SYSCALL records, one stream per tid) into a
 * database of normal windows per process image: the comm of the record
 * that ends the window (by=image, default), or one database for all
 * (by=all, classic STIDE). In validation and test each new window of a
 * stream is looked up in its image's database; a window absent from it
 * is a mismatch. A known program is held to its own windows. An image no
 * training trace ran is not judged by default (unknown=skip): a new
 * process is not an anomaly by itself (the reference payloads are new
 * processes: stide flagged them, not what they did); unknown=union looks
 * its windows up in every image's database (a new program may do what
 * any normal program does). The score of a window is the fraction of mismatches among the
 * last `lfc` windows of its stream (the locality frame): LFC mismatches /
 * lfc, in [0, 1]. Scores go to the host per container, either the
 * maximum over each tick (emit=tick, default) or one per window
 * (emit=window).
 *
 * The database is an array of (image, window) keys sorted
 * lexicographically, the image a 31-bit FNV-1a hash of the comm: lookups
 * are binary searches and nothing depends on addresses or hashing order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detectors/detectors.h"
#include "detect/util.h"
#include "lib/util/bsearch.h"

#define STIDE_N_MAX 64
#define STIDE_LFC_MAX 100000
/* Merge the training buffer into the database past this many windows. */
#define STIDE_MERGE_MIN (1u << 18)

struct stide_stream {
	uint64_t cg;
	uint64_t cnt; /* syscalls seen */
	int32_t *win; /* ring of the last n syscall numbers */
	uint64_t *ts; /* and their times */
	uint8_t *frame; /* ring of the last lfc mismatch flags */
	size_t fpos;
	uint32_t fsum;
};

struct stide_cont {
	bool has; /* a score is pending */
	double max;
	uint64_t start;
	uint64_t end;
};

struct stide_state {
	const struct cadet_host *host;
	uint32_t n;
	uint32_t w; /* key width: the image, then n syscalls */
	uint32_t lfc;
	bool per_window;
	bool by_image;
	bool skip_unknown;
	int32_t *imgs; /* images in the database, sorted */
	size_t nimgs;
	enum cadet_phase phase;
	int32_t *db; /* ndb keys of w, sorted, unique */
	size_t ndb;
	int32_t *buf; /* training windows not merged yet */
	size_t nbuf;
	size_t capbuf;
	bool trained;
	struct det_map streams; /* tid -> struct stide_stream */
	struct det_map conts; /* cgroup id -> struct stide_cont */
	int32_t *key; /* scratch window, n entries */
};

static void stream_free(void *p)
{
	struct stide_stream *st = p;

	if (!st)
		return;
	free(st->win);
	free(st->ts);
	free(st->frame);
	free(st);
}

static void stide_fini(void *state)
{
	struct stide_state *s = state;

	if (!s)
		return;
	det_map_release(&s->streams, stream_free);
	det_map_release(&s->conts, free);
	free(s->db);
	free(s->imgs);
	free(s->buf);
	free(s->key);
	free(s);
}

static int stide_init(void **state, const struct cadet_host *host,
		      const struct cadet_param *params, size_t nparams,
		      uint64_t seed)
{
	static const char *const known[] = {"n",  "lfc",     "emit",
					    "by", "unknown", NULL};
	const char *unk = cadet_param_get(params, nparams, "unknown", "skip");
	const char *emit = cadet_param_get(params, nparams, "emit", "tick");
	const char *by = cadet_param_get(params, nparams, "by", "image");
	struct stide_state *s;
	uint64_t n, lfc;
	int ret;

	ret = det_params_check(host, "stide", params, nparams, known);
	if (!ret)
		ret = det_param_u64(host, "stide", params, nparams, "n", 6, 1,
				    STIDE_N_MAX, &n);
	if (!ret)
		ret = det_param_u64(host, "stide", params, nparams, "lfc", 20,
				    1, STIDE_LFC_MAX, &lfc);
	if (ret)
		return ret;
	if (strcmp(emit, "tick") && strcmp(emit, "window")) {
		det_log(host,
			"stide: emit=%s: use emit=tick (max per tick) "
			"or emit=window (every window)",
			emit);
		return -EINVAL;
	}
	if (strcmp(by, "image") && strcmp(by, "all")) {
		det_log(host,
			"stide: by=%s: use by=image (a database per "
			"process image) or by=all (one database)",
			by);
		return -EINVAL;
	}
	if (strcmp(unk, "skip") && strcmp(unk, "union")) {
		det_log(host,
			"stide: unknown=%s: use unknown=skip (windows of "
			"an image training never ran are not judged) "
			"or unknown=union",
			unk);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->host = host;
	s->n = n;
	s->w = n + 1;
	s->by_image = !strcmp(by, "image");
	s->skip_unknown = !strcmp(unk, "skip");
	s->lfc = lfc;
	s->per_window = !strcmp(emit, "window");
	s->phase = CADET_PHASE_TEST;
	s->key = calloc(n + 1, sizeof(*s->key));
	if (!s->key) {
		stide_fini(s);
		return -ENOMEM;
	}
	*state = s;
	return 0;
}

static int cmp_win(const void *a, const void *b, void *arg)
{
	const int32_t *x = a, *y = b;
	uint32_t n = *(const uint32_t *)arg;

	for (uint32_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* Key of a database search: a window and its length. */
struct win_key {
	const int32_t *w;
	uint32_t n;
};

static int win_before(const void *elem, const void *key)
{
	const struct win_key *k = key;

	return cmp_win(elem, k->w, (void *)&k->n) < 0;
}

static bool db_contains(const struct stide_state *s, const int32_t *w)
{
	struct win_key k = {.w = w, .n = s->w};
	size_t i = lower_bound(s->db, s->ndb, s->w * sizeof(*s->db), &k,
			       win_before);

	return i < s->ndb && !cmp_win(&s->db[i * s->w], w, &k.n);
}

/* The distinct images of the database (its keys' first values). */
static int db_images(struct stide_state *s)
{
	size_t k = 0;
	int32_t *v;

	v = malloc((s->ndb ? s->ndb : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < s->ndb; i++)
		if (!k || v[k - 1] != s->db[i * s->w])
			v[k++] = s->db[i * s->w];
	free(s->imgs);
	s->imgs = v;
	s->nimgs = k;
	return 0;
}

static int i32_before(const void *elem, const void *key)
{
	return *(const int32_t *)elem < *(const int32_t *)key;
}

static bool img_known(const struct stide_state *s, int32_t img)
{
	size_t i = lower_bound(s->imgs, s->nimgs, sizeof(*s->imgs), &img,
			       i32_before);

	return i < s->nimgs && s->imgs[i] == img;
}

/* Is the key (image, window) in s->key normal? */
static bool key_normal(struct stide_state *s)
{
	int32_t img = s->key[0];
	bool hit = false;

	if (img_known(s, img))
		return db_contains(s, s->key);
	/* An unknown image: any image's window will do. */
	for (size_t i = 0; i < s->nimgs && !hit; i++) {
		s->key[0] = s->imgs[i];
		hit = db_contains(s, s->key);
	}
	s->key[0] = img;
	return hit;
}

/* Sorts the training buffer and merges it into the database. */
static int db_merge(struct stide_state *s)
{
	size_t n = s->w, total = s->ndb + s->nbuf, k = 0;
	int32_t *all;
	uint32_t nn = s->w;

	if (!s->nbuf)
		return 0;
	all = malloc(total * n * sizeof(*all));
	if (!all)
		return -ENOMEM;
	if (s->ndb)
		memcpy(all, s->db, s->ndb * n * sizeof(*all));
	memcpy(all + s->ndb * n, s->buf, s->nbuf * n * sizeof(*all));
	qsort_r(all, total, n * sizeof(*all), cmp_win, &nn);
	for (size_t i = 0; i < total; i++) {
		if (k && !cmp_win(&all[(k - 1) * n], &all[i * n], &nn))
			continue;
		if (k != i)
			memmove(&all[k * n], &all[i * n], n * sizeof(*all));
		k++;
	}
	free(s->db);
	s->db = all;
	s->ndb = k;
	s->nbuf = 0;
	return db_images(s);
}

static int train_add(struct stide_state *s, const int32_t *w)
{
	if (s->nbuf == s->capbuf) {
		size_t cap = s->capbuf ? s->capbuf * 2 : 4096;
		int32_t *nb;

		if (s->nbuf >= STIDE_MERGE_MIN && s->nbuf >= s->ndb) {
			int ret = db_merge(s);

			if (ret)
				return ret;
			cap = s->capbuf;
		}
		if (cap != s->capbuf) {
			nb = realloc(s->buf, cap * s->w * sizeof(*nb));
			if (!nb)
				return -ENOMEM;
			s->buf = nb;
			s->capbuf = cap;
		}
	}
	memcpy(&s->buf[s->nbuf * s->w], w, s->w * sizeof(*w));
	s->nbuf++;
	return 0;
}

static void cont_emit(struct stide_state *s, uint64_t cg, struct stide_cont *c)
{
	if (!c->has)
		return;
	if (s->host->score)
		s->host->score(s->host, cg, c->start, c->end, c->max);
	c->has = false;
}

static void emit_all(struct stide_state *s)
{
	for (size_t i = 0; i < s->conts.n; i++)
		cont_emit(s, s->conts.v[i].key, s->conts.v[i].val);
}

static struct stide_stream *stream_get(struct stide_state *s,
				       const struct cadet_rec *rec)
{
	struct stide_stream *st = det_map_get(&s->streams, rec->tid);

	if (st && st->cg != rec->cgroup_id) {
		/* A reused tid in another container: a new stream. */
		stream_free(det_map_del(&s->streams, rec->tid));
		st = NULL;
	}
	if (st)
		return st;
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->cg = rec->cgroup_id;
	st->win = calloc(s->n, sizeof(*st->win));
	st->ts = calloc(s->n, sizeof(*st->ts));
	st->frame = calloc(s->lfc, 1);
	if (!st->win || !st->ts || !st->frame ||
	    det_map_put(&s->streams, rec->tid, st)) {
		stream_free(st);
		return NULL;
	}
	return st;
}

static int test_window(struct stide_state *s, struct stide_stream *st,
		       uint64_t start, uint64_t end)
{
	struct stide_cont *c;
	uint8_t miss;
	double score;

	if (s->by_image && s->skip_unknown && !img_known(s, s->key[0]))
		return 0;
	miss = !key_normal(s);

	st->fsum += miss - st->frame[st->fpos];
	st->frame[st->fpos] = miss;
	st->fpos = (st->fpos + 1) % s->lfc;
	score = (double)st->fsum / s->lfc;
	if (s->per_window) {
		if (s->host->score)
			s->host->score(s->host, st->cg, start, end, score);
		return 0;
	}
	c = det_map_get(&s->conts, st->cg);
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return -ENOMEM;
		if (det_map_put(&s->conts, st->cg, c)) {
			free(c);
			return -ENOMEM;
		}
	}
	if (!c->has) {
		c->has = true;
		c->max = score;
		c->start = start;
	} else if (score > c->max) {
		c->max = score;
	}
	c->end = end;
	return 0;
}

static int stide_event(void *state, const struct cadet_rec *rec)
{
	struct stide_state *s = state;
	const struct cadet_rec_syscall *sc = (const void *)rec;
	struct stide_stream *st;
	size_t pos;

	if (rec->type == CADET_REC_EXIT) {
		stream_free(det_map_del(&s->streams, rec->tid));
		return 0;
	}
	if (rec->type != CADET_REC_SYSCALL || rec->size < sizeof(*sc))
		return 0;
	st = stream_get(s, rec);
	if (!st)
		return -ENOMEM;
	pos = st->cnt % s->n;
	st->win[pos] = sc->nr;
	st->ts[pos] = rec->ts;
	st->cnt++;
	if (st->cnt < s->n)
		return 0;
	/* The image, then the window oldest first, into the scratch key. */
	s->key[0] = s->by_image ? (int32_t)(fnv1a64(rec->comm,
						    strnlen(rec->comm,
							    sizeof(rec->comm)),
						    FNV1A64_INIT) &
					    INT32_MAX)
				: 0;
	for (uint32_t i = 0; i < s->n; i++)
		s->key[1 + i] = st->win[(st->cnt + i) % s->n];
	if (s->phase == CADET_PHASE_TRAIN)
		return train_add(s, s->key);
	if (!s->trained) {
		s->trained = true;
		if (!s->ndb && !s->nbuf)
			det_log(s->host, "stide: no training windows: every "
					 "window is a mismatch");
	}
	return test_window(s, st, st->ts[st->cnt % s->n], rec->ts + 1);
}

static int stide_trace_begin(void *state, const struct cadet_trace_desc *t)
{
	struct stide_state *s = state;

	det_map_clear(&s->streams, stream_free);
	det_map_clear(&s->conts, free);
	s->phase = t->phase;
	return 0;
}

static int stide_container(void *state, const struct cadet_container_desc *c,
			   int added)
{
	struct stide_state *s = state;
	struct stide_cont *sc;
	size_t j = 0;

	if (added)
		return 0;
	sc = det_map_del(&s->conts, c->cgroup_id);
	if (sc) {
		cont_emit(s, c->cgroup_id, sc);
		free(sc);
	}
	/* The container is gone: so are its threads' streams. */
	for (size_t i = 0; i < s->streams.n; i++) {
		struct stide_stream *st = s->streams.v[i].val;

		if (st->cg == c->cgroup_id) {
			stream_free(st);
			continue;
		}
		s->streams.v[j++] = s->streams.v[i];
	}
	s->streams.n = j;
	return 0;
}

static int stide_tick(void *state, uint64_t ts)
{
	emit_all(state);
	return 0;
}

static int stide_trace_end(void *state, const struct cadet_trace_desc *t)
{
	struct stide_state *s = state;

	emit_all(s);
	det_map_clear(&s->streams, stream_free);
	det_map_clear(&s->conts, free);
	return 0;
}

static int stide_train_end(void *state)
{
	struct stide_state *s = state;
	int ret = db_merge(s);

	free(s->buf);
	s->buf = NULL;
	s->capbuf = 0;
	s->trained = true;
	if (!ret)
		det_log(s->host,
			"stide: %zu distinct windows of %u syscalls "
			"in the normal database (%zu image%s)",
			s->ndb, s->n, s->nimgs, s->nimgs == 1 ? "" : "s");
	return ret;
}

/*
 * Model file: "cadet-stide 2", "n N", "by image|all", "windows K", then
 * K lines of the image hash and N syscall numbers, sorted.
 */
static int stide_save(void *state, const char *path)
{
	struct stide_state *s = state;
	FILE *f;
	int ret;

	ret = db_merge(s);
	if (ret)
		return ret;
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fprintf(f, "cadet-stide 2\nn %u\nby %s\nwindows %zu\n", s->n,
		s->by_image ? "image" : "all", s->ndb);
	for (size_t i = 0; i < s->ndb; i++)
		for (uint32_t k = 0; k < s->w; k++)
			fprintf(f, "%d%c", s->db[i * s->w + k],
				k + 1 == s->w ? '\n' : ' ');
	if (ferror(f)) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}

static int stide_load(void *state, const char *path)
{
	struct stide_state *s = state;
	unsigned int ver, n;
	char by[8];
	size_t cnt;
	int32_t *db = NULL;
	uint32_t nn;
	FILE *f;
	int ret = -EINVAL;

	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (fscanf(f, "cadet-stide %u n %u by %7s windows %zu", &ver, &n, by,
		   &cnt) != 4 ||
	    ver != 2) {
		det_log(s->host,
			"stide: %s is not a stide model file (of "
			"version 2)",
			path);
		goto cleanup;
	}
	if (strcmp(by, s->by_image ? "image" : "all")) {
		det_log(s->host,
			"stide: %s was trained with by=%s, this "
			"instance uses by=%s",
			path, by, s->by_image ? "image" : "all");
		goto cleanup;
	}
	if (n != s->n) {
		det_log(s->host,
			"stide: %s holds windows of %u syscalls, this "
			"instance uses n=%u",
			path, n, s->n);
		goto cleanup;
	}
	n = s->w;
	if (cnt > (1u << 28) / n) {
		det_log(s->host, "stide: %s: implausible window count %zu",
			path, cnt);
		goto cleanup;
	}
	db = malloc((cnt ? cnt : 1) * n * sizeof(*db));
	if (!db) {
		ret = -ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < cnt * n; i++) {
		if (fscanf(f, "%d", &db[i]) != 1) {
			det_log(s->host, "stide: %s is truncated (window %zu)",
				path, i / n);
			goto cleanup;
		}
	}
	nn = n;
	for (size_t i = 1; i < cnt; i++) {
		if (cmp_win(&db[(i - 1) * n], &db[i * n], &nn) >= 0) {
			det_log(s->host,
				"stide: %s: windows not sorted at "
				"%zu",
				path, i);
			goto cleanup;
		}
	}
	free(s->db);
	s->db = db;
	db = NULL;
	s->ndb = cnt;
	s->nbuf = 0;
	s->trained = true;
	ret = db_images(s);
cleanup:
	free(db);
	fclose(f);
	return ret;
}

const struct cadet_detector_ops detector_stide_ops = {
	.sz = sizeof(struct cadet_detector_ops),
	.abi_major = CADET_DETECTOR_ABI_MAJOR,
	.abi_minor = CADET_DETECTOR_ABI_MINOR,
	.name = "stide",
	.description = "syscall n-gram database (STIDE) with locality frame "
		       "count; needs --syscall-seq traces",
	.params_help = "n=6: window length; lfc=20: locality frame (windows); "
		       "emit=tick: tick (max per tick) or window; by=image: a "
		       "database per process image (comm) or all: one; "
		       "unknown=skip: images training never ran are not "
		       "judged, or union: judged by every image's windows",
	.init = stide_init,
	.on_trace_begin = stide_trace_begin,
	.on_container = stide_container,
	.on_event = stide_event,
	.on_tick = stide_tick,
	.on_trace_end = stide_trace_end,
	.train_end = stide_train_end,
	.fini = stide_fini,
	.save_model = stide_save,
	.load_model = stide_load,
};
