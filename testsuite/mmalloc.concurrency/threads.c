/* threads.c -- issue 5, first acceptance test: 8 threads run the tagged
   mixed workload of conc.h (mmalloc, mcalloc, mmemalign, mrealloc,
   mfree; sizes mostly small, some above 16 KiB, rarely above 16 MiB) on
   ONE heap, handing blocks to each other through a shared exchange
   array so that one thread frees what another allocated.  Every block's
   ownership tags are checked before it is freed, resized or handed on;
   at the end the live blocks are swept in address order (no two may
   overlap: no duplicate allocation), mmalloc_check must be 0 with them
   live and again after they are freed, and the heap's statistics must
   be back where they started.
   Usage: threads default|anon|file|streams|cfile [OPS] [--stress]
   (cfile: a file heap attached with MMALLOC_CACHE, thread caches on;
   streams: a file heap created with 16 concurrency stripes, through
   mmalloc_attach_opts; results must not depend on them)
   OPS is per thread: 10^6, the number, on every heap (measured:
   about 5 s per heap on 2 busy cores, the file heap included, although
   it has no thread caches and every operation takes its lock).
   MMTEST_STRESS=1 or --stress runs 4 x 10^6.
   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mmalloc.h>
#include "mmtest.h"
#include "conc.h"

#define NTHREADS 8
#define NXCHG 64
#define FULL_OPS 1000000L

static uint64_t xchg[NXCHG];
static struct conc_worker workers[NTHREADS];

static void *
thread_main (void *arg)
{
  conc_run ((struct conc_worker *) arg);
  return NULL;
}

int
main (int argc, char **argv)
{
  const char *kind = argc > 1 ? argv[1] : "default";
  int stress = conc_stress (argc, argv);
  long ops = FULL_OPS;
  char path[64] = "";
  void *md = NULL;
  int fd = -1, i;
  struct mstats before, after;
  struct conc_block *all;
  size_t nall = 0, overlaps;
  unsigned long errors = 0, allocs = 0, frees = 0, reallocs = 0;
  unsigned long handoffs = 0, received = 0, huge = 0, failed = 0;
  char msg[256] = "";
  long long t0;
  pthread_t tid[NTHREADS];

  conc_watchdog ("threads", stress ? 1500 : 150);
  if (stress)
    ops = 4 * FULL_OPS;
  if (argc > 2 && argv[2][0] != '-')
    ops = atol (argv[2]);

  conc_phase = "attach";
  if (strcmp (kind, "anon") == 0)
    md = mmalloc_attach (-1, NULL);
  else if (strcmp (kind, "file") == 0 || strcmp (kind, "streams") == 0
	   || strcmp (kind, "cfile") == 0)
    {
      struct mmalloc_options o;

      snprintf (path, sizeof path, "conc-threads-%ld.heap", (long) getpid ());
      unlink (path);
      fd = open (path, O_RDWR | O_CREAT | O_EXCL, 0600);
      if (fd < 0)
	mmt_fatal ("%s heap: open %s: %s", kind, path, strerror (errno));
      memset (&o, 0, sizeof o);
      o.size = sizeof o;
      o.streams = kind[0] == 's' ? 16 : 0;
      o.flags = kind[0] == 'c' ? MMALLOC_CACHE : 0;	/* thread caches */
      md = mmalloc_attach_opts (fd, NULL, &o);
    }
  else if (strcmp (kind, "default") != 0)
    mmt_fatal ("threads: unknown heap kind %s", kind);
  if (strcmp (kind, "default") != 0 && md == NULL)
    mmt_fatal ("%s heap: mmalloc_attach: %s", kind, strerror (errno));
  before = mmstats (md);

  conc_phase = "8 threads running the workload";
  t0 = conc_now_ms ();
  for (i = 0; i < NTHREADS; i++)
    {
      struct conc_worker *w = &workers[i];
      w->md = md;
      w->owner = (unsigned int) i + 1;
      w->ops = ops;
      w->seed = conc_seed ((uint64_t) i, (uint64_t) getpid ());
      w->xchg = xchg;
      w->nxchg = NXCHG;
      w->huge_every = 200000;
      w->check_usable = (i % 2 == 0);
      if (pthread_create (&tid[i], NULL, thread_main, w) != 0)
	mmt_fatal ("%s heap: pthread_create failed", kind);
    }
  for (i = 0; i < NTHREADS; i++)
    pthread_join (tid[i], NULL);
  mmt_note ("%s heap: %d threads x %ld ops in %lld ms", kind, NTHREADS,
	    ops, conc_now_ms () - t0);

  conc_phase = "final sweep";
  all = calloc (NTHREADS * CONC_NSLOTS + NXCHG, sizeof *all);
  if (all == NULL)
    mmt_fatal ("%s heap: out of memory for the sweep", kind);
  for (i = 0; i < NTHREADS; i++)
    {
      struct conc_worker *w = &workers[i];
      size_t j;

      errors += w->errors;
      allocs += w->allocs;
      frees += w->frees;
      reallocs += w->reallocs;
      handoffs += w->handoffs;
      received += w->received;
      huge += w->huge;
      failed += w->failed_alloc;
      if (w->errors != 0)
	mmt_note ("%s heap: worker %d: %lu errors, first: %s", kind,
		  i + 1, w->errors, w->msg);
      for (j = 0; j < w->nlive; j++)
	all[nall++] = w->live[j];
    }
  for (i = 0; i < NXCHG; i++)
    if (xchg[i] != 0)
      {
	char *p = (char *) (uintptr_t) xchg[i];
	size_t n;
	const char *bad = conc_untag (p, NULL, &n);

	if (bad != NULL)
	  {
	    if (errors++ == 0)
	      mmt_note ("%s heap: exchange slot %d (%p): %s", kind, i,
			(void *) p, bad);
	    continue;
	  }
	all[nall].p = p;
	all[nall].size = n;
	nall++;
      }
  mmt_note ("%s heap: %lu allocations, %lu frees, %lu reallocs, %lu "
	    "handoffs (%lu received from another thread), %lu huge, %zu "
	    "live at the end", kind, allocs, frees, reallocs, handoffs,
	    received, huge, nall);
  if (!CHECK (errors == 0, "%s heap: every block's tags intact, every "
	      "allocation succeeded", kind))
    mmt_note ("%s heap: %lu errors, %lu of them failed allocations", kind,
	      errors, failed);
  CHECK (received > 0, "%s heap: blocks were handed between threads",
	 kind);
  overlaps = conc_overlaps (all, nall, msg, sizeof msg);
  if (overlaps != 0)
    mmt_note ("%s heap: %s", kind, msg);
  if (!CHECK (overlaps == 0, "%s heap: no two live blocks overlap", kind))
    mmt_note ("%s heap: %zu overlaps among %zu blocks", kind, overlaps,
	      nall);
  if (!CHECK (mmalloc_check (md) == 0, "%s heap: mmalloc_check == 0 "
	      "with the blocks live", kind))
    mmt_note ("%s heap: %s", kind, mmalloc_check_message (md));
  after = mmstats (md);
  if (!CHECK (after.chunks_used == before.chunks_used + nall,
	      "%s heap: mmstats counts the live blocks", kind))
    mmt_note ("%s heap: %zu blocks live, mmstats went from %zu to %zu",
	      kind, nall, before.chunks_used, after.chunks_used);

  conc_phase = "freeing the live blocks";
  for (i = 0; i < (int) nall; i++)
    mfree (md, all[i].p);
  free (all);
  if (!CHECK (mmalloc_check (md) == 0, "%s heap: mmalloc_check == 0 "
	      "after freeing them", kind))
    mmt_note ("%s heap: %s", kind, mmalloc_check_message (md));
  after = mmstats (md);
  if (!CHECK (after.chunks_used == before.chunks_used,
	      "%s heap: mmstats back to the blocks in use at the start", kind))
    mmt_note ("%s heap: %zu blocks in use at the start, %zu at the end",
	      kind, before.chunks_used, after.chunks_used);

  conc_phase = "detach";
  if (md != NULL)
    CHECK (mmalloc_detach (md) == NULL, "%s heap: detach", kind);
  if (fd >= 0)
    {
      close (fd);
      unlink (path);
    }
  mmt_exit ();
}
