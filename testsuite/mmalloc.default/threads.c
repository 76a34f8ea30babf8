/* threads.c -- threads and the default heap:
   - 4 threads x OPS mixed mmalloc / mcalloc / mrealloc / mfree on the
     default heap; every block is tagged with its thread and serial and
     verified whole before it is resized or freed; mmalloc_check (NULL)
     == 0 and the statistics back where they started at the end;
   - scenario 24: 4 threads, each on an anonymous heap of its own, do not
     interfere (contents, per-heap statistics, mmalloc_check).
   Usage: threads [OPS]   (default 200000 per thread)
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mmalloc.h>
#include "mmtest.h"
#include "default-util.h"

#define NTHREADS 4
#define NSLOTS 512

static long ops = 200000;

struct worker
{
  unsigned int id;
  void *md;			/* NULL: the default heap */
  int own_heap;			/* attach and detach an anonymous heap */
  /* Results.  */
  unsigned long allocs, frees, reallocs;
  unsigned long failed, damaged, not_zero, live;
  size_t live_usable;
  int check, detach_ok;
  size_t stats_chunks, stats_bytes;
  char msg[200];
};

static size_t
pick_size (uint64_t *seed)
{
  uint64_t x = du_rand (seed);
  unsigned int r = (unsigned int) (x % 100);

  x >>= 8;
  if (r < 80)
    return 1 + x % 512;
  if (r < 97)
    return 513 + x % (16384 - 512);
  return 16385 + x % (131072 - 16384);
}

static void *
work (void *arg)
{
  struct worker *w = arg;
  uint64_t seed = 0x9e3779b97f4a7c15ULL * (w->id + 1);
  char *slot[NSLOTS];
  size_t size[NSLOTS];
  unsigned long serial[NSLOTS], next_serial = 1;
  void *md = w->md;
  long op;
  int i;

  memset (slot, 0, sizeof slot);
  if (w->own_heap)
    {
      md = w->md = mmalloc_attach (-1, NULL);
      if (md == NULL)
	{
	  w->failed++;
	  return NULL;
	}
    }
  for (op = 0; op < ops; op++)
    {
      unsigned int k = (unsigned int) (du_rand (&seed) % NSLOTS);
      uint64_t r = du_rand (&seed) % 100;

      if (slot[k] == NULL)
	{
	  size[k] = pick_size (&seed);
	  serial[k] = next_serial++;
	  if (r < 10)
	    {
	      size_t j;
	      slot[k] = mcalloc (md, 1, size[k]);
	      if (slot[k] != NULL)
		for (j = 0; j < size[k]; j++)
		  if (slot[k][j] != 0)
		    {
		      w->not_zero++;
		      break;
		    }
	    }
	  else
	    slot[k] = mmalloc (md, size[k]);
	  if (slot[k] == NULL)
	    {
	      w->failed++;
	      continue;
	    }
	  w->allocs++;
	  du_fill (slot[k], size[k], w->id, serial[k]);
	}
      else if (r < 15)
	{
	  size_t n = pick_size (&seed), keep = n < size[k] ? n : size[k];
	  char *q;
	  if (!du_verify (slot[k], size[k], w->id, serial[k]))
	    w->damaged++;
	  q = mrealloc (md, slot[k], n);
	  if (q == NULL)
	    {
	      w->failed++;
	      continue;
	    }
	  if (!du_verify (q, keep, w->id, serial[k]))
	    w->damaged++;
	  slot[k] = q;
	  size[k] = n;
	  serial[k] = next_serial++;
	  du_fill (q, n, w->id, serial[k]);
	  w->reallocs++;
	}
      else
	{
	  if (!du_verify (slot[k], size[k], w->id, serial[k]))
	    w->damaged++;
	  mfree (md, slot[k]);
	  slot[k] = NULL;
	  w->frees++;
	}
    }

  /* What is still held.  */
  for (i = 0; i < NSLOTS; i++)
    if (slot[i] != NULL)
      {
	w->live++;
	w->live_usable += mmalloc_usable_size (md, slot[i]);
      }
  if (w->own_heap)
    {
      struct mstats s = mmstats (md);
      w->stats_chunks = s.chunks_used;
      w->stats_bytes = s.bytes_used;
    }
  for (i = 0; i < NSLOTS; i++)
    if (slot[i] != NULL)
      {
	if (!du_verify (slot[i], size[i], w->id, serial[i]))
	  w->damaged++;
	mfree (md, slot[i]);
      }
  if (w->own_heap)
    {
      struct mstats s = mmstats (md);
      w->check = mmalloc_check (md);
      snprintf (w->msg, sizeof w->msg, "%s", mmalloc_check_message (md));
      if (s.chunks_used != 0 || s.bytes_used != 0)
	w->damaged++;
      w->detach_ok = mmalloc_detach (md) == NULL;
    }
  return NULL;
}

static void
run (const char *what, int own_heap)
{
  struct worker w[NTHREADS];
  pthread_t th[NTHREADS];
  unsigned long failed = 0, damaged = 0, not_zero = 0, total = 0;
  int i;

  memset (w, 0, sizeof w);
  for (i = 0; i < NTHREADS; i++)
    {
      w[i].id = (unsigned int) i + 1;
      w[i].own_heap = own_heap;
      if (pthread_create (&th[i], NULL, work, &w[i]) != 0)
	mmt_fatal ("pthread_create failed");
    }
  for (i = 0; i < NTHREADS; i++)
    {
      pthread_join (th[i], NULL);
      failed += w[i].failed;
      damaged += w[i].damaged;
      not_zero += w[i].not_zero;
      total += w[i].allocs + w[i].frees + w[i].reallocs;
    }
  mmt_note ("%s: %lu operations", what, total);
  CHECK (failed == 0, "%s: no allocation failed (%lu did)", what, failed);
  CHECK (damaged == 0, "%s: every block held its thread's tag and pattern "
	 "(%lu damaged)", what, damaged);
  CHECK (not_zero == 0, "%s: every mcalloc block was zeroed (%lu not)",
	 what, not_zero);
  if (own_heap)
    for (i = 0; i < NTHREADS; i++)
      {
	CHECK (w[i].stats_chunks == w[i].live
	       && w[i].stats_bytes == w[i].live_usable,
	       "%s: heap %d counts exactly its thread's %lu live blocks "
	       "(chunks_used %zu, bytes_used %zu, want %zu)", what, i,
	       w[i].live, w[i].stats_chunks, w[i].stats_bytes,
	       w[i].live_usable);
	CHECK (w[i].check == 0, "%s: mmalloc_check of heap %d == 0: %s",
	       what, i, w[i].msg);
	CHECK (w[i].detach_ok, "%s: heap %d detaches", what, i);
      }
}

int
main (int argc, char **argv)
{
  struct mstats s0, s1;

  if (argc > 1 && atol (argv[1]) > 0)
    ops = atol (argv[1]);

  s0 = mmstats (NULL);
  run ("default heap", 0);
  s1 = mmstats (NULL);
  CHECK (mmalloc_check (NULL) == 0, "default heap: mmalloc_check (NULL) "
	 "== 0 after the threads: %s", mmalloc_check_message (NULL));
  CHECK (s1.chunks_used == s0.chunks_used && s1.bytes_used == s0.bytes_used,
	 "default heap: mmstats (NULL) back to the start (chunks_used %zu "
	 "-> %zu)", s0.chunks_used, s1.chunks_used);

  ops = ops / 4 > 0 ? ops / 4 : 1;
  run ("own heaps", 1);
  s1 = mmstats (NULL);
  CHECK (s1.chunks_used == s0.chunks_used && s1.bytes_used == s0.bytes_used,
	 "own heaps: the default heap was not touched");
  mmt_exit ();
}
