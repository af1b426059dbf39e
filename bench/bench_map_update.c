/*
 * Single-entry changes of a loaded map of 10,000 entries, as the
 * set-map/del-map actions and the admin socket's add/set/del map make
 * them: updates per second of each, with the map indexed for map() (str)
 * and map_ip() (ip: keys are addresses). Single-threaded: thread
 * isolation returns at once, so this measures the change itself.
 * BENCH_ARGS=quick: fewer rounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tollgate/maps.h>
#include <tollgate/sample.h>

#define ENTRIES 10000

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int quick = argc > 1 && !strcmp(argv[1], "quick");
	int rounds = quick ? 200 : 2000;
	char path[] = "/tmp/bench_map_XXXXXX", expr[128], key[32], *err = NULL;
	struct sample_expr *e1 = NULL, *e2 = NULL;
	struct pat_ref *ref;
	double t;
	FILE *f;
	int fd = mkstemp(path);

	if (fd < 0 || !(f = fdopen(fd, "w")))
		return perror("bench_map_update"), 1;
	for (int i = 0; i < ENTRIES; i++)
		fprintf(f, "10.%d.%d.%d v%d\n", i >> 16, (i >> 8) & 255, i & 255, i);
	fclose(f);
	snprintf(expr, sizeof(expr), "str(x),map(%s,none)", path);
	if (sample_parse_expr(expr, 0, &e1, &err) < 0)
		return fprintf(stderr, "bench_map_update: %s\n", err), 1;
	snprintf(expr, sizeof(expr), "src,map_ip(%s,none)", path);
	if (sample_parse_expr(expr, 0, &e2, &err) < 0)
		return fprintf(stderr, "bench_map_update: %s\n", err), 1;
	ref = pat_ref_lookup(path, PAT_REF_MAP);

	t = now_s();
	for (int i = 0; i < rounds; i++) {
		snprintf(key, sizeof(key), "10.200.%d.%d", i >> 8, i & 255);
		if (pat_ref_add(ref, pat_ref_curr_ver(ref), key, "added", &err) < 0)
			return fprintf(stderr, "bench_map_update: %s\n", err), 1;
	}
	printf("map_add entries=%d updates_per_s=%.0f\n", ENTRIES, rounds / (now_s() - t));
	t = now_s();
	for (int i = 0; i < rounds; i++) {
		snprintf(key, sizeof(key), "10.0.%d.%d", (i >> 8) & 255, i & 255);
		if (pat_ref_set(ref, key, i & 1 ? "odd" : "even", &err) < 0)
			return fprintf(stderr, "bench_map_update: %s\n", err), 1;
	}
	printf("map_set entries=%d updates_per_s=%.0f\n", ENTRIES, rounds / (now_s() - t));
	t = now_s();
	for (int i = 0; i < rounds; i++) {
		snprintf(key, sizeof(key), "10.200.%d.%d", i >> 8, i & 255);
		if (pat_ref_del(ref, key, &err) < 0)
			return fprintf(stderr, "bench_map_update: del %s failed\n", key), 1;
	}
	printf("map_del entries=%d updates_per_s=%.0f\n", ENTRIES, rounds / (now_s() - t));
	sample_free_expr(e1);
	sample_free_expr(e2);
	unlink(path);
	return 0;
}
