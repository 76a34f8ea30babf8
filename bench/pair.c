/* pair.c -- the engine's first benchmark: a warm malloc/free pair, and
   the bytes a million live 64-byte blocks cost.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* Every contender runs in the same process, in interleaved rounds, and
   the medians are compared pair by pair, so that the machine's mood
   (frequency, another core's load) hits all of them alike.  The glibc
   figures come from the C library's own malloc: this program links
   libmmalloc only, which never replaces malloc.  Output is Markdown.  */

#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <mmalloc.h>

#define ROUNDS 11
#define LIVE 1000000

static double
now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof *v, cmp_double);
  return v[n / 2];
}

/* Nanoseconds per pair of SIZE bytes over N pairs.  MD is the heap, or
   (void *) -1 for the C library.  */
static double
pair (void *md, size_t size, long n)
{
  void *volatile sink;
  double t = now ();
  long i;

  if (md == (void *) -1)
    for (i = 0; i < n; i++)
      {
	void *p = malloc (size);
	sink = p;
	free (p);
      }
  else
    for (i = 0; i < n; i++)
      {
	void *p = mmalloc (md, size);
	sink = p;
	mfree (md, p);
      }
  (void) sink;
  return (now () - t) / n * 1e9;
}

/* Resident bytes of this process.  */
static long
rss (void)
{
  long pages = 0, resident = 0;
  FILE *f = fopen ("/proc/self/statm", "r");

  if (f != NULL)
    {
      if (fscanf (f, "%ld %ld", &pages, &resident) != 2)
	resident = 0;
      fclose (f);
    }
  return resident * sysconf (_SC_PAGESIZE);
}

/* Allocate LIVE blocks of 64 bytes into V (already touched, so that
   it is not counted).  */
static void
live_blocks (void *md, void **v)
{
  long i;

  for (i = 0; i < LIVE; i++)
    {
      v[i] = md == (void *) -1 ? malloc (64) : mmalloc (md, 64);
      memset (v[i], 1, 64);
    }
}

int
main (int argc, char **argv)
{
  long n = argc > 1 ? atol (argv[1]) : 5000000;
  char path[] = "/tmp/mmbench-XXXXXX";
  int fd = mkstemp (path);
  void *anon = mmalloc_attach (-1, NULL);
  void *file = fd >= 0 ? mmalloc_attach (fd, NULL) : NULL;
  double t[4][ROUNDS], m[4];
  const char *name[4] = { "glibc malloc/free", "mmalloc anonymous heap",
			  "mmalloc default heap", "mmalloc file heap" };
  void *md[4];
  long before, after;
  int r, k;
  void **v = mmalloc (NULL, LIVE * sizeof *v);

  if (fd >= 0)
    unlink (path);
  if (anon == NULL || file == NULL || v == NULL)
    {
      perror ("mmalloc_attach");
      return 1;
    }
  md[0] = (void *) -1, md[1] = anon, md[2] = NULL, md[3] = file;
  for (k = 0; k < 4; k++)
    pair (md[k], 64, n / 10);	/* warm up */
  for (r = 0; r < ROUNDS; r++)
    for (k = 0; k < 4; k++)
      t[k][r] = pair (md[k], 64, n);
  printf ("## A warm 64-byte allocate/free pair\n\n");
  printf ("`bench/pair %ld`: median of %d interleaved rounds of %ld pairs.\n\n",
	  n, ROUNDS, n);
  printf ("| allocator | ns per pair | ratio to glibc |\n|---|---:|---:|\n");
  for (k = 0; k < 4; k++)
    m[k] = median (t[k], ROUNDS);
  for (k = 0; k < 4; k++)
    printf ("| %s | %.1f | %.2f |\n", name[k], m[k], m[k] / m[0]);

  printf ("\n## A million live 64-byte blocks\n\n");
  printf ("| allocator | bytes per block (RSS) | bytes per block (heap) |\n"
	  "|---|---:|---:|\n");
  {
    struct mstats s0 = mmstats (anon), s1;
    memset (v, 0, LIVE * sizeof *v);
    before = rss ();
    live_blocks (anon, v);
    after = rss ();
    s1 = mmstats (anon);
    printf ("| mmalloc anonymous heap | %.1f | %.1f |\n",
	    (double) (after - before) / LIVE,
	    (double) (s1.bytes_total - s0.bytes_total) / LIVE);
  }
  {
    memset (v, 0, LIVE * sizeof *v);
    before = rss ();
    live_blocks ((void *) -1, v);
    after = rss ();
    printf ("| glibc malloc | %.1f | |\n", (double) (after - before) / LIVE);
  }
  return 0;
}
