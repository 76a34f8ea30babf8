/* fork.c -- issue 5, fourth acceptance test: fork () from a parent
   whose 4 threads are busy allocating and freeing, on the default heap
   and on an anonymous heap, at the moment of the fork.  A lock that one
   of those threads held when the parent forked would stay held for ever
   in the child, whose copy of that thread does not exist; so each child
   allocates and frees on both heaps (small sizes that go through the
   thread caches, large ones that take the heap lock, a resize), checks
   both heaps and exits, and must do so within a bound: a child that
   does not is killed and reported as a deadlock.
   Usage: fork [FORKS] [--stress]   (200, about 4 s; 2,000 with
   MMTEST_STRESS=1)
   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mmalloc.h>
#include "mmtest.h"
#include "conc.h"

#define NTHREADS 4
#define CHILD_MS 10000		/* a child that takes longer is hung */

static void *anon;
static int stop;
static unsigned long thread_errors;

/* Allocate and free on HEAP: small blocks kept in a window (so the
   thread caches fill and drain), now and then a large one.  */
static void *
busy (void *arg)
{
  uint64_t seed = conc_seed ((uint64_t) (uintptr_t) arg, 99);
  char *win[64];
  size_t sz[64];
  unsigned int i;

  memset (win, 0, sizeof win);
  while (!__atomic_load_n (&stop, __ATOMIC_RELAXED))
    {
      uint64_t x = conc_rand (&seed);
      unsigned int k = (unsigned int) ((x >> 1) % 64);
      /* Each window slot stays on one heap: even slots on the default
	 heap, odd ones on the anonymous heap.  */
      void *md = k % 2 ? anon : NULL;

      if (win[k] != NULL)
	{
	  if (conc_untag (win[k], NULL, NULL) != NULL)
	    __atomic_add_fetch (&thread_errors, 1, __ATOMIC_RELAXED);
	  mfree (md, win[k]);
	  win[k] = NULL;
	}
      else
	{
	  sz[k] = (x >> 8) % 50 == 0 ? 20000 + (size_t) ((x >> 16) % 100000)
	    : CONC_MIN_SIZE + (size_t) ((x >> 16) % 1000);
	  win[k] = mmalloc (md, sz[k]);
	  if (win[k] == NULL)
	    __atomic_add_fetch (&thread_errors, 1, __ATOMIC_RELAXED);
	  else
	    conc_tag (win[k], sz[k], 1, x);
	}
    }
  for (i = 0; i < 64; i++)
    mfree (i % 2 ? anon : NULL, win[i]);
  return NULL;
}

/* The child's work; returns the exit status (0: all went well).  */
static int
child (void)
{
  void *heaps[2] = { NULL, anon };
  int h, i;

  alarm (0);
  conc_watchdog ("fork child", CHILD_MS / 1000 + 5);
  for (h = 0; h < 2; h++)
    {
      void *md = heaps[h];
      char *small[200];
      char *big, *r;

      for (i = 0; i < 200; i++)
	{
	  size_t n = CONC_MIN_SIZE + (size_t) (i * 13 % 1500);
	  small[i] = mmalloc (md, n);
	  if (small[i] == NULL)
	    return 10 + h;
	  conc_tag (small[i], n, 2, (uint64_t) i);
	}
      for (i = 0; i < 200; i += 2)
	mfree (md, small[i]);
      for (i = 0; i < 200; i += 2)	/* again, from the warm caches */
	if ((small[i] = mcalloc (md, 1, 64)) == NULL)
	  return 20 + h;
      big = mmalloc (md, 100000);
      if (big == NULL)
	return 30 + h;
      memset (big, 0x5A, 100000);
      r = mrealloc (md, big, 300000);
      if (r == NULL || r[99999] != 0x5A)
	return 40 + h;
      mfree (md, r);
      for (i = 1; i < 200; i += 2)
	if (conc_untag (small[i], NULL, NULL) != NULL)
	  return 50 + h;
      for (i = 0; i < 200; i++)
	mfree (md, small[i]);
      if (mmalloc_check (md) != 0)
	{
	  mmt_note ("child: heap %d: %s", h, mmalloc_check_message (md));
	  return 60 + h;
	}
    }
  if (mmalloc_detach (anon) != NULL)
    return 70;
  return 0;
}

int
main (int argc, char **argv)
{
  int stress = conc_stress (argc, argv);
  long forks = stress ? 2000 : 200, i;
  unsigned long bad = 0, hung = 0;
  pthread_t tid[NTHREADS];
  long long t0;
  int t;

  if (argc > 1 && argv[1][0] != '-')
    forks = atol (argv[1]);
  /* Below the timeout of concurrency.exp: a fork takes some 20 ms, and
     the loop stops after 3 hung children.  */
  conc_watchdog ("fork", (unsigned int) (60 + forks / 10));
  anon = mmalloc_attach (-1, NULL);
  if (anon == NULL)
    mmt_fatal ("mmalloc_attach (-1, NULL): %s", strerror (errno));
  for (t = 0; t < NTHREADS; t++)
    if (pthread_create (&tid[t], NULL, busy, (void *) (uintptr_t) t) != 0)
      mmt_fatal ("pthread_create failed");

  conc_phase = "forking";
  t0 = conc_now_ms ();
  for (i = 0; i < forks; i++)
    {
      pid_t pid;
      int st;
      struct timespec ts = { 0, 2000000 };	/* let the threads run */

      nanosleep (&ts, NULL);
      pid = mmt_fork ();
      if (pid < 0)
	mmt_fatal ("fork: %s", strerror (errno));
      if (pid == 0)
	mmt_child_exit (child ());
      st = conc_wait_ms (pid, CHILD_MS);
      if (st == -2)
	{
	  mmt_note ("child %ld did not exit within %d s: deadlock on a "
		    "lock held by a parent thread at fork?", i,
		    CHILD_MS / 1000);
	  if (++hung == 3)
	    {
	      forks = i + 1;	/* enough: each costs CHILD_MS */
	      break;
	    }
	}
      else if (st != 0)
	{
	  if (bad++ < 5)
	    mmt_note ("child %ld exited with status %d", i, st);
	}
    }
  __atomic_store_n (&stop, 1, __ATOMIC_RELAXED);
  for (t = 0; t < NTHREADS; t++)
    pthread_join (tid[t], NULL);
  mmt_note ("%ld forks in %lld ms", forks, conc_now_ms () - t0);

  mmt_note ("%lu of %ld children hung, %lu failed; %lu errors in the "
	    "parent's threads", hung, forks, bad, thread_errors);
  CHECK (hung == 0, "no child hung");
  CHECK (bad == 0, "every child allocated, freed and exited cleanly");
  CHECK (thread_errors == 0, "the parent's threads saw no damage");
  if (!CHECK (mmalloc_check (NULL) == 0, "parent's default heap "
	      "passes mmalloc_check"))
    mmt_note ("%s", mmalloc_check_message (NULL));
  if (!CHECK (mmalloc_check (anon) == 0, "parent's anonymous heap "
	      "passes mmalloc_check"))
    mmt_note ("%s", mmalloc_check_message (anon));
  CHECK (mmalloc_detach (anon) == NULL, "detach");
  mmt_exit ();
}
