/* threads.c -- qalloc.md section 6, F30-F32: threads of one process.
   Every thread allocates 16 items (or blocks), tags them whole with its
   number and the iteration, checks them and frees them.  An argument
   sets the number of iterations (default 100,000 for the static map).
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <pthread.h>

#include "qtest.h"

#define NTHREADS 8
#define BATCH 16
#define ITEM 32

static void *map;
static int dynamic;
static long iterations;
static long errors[NTHREADS];
static long nulls[NTHREADS];

static size_t
size_of (long it, int k)
{
  return dynamic ? (size_t) (8 + (it * 131 + k * 977) % 3000) : ITEM;
}

static void *
worker (void *arg)
{
  int t = (int) (intptr_t) arg, k;
  unsigned long *p[BATCH];
  long it;

  for (it = 0; it < iterations; it++)
    {
      for (k = 0; k < BATCH; k++)
	{
	  size_t n = size_of (it, k), w;
	  p[k] = qalloc_malloc (map, n);
	  if (p[k] == NULL)
	    {
	      nulls[t]++;
	      continue;
	    }
	  for (w = 0; w < n / sizeof (unsigned long); w++)
	    p[k][w] = (unsigned long) t << 48 ^ (unsigned long) it << 8 ^ w;
	}
      for (k = 0; k < BATCH; k++)
	{
	  size_t n = size_of (it, k), w;
	  if (p[k] == NULL)
	    continue;
	  for (w = 0; w < n / sizeof (unsigned long); w++)
	    errors[t] += p[k][w]
	      != ((unsigned long) t << 48 ^ (unsigned long) it << 8 ^ w);
	  qalloc_free (p[k], map);
	}
    }
  return NULL;
}

static long
run (void)
{
  pthread_t th[NTHREADS];
  long e = 0;
  int t;

  for (t = 0; t < NTHREADS; t++)
    {
      errors[t] = nulls[t] = 0;
      pthread_create (&th[t], NULL, worker, (void *) (intptr_t) t);
    }
  for (t = 0; t < NTHREADS; t++)
    {
      pthread_join (th[t], NULL);
      e += errors[t] + nulls[t];
    }
  return e;
}

/* F32: every thread allocates until NULL, at once: together they get
   every item exactly once.  */
static size_t got[NTHREADS];
static uintptr_t *all[NTHREADS];

static void *
grabber (void *arg)
{
  int t = (int) (intptr_t) arg;
  void *p;

  while ((p = qalloc_statmalloc (map)) != NULL)
    all[t][got[t]++] = (uintptr_t) p;
  return NULL;
}

static void *
freer (void *arg)
{
  int t = (int) (intptr_t) arg;
  size_t i;

  for (i = 0; i < got[t]; i++)
    qalloc_statfree ((void *) all[t][i], map);
  return NULL;
}

static int
grab_all (size_t count, void *(*fn) (void *))
{
  pthread_t th[NTHREADS];
  uintptr_t *merged;
  size_t total = 0, i, dup = 0;
  int t;

  for (t = 0; t < NTHREADS; t++)
    {
      if (fn == grabber)
	got[t] = 0;
      pthread_create (&th[t], NULL, fn, (void *) (intptr_t) t);
    }
  for (t = 0; t < NTHREADS; t++)
    pthread_join (th[t], NULL);
  if (fn != grabber)
    return 1;
  merged = malloc (count * NTHREADS * sizeof *merged);
  for (t = 0; t < NTHREADS; t++)
    for (i = 0; i < got[t]; i++)
      merged[total++] = all[t][i];
  qsort (merged, total, sizeof *merged, qt_cmp_ptr);
  for (i = 1; i < total; i++)
    dup += merged[i] == merged[i - 1];
  free (merged);
  return total == count && dup == 0;
}

int
main (int argc, char **argv)
{
  char *path = qt_path ("threads", "f");
  long iters = argc > 1 ? atol (argv[1]) : 100000;
  size_t count = 4096, n;
  int t, s;

  for (t = 0; t < NTHREADS; t++)
    all[t] = malloc (count * sizeof *all[t]);

  /* F30: static map, 4 streams.  */
  map = qalloc_makestatmap ((off_t) (count * ITEM), NULL, path, ITEM, 4);
  if (map == NULL)
    mmt_fatal ("makestatmap: %s", strerror (errno));
  iterations = iters;
  CHECK (run () == 0, "F30: %d threads x %ld x %d items on a 4-stream static"
	 " map: no item seen by two threads", NTHREADS, iters, BATCH);
  for (n = 0; qalloc_statmalloc (map) != NULL; n++)
    ;
  CHECK (n == count, "F30: afterwards every item is free (%zu of %zu)", n,
	 count);
  qalloc_cleanup ();
  unlink (path);

  /* F32: streams 1 and 5; all threads exhaust the map at once; items
     freed by other threads' streams are found by one thread.  */
  for (s = 1; s <= 5; s += 4)
    {
      map = qalloc_makestatmap ((off_t) (count * ITEM), NULL, path, ITEM,
				(size_t) s);
      if (map == NULL)
	mmt_fatal ("makestatmap: %s", strerror (errno));
      iterations = iters / 10;
      CHECK (run () == 0, "F32: the tag test with %d stream%s", s,
	     s > 1 ? "s" : "");
      CHECK (grab_all (count, grabber), "F32: %d threads exhausting a"
	     " %d-stream map get every item once", NTHREADS, s);
      grab_all (count, freer);	/* each frees its own into its stream */
      for (n = 0; qalloc_statmalloc (map) != NULL; n++)
	;
      CHECK (n == count, "F32: one thread then gets all %zu items back from"
	     " every stream (%d streams)", n, s);
      qalloc_cleanup ();
      unlink (path);
    }

  /* F31: dynamic map, mixed sizes.  */
  dynamic = 1;
  map = qalloc_makedynmap ((off_t) 4 << 20, NULL, path, 4);
  if (map == NULL)
    mmt_fatal ("makedynmap: %s", strerror (errno));
  iterations = iters / 5;
  CHECK (run () == 0, "F31: %d threads x %ld x %d mixed blocks on a dynamic"
	 " map: no block seen by two threads", NTHREADS, iterations, BATCH);
  for (n = 0; qalloc_dynmalloc (map, 2048) != NULL; n++)
    ;
  CHECK (n * 2048 >= (size_t) 4 << 20, "F31: afterwards the whole capacity"
	 " is free (%zu blocks of 2048)", n);
  qalloc_cleanup ();
  unlink (path);
  for (t = 0; t < NTHREADS; t++)
    free (all[t]);
  free (path);
  mmt_exit ();
}
