/* stats.c -- mmstats (scenarios 13 and 19): struct mstats has GNU's five
   size_t fields in GNU's order; after allocating 1, 8, 16, 17, 100,
   2048, 2049, 4096, 4097 and 100000 bytes from a fresh heap,
   chunks_used is 10 and bytes_used the sum of the blocks' usable
   (rounded) sizes; what mmstats.c guarantees of the other fields holds
   (bytes_total is the part of the region carved so far, whole pages,
   and covers the used and free bytes); the counts follow random
   operations exactly and go back to zero when everything is freed.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mmalloc.h>
#include "mmtest.h"

#define IS_SIZE_T(x) _Generic (&(x), size_t *: 1, default: 0)

static void
sane (struct mstats s, const char *what)
{
  CHECK (s.bytes_total % 4096 == 0, "%s: bytes_total %zu is whole pages",
	 what, s.bytes_total);
  CHECK (s.bytes_total >= s.bytes_used + s.bytes_free,
	 "%s: bytes_total %zu >= bytes_used %zu + bytes_free %zu", what,
	 s.bytes_total, s.bytes_used, s.bytes_free);
  CHECK ((s.chunks_used == 0) == (s.bytes_used == 0)
	 && (s.chunks_free == 0) == (s.bytes_free == 0),
	 "%s: chunk counts and byte counts agree on emptiness", what);
}

int
main (void)
{
  static const size_t sizes[] = { 1, 8, 16, 17, 100, 2048, 2049, 4096,
				   4097, 100000 };
  enum { NS = sizeof sizes / sizeof sizes[0] };
  struct mstats s, s0;
  void *md;
  char *b[NS];
  size_t i, sum = 0;

  /* Layout.  */
  {
    struct mstats t;
    CHECK (sizeof (struct mstats) == 5 * sizeof (size_t),
	   "sizeof (struct mstats) is five size_t");
    CHECK (offsetof (struct mstats, bytes_total) == 0 * sizeof (size_t)
	   && offsetof (struct mstats, chunks_used) == 1 * sizeof (size_t)
	   && offsetof (struct mstats, bytes_used) == 2 * sizeof (size_t)
	   && offsetof (struct mstats, chunks_free) == 3 * sizeof (size_t)
	   && offsetof (struct mstats, bytes_free) == 4 * sizeof (size_t),
	   "struct mstats fields in GNU order: bytes_total, chunks_used, "
	   "bytes_used, chunks_free, bytes_free");
    CHECK (IS_SIZE_T (t.bytes_total) && IS_SIZE_T (t.chunks_used)
	   && IS_SIZE_T (t.bytes_used) && IS_SIZE_T (t.chunks_free)
	   && IS_SIZE_T (t.bytes_free), "every field of struct mstats is "
	   "a size_t");
    (void) t;
  }

  md = mmalloc_attach (-1, NULL);
  if (md == NULL)
    mmt_fatal ("mmalloc_attach (-1, NULL): %s", strerror (errno));
  s0 = mmstats (md);
  CHECK (s0.chunks_used == 0 && s0.bytes_used == 0,
	 "a fresh heap: nothing used (%zu chunks, %zu bytes)",
	 s0.chunks_used, s0.bytes_used);
  CHECK (s0.bytes_total > 0, "a fresh heap: bytes_total %zu > 0 (header)",
	 s0.bytes_total);
  sane (s0, "fresh heap");

  for (i = 0; i < NS; i++)
    {
      b[i] = mmalloc (md, sizes[i]);
      if (b[i] == NULL)
	mmt_fatal ("mmalloc (md, %zu) failed", sizes[i]);
      memset (b[i], 'x', sizes[i]);
      sum += mmalloc_usable_size (md, b[i]);
    }
  s = mmstats (md);
  mmt_note ("after the ten blocks: total %zu, used %zu / %zu, "
	    "free %zu / %zu", s.bytes_total, s.chunks_used, s.bytes_used,
	    s.chunks_free, s.bytes_free);
  CHECK (s.chunks_used == NS, "chunks_used == 10 after the ten blocks "
	 "(%zu)", s.chunks_used);
  CHECK (s.bytes_used == sum, "bytes_used == the sum of their usable "
	 "sizes (%zu, want %zu)", s.bytes_used, sum);
  CHECK (sum >= 1 + 8 + 16 + 17 + 100 + 2048 + 2049 + 4096 + 4097 + 100000,
	 "the rounded sizes cover the sizes asked for");
  sane (s, "ten blocks");

  /* Free two, realloc two: the counts follow.  */
  sum -= mmalloc_usable_size (md, b[0]) + mmalloc_usable_size (md, b[9]);
  mfree (md, b[0]);
  mfree (md, b[9]);
  s = mmstats (md);
  CHECK (s.chunks_used == NS - 2 && s.bytes_used == sum,
	 "after freeing two: chunks_used %zu, bytes_used %zu (want %d, %zu)",
	 s.chunks_used, s.bytes_used, NS - 2, sum);
  sum -= mmalloc_usable_size (md, b[4]) + mmalloc_usable_size (md, b[8]);
  b[4] = mrealloc (md, b[4], 30000);
  b[8] = mrealloc (md, b[8], 50);
  if (b[4] == NULL || b[8] == NULL)
    mmt_fatal ("mrealloc failed");
  sum += mmalloc_usable_size (md, b[4]) + mmalloc_usable_size (md, b[8]);
  s = mmstats (md);
  CHECK (s.chunks_used == NS - 2 && s.bytes_used == sum,
	 "after two mreallocs: chunks_used %zu, bytes_used %zu (want %d, %zu)",
	 s.chunks_used, s.bytes_used, NS - 2, sum);
  sane (s, "after frees and mreallocs");
  for (i = 1; i < NS - 1; i++)
    mfree (md, b[i]);
  s = mmstats (md);
  CHECK (s.chunks_used == 0 && s.bytes_used == 0,
	 "everything freed: chunks_used %zu, bytes_used %zu", s.chunks_used,
	 s.bytes_used);
  sane (s, "everything freed");

  /* Random operations, against a shadow count.  */
  {
    enum { SLOTS = 300 };
    static char *slot[SLOTS];
    uint64_t x = 88172645463325252ULL;
    size_t live = 0, bytes = 0;
    int op, wrong = 0;
    for (op = 0; op < 20000; op++)
      {
	unsigned int k;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	k = (unsigned int) (x % SLOTS);
	if (slot[k] == NULL)
	  {
	    size_t n = (x >> 20) % 4 == 0 ? 1 + (x >> 24) % 300000
	      : 1 + (x >> 24) % 3000;
	    slot[k] = (x >> 40) % 8 == 0 ? mmemalign (md, 64, n)
	      : mmalloc (md, n);
	    if (slot[k] == NULL)
	      mmt_fatal ("allocation failed");
	    live++;
	    bytes += mmalloc_usable_size (md, slot[k]);
	  }
	else
	  {
	    bytes -= mmalloc_usable_size (md, slot[k]);
	    if ((x >> 30) % 3 == 0)
	      {
		slot[k] = mrealloc (md, slot[k], 1 + (x >> 33) % 20000);
		if (slot[k] == NULL)
		  mmt_fatal ("mrealloc failed");
		bytes += mmalloc_usable_size (md, slot[k]);
	      }
	    else
	      {
		mfree (md, slot[k]);
		slot[k] = NULL;
		live--;
	      }
	  }
	if (op % 1000 == 999)
	  {
	    s = mmstats (md);
	    if (s.chunks_used != live || s.bytes_used != bytes)
	      wrong++;
	  }
      }
    CHECK (wrong == 0, "20000 random operations: chunks_used and "
	   "bytes_used match the live blocks at every check (%d wrong)",
	   wrong);
    s = mmstats (md);
    sane (s, "random operations");
    CHECK (mmalloc_check (md) == 0, "mmalloc_check after random "
	   "operations: %s", mmalloc_check_message (md));
    {
      unsigned int k;
      for (k = 0; k < SLOTS; k++)
	mfree (md, slot[k]);
    }
    s = mmstats (md);
    CHECK (s.chunks_used == 0 && s.bytes_used == 0,
	   "random operations, then everything freed: nothing used");
  }

  /* A heap of blocks too big for one segment.  */
  {
    char *huge = mmalloc (md, (size_t) 40 << 20);
    if (CHECK (huge != NULL, "a 40 MiB block"))
      {
	s = mmstats (md);
	CHECK (s.chunks_used == 1
	       && s.bytes_used == mmalloc_usable_size (md, huge),
	       "a 40 MiB block counts as one chunk of its usable size "
	       "(%zu, %zu bytes)", s.chunks_used, s.bytes_used);
	sane (s, "40 MiB block");
	mfree (md, huge);
	s = mmstats (md);
	CHECK (s.chunks_used == 0 && s.bytes_used == 0,
	       "the 40 MiB block freed: nothing used");
      }
  }

  /* mmstats of something that is no heap: all zero.  */
  s = mmstats ((char *) md + 4096);
  CHECK (s.bytes_total == 0 && s.chunks_used == 0 && s.bytes_used == 0
	 && s.chunks_free == 0 && s.bytes_free == 0,
	 "mmstats of an address that is no heap is all zero");
  mmalloc_detach (md);
  mmt_exit ();
}
