/* stats.c -- mmstats (scenarios 13 and 19): struct mstats has GNU's five
   size_t fields in GNU's order; after allocating 1, 8, 16, 17, 100,
   2048, 2049, 4096, 4097 and 100000 bytes from a fresh heap,
   chunks_used is 10 and bytes_used the sum of the blocks' usable
   (rounded) sizes; what mmstats.c guarantees of the other fields holds
   (bytes_total is the part of the region carved so far, whole pages,
   and covers the used and free bytes); and after every one of 20000
   random operations of mixed sizes (small blocks, page runs, huge
   blocks beyond a 16 MiB segment) through mmalloc, mcalloc, mmemalign,
   mvalloc, mrealloc and mfree, chunks_used and bytes_used equal the
   sums the test keeps itself -- on an anonymous heap, on the default
   heap (thread cache included), and on a heap file, whose counts
   another process finds again after attaching it -- and they go back
   to where they started when everything is freed.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

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

/* The blocks of a random workload, and the test's own sums of them.  */
enum { SLOTS = 300 };
static char *slot[SLOTS];
static size_t asked[SLOTS];
static size_t align_of[SLOTS];
static size_t live, bytes, asked_bytes;

static uint64_t
next (uint64_t *x)
{
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

/* A size: mostly small, some page runs, rarely a huge block (more than
   a 16 MiB segment; at most two live at a time).  */
static size_t
random_size (uint64_t *x, int *huge)
{
  uint64_t r = next (x);

  switch (r % 64)
    {
    case 0:
      if (*huge < 2)
	{
	  ++*huge;
	  return ((size_t) 17 << 20) + (size_t) (r >> 8) % ((size_t) 24 << 20);
	}
      /* fall through */
    case 1: case 2: case 3: case 4: case 5: case 6: case 7:
      return 16385 + (size_t) (r >> 8) % 400000;
    case 8: case 9: case 10: case 11: case 12: case 13: case 14: case 15:
      return 2049 + (size_t) (r >> 8) % 14336;
    default:
      return 1 + (size_t) (r >> 8) % 2048;
    }
}

/* The rounded size of block P of MD: its usable size, plus -- for a
   block of an alignment that is no power of two, which the engine
   places inside a run of whole pages -- the bytes of that run before
   P.  */
static size_t
rounded (void *md, char *p, size_t align)
{
  size_t u = mmalloc_usable_size (md, p);

  if (align != 0 && (align & (align - 1)) != 0)
    u += (uintptr_t) p % 4096;
  return u;
}

/* Add block P (SIZE bytes asked for, at ALIGN or 0) of MD to the
   sums.  */
static void
count_in (void *md, unsigned int k, char *p, size_t size, size_t align)
{
  size_t u = mmalloc_usable_size (md, p);

  if (u < size)
    mmt_fail ("usable size %zu of a %zu-byte block is short", u, size);
  slot[k] = p;
  asked[k] = size;
  align_of[k] = align;
  live++;
  bytes += rounded (md, p, align);
  asked_bytes += size;
  p[0] = 'x';			/* touch both ends only: huge blocks */
  p[size - 1] = 'y';
}

static void
count_out (void *md, unsigned int k, int *huge)
{
  live--;
  bytes -= rounded (md, slot[k], align_of[k]);
  asked_bytes -= asked[k];
  if (asked[k] > ((size_t) 16 << 20))
    --*huge;
  slot[k] = NULL;
  asked[k] = 0;
}

/* 20000 random operations on MD -- mmalloc, mcalloc, mmemalign (powers
   of two up to 8192 and odd alignments), mvalloc, mrealloc (growing
   and shrinking, across small, large and huge) and mfree -- with
   mmstats compared after every one: chunks_used is the number of live
   blocks, bytes_used the sum of their usable (rounded) sizes, relative
   to BASE.  With FREE_ALL, everything is freed at the end and the
   counts go back to BASE.  */
static void
workload (void *md, const char *what, int free_all, struct mstats base)
{
  static const size_t aligns[] = { 8, 16, 32, 64, 128, 4096, 8192, 24, 48,
				   100, 1000 };
  uint64_t x = 88172645463325252ULL;
  int op, wrong = 0, huge = 0, kinds[7] = { 0 };
  struct mstats s;
  unsigned int k;

  live = bytes = asked_bytes = 0;
  for (k = 0; k < SLOTS; k++)
    slot[k] = NULL;
  for (op = 0; op < 20000; op++)
    {
      uint64_t r = next (&x);
      char *p;
      size_t n, a = 0;

      k = (unsigned int) (r % SLOTS);
      if (slot[k] == NULL)
	{
	  n = random_size (&x, &huge);
	  switch ((r >> 20) % 8)
	    {
	    case 0:
	      p = mcalloc (md, 1 + n % 7, n / (1 + n % 7) + 1);
	      n = (1 + n % 7) * (n / (1 + n % 7) + 1);
	      kinds[0]++;
	      break;
	    case 1:
	      a = aligns[(r >> 24) % (sizeof aligns / sizeof aligns[0])];
	      /* A huge block aligned beyond a page starts after a lead
		 that bytes_used counts and the test cannot see.  */
	      if (n > ((size_t) 16 << 20) && a > 4096)
		a = 4096;
	      p = mmemalign (md, a, n);
	      if (p != NULL && (uintptr_t) p % a != 0)
		mmt_fail ("%s: mmemalign (%zu) misaligned", what, a);
	      kinds[1]++;
	      break;
	    case 2:
	      p = mvalloc (md, n);
	      kinds[2]++;
	      break;
	    default:
	      p = mmalloc (md, n);
	      kinds[3]++;
	      break;
	    }
	  if (p == NULL)
	    mmt_fatal ("%s: allocation of %zu bytes failed", what, n);
	  count_in (md, k, p, n, a);
	}
      else if ((r >> 30) % 3 == 0)
	{
	  char *old = slot[k];
	  size_t old_align = align_of[k];
	  count_out (md, k, &huge);	/* before P: it reads OLD's size */
	  n = (r >> 33) % 4 == 0 ? random_size (&x, &huge)
	    : 1 + (size_t) (r >> 36) % 3000;
	  p = mrealloc (md, old, n);
	  if (p == NULL)
	    mmt_fatal ("%s: mrealloc to %zu bytes failed", what, n);
	  /* Resized in place, a block keeps the lead of its alignment
	     (whether it stays in place depends on the heap's address).  */
	  count_in (md, k, p, n, p == old ? old_align : 0);
	  kinds[4]++;
	}
      else
	{
	  p = slot[k];
	  count_out (md, k, &huge);
	  mfree (md, p);
	  kinds[5]++;
	}
      s = mmstats (md);
      if (s.chunks_used - base.chunks_used != live
	  || s.bytes_used - base.bytes_used != bytes)
	{
	  if (wrong++ == 0)
	    mmt_note ("%s: after operation %d (slot %u, %zu bytes at %p, "
		      "align %zu): chunks_used %zu, bytes_used "
		      "%zu; the test counts %zu, %zu", what, op, k, asked[k],
		      (void *) slot[k], align_of[k],
		      s.chunks_used - base.chunks_used,
		      s.bytes_used - base.bytes_used, live, bytes);
	}
    }
  mmt_note ("%s: %d mcalloc, %d mmemalign, %d mvalloc, %d mmalloc, %d "
	    "mrealloc, %d mfree; %zu blocks live, %zu bytes", what,
	    kinds[0], kinds[1], kinds[2], kinds[3], kinds[4], kinds[5], live,
	    bytes);
  CHECK (wrong == 0, "%s: 20000 random operations: chunks_used and "
	 "bytes_used equal the test's own sums after every one (%d wrong)",
	 what, wrong);
  s = mmstats (md);
  CHECK (s.bytes_used - base.bytes_used >= asked_bytes, "%s: bytes_used "
	 "covers the %zu bytes asked for", what, asked_bytes);
  sane (s, what);
  CHECK (mmalloc_check (md) == 0, "%s: mmalloc_check after random "
	 "operations: %s", what, mmalloc_check_message (md));
  if (!free_all)
    return;
  for (k = 0; k < SLOTS; k++)
    if (slot[k] != NULL)
      {
	char *p = slot[k];
	count_out (md, k, &huge);
	mfree (md, p);
      }
  s = mmstats (md);
  CHECK (s.chunks_used == base.chunks_used
	 && s.bytes_used == base.bytes_used, "%s: everything freed: "
	 "chunks_used %zu, bytes_used %zu are back where they started",
	 what, s.chunks_used, s.bytes_used);
}

/* The workload on a heap file, left with its blocks live; another
   process attaches the file and finds the same counts (they live in the
   file), frees everything and finds them back at zero.  */
static void
file_heap (void)
{
  char name[64];
  struct mstats base, s;
  size_t want_live, want_bytes;
  unsigned int k;
  void *md;
  int fd, huge = 0;
  pid_t pid;

  snprintf (name, sizeof name, "check-stats-%ld.heap", (long) getpid ());
  unlink (name);
  fd = open (name, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0)
    mmt_fatal ("open %s: %s", name, strerror (errno));
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    mmt_fatal ("mmalloc_attach (%s): %s", name, strerror (errno));
  base = mmstats (md);
  workload (md, "heap file", 0, base);
  want_live = base.chunks_used + live;
  want_bytes = base.bytes_used + bytes;
  mmalloc_detach (md);
  close (fd);

  pid = mmt_fork ();
  if (pid < 0)
    mmt_fatal ("fork: %s", strerror (errno));
  if (pid == 0)
    {
      mmt_failures = 0;
      fd = open (name, O_RDWR);
      md = fd < 0 ? NULL : mmalloc_attach (fd, NULL);
      if (md == NULL)
	mmt_fatal ("child: attach %s: %s", name, strerror (errno));
      s = mmstats (md);
      CHECK (s.chunks_used == want_live && s.bytes_used == want_bytes,
	     "child: the heap file attached again: chunks_used %zu, "
	     "bytes_used %zu (want %zu, %zu)", s.chunks_used, s.bytes_used,
	     want_live, want_bytes);
      for (k = 0; k < SLOTS; k++)
	if (slot[k] != NULL)
	  {
	    char *p = slot[k];
	    if (p[0] != 'x' || p[asked[k] - 1] != 'y')
	      mmt_fail ("child: block %u lost its contents", k);
	    count_out (md, k, &huge);
	    mfree (md, p);
	  }
      s = mmstats (md);
      CHECK (s.chunks_used == base.chunks_used
	     && s.bytes_used == base.bytes_used, "child: everything freed: "
	     "chunks_used %zu, bytes_used %zu (want %zu, %zu)",
	     s.chunks_used, s.bytes_used, base.chunks_used, base.bytes_used);
      sane (s, "child: heap file emptied");
      mmalloc_detach (md);
      close (fd);
      mmt_child_exit (mmt_failures != 0);
    }
  CHECK (mmt_wait (pid) == 0, "the process that attached the heap file "
	 "again ended normally");
  unlink (name);
}

/* The default heap (with its thread cache): the counts move by what
   the workload holds.  */
static void
default_heap (void)
{
  workload (NULL, "default heap", 1, mmstats (NULL));
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

  /* Random operations, against the test's own sums.  */
  workload (md, "anonymous heap", 1, s0);
  file_heap ();
  default_heap ();

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
