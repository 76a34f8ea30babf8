/* tcgrow.c -- thread caches that grow (tcache.c), seen from inside.
   - Rounds: a thread allocates 600 blocks of 64 bytes and frees them
     all, over and over.  Its cache's limit for the class starts at 128
     and doubles until a round fits; from then on a round leaves the
     heap's count of blocks in use alone (it takes nothing from the heap
     and gives nothing back, so it takes no lock).
   - A consumer: one thread allocates 2000 blocks, another frees them
     all.  The freeing thread's limit never grows: it never ran dry.
   - Every class in turn, in rounds: the cache's limits stay within
     their maximum each, and within MM_TC_BUDGET bytes in all.
   - A heap file attached with MMALLOC_CACHE keeps its first limits
     through the same rounds (what a killed process caches is lost).
   mmalloc_check is 0 after each.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mmprivate.h"
#include "mmtest.h"

#define ROUND 600
#define MAXB 2000

static void *blocks[MAXB];

/* The calling thread's cache for MD (the one its last call used).  */
static struct mm_tcache *
cache_of (void *md)
{
  struct mm_tcache *c = mmi_tc_current;

  if (c == NULL || c->md != md)
    mmt_fatal ("no thread cache bound to the heap");
  return c;
}

/* One round of N blocks of SIZE bytes on MD: all allocated, then all
   freed.  */
static void
round_of (void *md, size_t size, int n)
{
  int i;

  for (i = 0; i < n; i++)
    if ((blocks[i] = mmalloc (md, size)) == NULL)
      mmt_fatal ("mmalloc (%zu): %s", size, strerror (errno));
  for (i = 0; i < n; i++)
    mfree (md, blocks[i]);
}

/* Rounds on MD (a private heap when GROWS): the limit of the class of
   64-byte blocks grows until a round fits, and then rounds touch the
   heap no more; or, on a heap file, it stays put.  */
static void
rounds (void *md, int grows, const char *what)
{
  struct mm_heap *h = mmi_heap_of (md);
  unsigned int k = mmi_class_of (64);
  struct mm_tcache *c;
  uint64_t used;
  int r;

  round_of (md, 64, 1);
  c = cache_of (md);
  CHECK (c->limit[k] == mmi_tc_limit[k], "%s: the class starts at its "
	 "first limit (%u)", what, c->limit[k]);
  for (r = 0; r < 8; r++)
    round_of (md, 64, ROUND);
  if (grows)
    {
      CHECK (c->limit[k] >= ROUND && c->limit[k] <= mmi_tc_max[k],
	     "%s: after 8 rounds of %d blocks the limit grew to hold a round "
	     "(%u, at most %u)", what, ROUND, c->limit[k], mmi_tc_max[k]);
      used = h->hdr->small_used;
      round_of (md, 64, ROUND);
      CHECK (h->hdr->small_used == used, "%s: a round then leaves the "
	     "heap's count of blocks in use alone (%llu, was %llu)", what,
	     (unsigned long long) h->hdr->small_used,
	     (unsigned long long) used);
    }
  else
    CHECK (c->limit[k] == mmi_tc_limit[k], "%s: the limit stays at %u "
	   "(%u)", what, mmi_tc_limit[k], c->limit[k]);
  CHECK (c->count[k] <= c->limit[k], "%s: the class holds no more blocks "
	 "than its limit (%u <= %u)", what, c->count[k], c->limit[k]);
  CHECK (mmalloc_check (md) == 0, "%s: mmalloc_check 0 (%s)", what,
	 mmalloc_check_message (md));
}

static void *heap_md;

static void *
produce (void *arg)
{
  int i;

  (void) arg;
  for (i = 0; i < MAXB; i++)
    if ((blocks[i] = mmalloc (heap_md, 64)) == NULL)
      mmt_fatal ("mmalloc: %s", strerror (errno));
  return NULL;
}

static void *
consume (void *arg)
{
  unsigned int k = mmi_class_of (64);
  struct mm_tcache *c;
  int i;

  (void) arg;
  for (i = 0; i < MAXB; i++)
    mfree (heap_md, blocks[i]);
  c = cache_of (heap_md);
  CHECK (c->limit[k] == mmi_tc_limit[k], "consumer: a thread that only "
	 "frees keeps its first limit (%u after %d frees)", c->limit[k],
	 MAXB);
  return NULL;
}

static void
in_thread (void *(*fn) (void *))
{
  pthread_t t;

  if (pthread_create (&t, NULL, fn, NULL) != 0
      || pthread_join (t, NULL) != 0)
    mmt_fatal ("pthread_create/join failed");
}

/* Rounds of every class: the budget holds.  */
static void *
every_class (void *arg)
{
  struct mm_tcache *c;
  size_t sum = 0, first = 0;
  unsigned int k, over = 0;
  int r;

  (void) arg;
  for (r = 0; r < 6; r++)
    for (k = 0; k < MM_NCLASSES; k++)
      {
	int n = (int) (4 * mmi_tc_max[k]);
	round_of (heap_md, mmi_class_size[k], n < MAXB ? n : MAXB);
      }
  c = cache_of (heap_md);
  for (k = 0; k < MM_NCLASSES; k++)
    {
      sum += (size_t) c->limit[k] * mmi_class_size[k];
      first += (size_t) mmi_tc_limit[k] * mmi_class_size[k];
      if (c->limit[k] > mmi_tc_max[k] || c->count[k] > c->limit[k])
	over++;
    }
  CHECK (over == 0, "every class: no limit above its maximum, no class "
	 "above its limit (%u)", over);
  CHECK (sum == c->limit_bytes && sum <= MM_TC_BUDGET, "every class: the "
	 "limits add up to %zu bytes, within the budget of %u", sum,
	 (unsigned int) MM_TC_BUDGET);
  CHECK (sum > first, "every class: the limits grew past the first ones "
	 "(%zu bytes, from %zu)", sum, first);
  return NULL;
}

int
main (void)
{
  char path[64];
  struct mmalloc_options o;
  void *md;
  int fd;

  alarm (120);
  rounds (NULL, 1, "default heap");
  md = mmalloc_attach (-1, NULL);
  if (md == NULL)
    mmt_fatal ("mmalloc_attach: %s", strerror (errno));
  rounds (md, 1, "anonymous heap");

  heap_md = md;
  in_thread (produce);
  in_thread (consume);
  CHECK (mmalloc_check (md) == 0, "consumer: mmalloc_check 0 (%s)",
	 mmalloc_check_message (md));
  in_thread (every_class);
  CHECK (mmalloc_check (md) == 0, "every class: mmalloc_check 0 (%s)",
	 mmalloc_check_message (md));
  mmalloc_detach (md);

  snprintf (path, sizeof path, "conc-tcgrow-%ld.heap", (long) getpid ());
  unlink (path);
  fd = open (path, O_RDWR | O_CREAT | O_EXCL, 0600);
  memset (&o, 0, sizeof o);
  o.size = sizeof o;
  o.flags = MMALLOC_CACHE;
  md = fd >= 0 ? mmalloc_attach_opts (fd, NULL, &o) : NULL;
  if (md == NULL)
    mmt_fatal ("mmalloc_attach_opts (MMALLOC_CACHE): %s", strerror (errno));
  rounds (md, 0, "heap file with MMALLOC_CACHE");
  mmalloc_detach (md);
  close (fd);
  unlink (path);
  mmt_exit ();
}
