/* random.c -- a long run of random allocation calls against a shadow
   (gnu-mmalloc.md section 7, scenario 13, at scale).
   Usage: random file|anon|default [OPS [SEED]]     (OPS default 1000000)
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.

   OPS operations on 4096 slots: an empty slot gets a block from
   mmalloc, mcalloc, mmemalign (alignments 16 to 8192, and 48, 96,
   1000) or mrealloc (md, NULL, n); a full slot is freed (mfree, or
   now and then mrealloc (md, p, 0)) or resized with mrealloc.  Sizes
   mix 1-256, 1-20000 and now and then 100 KiB-2 MiB.  Every block is
   filled with the pattern of its tag; the shadow keeps tag and size,
   and the contents are verified before every mrealloc and mfree (and
   the kept prefix after every mrealloc).  Blocks are aligned (16, or
   what mmemalign asked for), mcalloc's are zero, usable sizes are big
   enough.  Every 50000 operations and at the end: mmalloc_check is 0,
   mmstats chunks_used is the number of live blocks and bytes_used the
   sum of their rounded sizes (the size class of a small block, the
   pages of a large one).  Then everything is freed and checked again.  */

#include "config.h"

#include <time.h>

#include "alloc-common.h"

#define NSLOT 4096
#define SMALL_MAX 16384		/* largest small request (internals) */
#define CHECK_EVERY 50000

struct blk
{
  void *p;
  size_t size;
  unsigned int tag;
  int large;			/* a page run, not a small-class block */
};

static void *md;
static struct blk slot[NSLOT];
static size_t nlive;
static struct mstats base;

/* Failure counters, reported once at the end (a run of a million
   operations must not print a million lines).  */
static size_t f_alloc, f_align, f_zero, f_usable, f_content, f_realloc_kept;
static size_t f_check, f_chunks, f_bytes;
static size_t n_ops[8];

static size_t
pick_size (void)
{
  uint64_t r = mma_rand () % 1000;

  if (r == 0)
    return mma_range (100 * 1024, 2 * 1024 * 1024);
  if (r < 300)
    return mma_range (1, 20000);
  return mma_range (1, 256);
}

static int
pow2 (size_t a)
{
  return (a & (a - 1)) == 0;
}

/* The rounded size mmstats counts for block B: the size class (usable
   size) of a small block, the pages of a large one.  */
static size_t
rounded (const struct blk *b)
{
  size_t u = mmalloc_usable_size (md, b->p);

  return b->large ? (u + 4095) & ~(size_t) 4095 : u;
}

static void
audit (const char *when, int report)
{
  size_t i, live = 0, bytes = 0;
  struct mstats s = mmstats (md);
  int rc = mmalloc_check (md);

  for (i = 0; i < NSLOT; i++)
    if (slot[i].p != NULL)
      {
	live++;
	bytes += rounded (&slot[i]);
	if (!mma_verify (slot[i].p, slot[i].size, slot[i].tag))
	  f_content++;
      }
  if (rc != 0)
    {
      f_check++;
      mmt_note ("mmalloc_check failed %s: %s", when,
		mmalloc_check_message (md));
    }
  if (s.chunks_used != base.chunks_used + live || live != nlive)
    {
      f_chunks++;
      mmt_note ("chunks_used %zu %s, expected %zu + %zu", s.chunks_used,
		when, base.chunks_used, live);
    }
  if (s.bytes_used != base.bytes_used + bytes)
    {
      f_bytes++;
      mmt_note ("bytes_used %zu %s, expected %zu + %zu", s.bytes_used, when,
		base.bytes_used, bytes);
    }
  if (report)
    {
      mma_why ("%s", rc ? mmalloc_check_message (md) : "");
      CHECKW (rc == 0, "mmalloc_check is 0 %s", when);
      mma_why ("chunks_used %zu, expected %zu", s.chunks_used,
	       base.chunks_used + live);
      CHECKW (s.chunks_used == base.chunks_used + live,
	      "mmstats chunks_used equals the live blocks %s", when);
      mma_why ("bytes_used %zu, expected %zu", s.bytes_used,
	       base.bytes_used + bytes);
      CHECKW (s.bytes_used == base.bytes_used + bytes,
	      "mmstats bytes_used is the sum of rounded sizes %s", when);
    }
}

static void
new_block (struct blk *b)
{
  static const size_t aligns[] = { 16, 32, 64, 128, 256, 512, 4096, 8192,
    48, 96, 1000 };
  size_t size = pick_size (), align = 16;
  int how = (int) (mma_rand () % 20), zero = 0;
  void *p;

  if (how < 12)
    {
      p = mmalloc (md, size);
      n_ops[0]++;
    }
  else if (how < 15)
    {
      size_t n = size % 7 == 0 ? 7 : 1;
      p = mcalloc (md, n, size / n);
      size = size / n * n;
      zero = 1;
      n_ops[1]++;
    }
  else if (how < 17)
    {
      align = aligns[mma_rand () % (sizeof aligns / sizeof aligns[0])];
      p = mmemalign (md, align, size);
      n_ops[2]++;
    }
  else
    {
      p = mrealloc (md, NULL, size);
      n_ops[3]++;
    }
  if (p == NULL)
    {
      if (f_alloc++ < 5)
	mmt_note ("allocation of %zu bytes failed: %s", size,
		  strerror (errno));
      return;
    }
  /* 16-aligned, or a multiple of the alignment asked for (which, like
     1000, need not be a multiple of 16).  */
  if ((uintptr_t) p % align != 0)
    {
      if (f_align++ < 5)
	mmt_note ("block %p for alignment %zu", p, align);
    }
  if (zero && !mma_is_zero (p, size))
    f_zero++;
  if (mmalloc_usable_size (md, p) < size)
    f_usable++;
  b->p = p;
  b->size = size;
  b->tag = (unsigned int) mma_rand ();
  b->large = size > SMALL_MAX
    || (align > 16 && !(pow2 (align) && align <= 4096));
  mma_fill (p, size, b->tag);
  nlive++;
}

static void
change_block (struct blk *b)
{
  uint64_t r = mma_rand () % 100;

  if (!mma_verify (b->p, b->size, b->tag))
    {
      if (f_content++ < 5)
	mmt_note ("block %p of %zu bytes lost its contents", b->p, b->size);
    }
  if (r < 48)
    {
      mfree (md, b->p);
      n_ops[4]++;
    }
  else if (r < 50)
    {
      if (mrealloc (md, b->p, 0) != NULL)
	f_alloc++;
      n_ops[5]++;
    }
  else
    {
      size_t size = r < 75 ? pick_size ()
	: r < 90 ? b->size + mma_range (1, 3000)
	: b->size / 2 + 1;
      size_t keep = size < b->size ? size : b->size;
      void *q = mrealloc (md, b->p, size);
      n_ops[6]++;
      if (q == NULL)
	{
	  if (f_alloc++ < 5)
	    mmt_note ("mrealloc to %zu bytes failed: %s", size,
		      strerror (errno));
	  return;		/* the old block stays */
	}
      if (!mma_verify (q, keep, b->tag))
	f_realloc_kept++;
      /* A moved block is 16-aligned; one resized in place keeps the
	 address mmemalign gave it.  */
      if (q != b->p && (uintptr_t) q % 16 != 0)
	{
	  if (f_align++ < 5)
	    mmt_note ("mrealloc moved a block to %p", q);
	}
      if (mmalloc_usable_size (md, q) < size)
	f_usable++;
      mma_fill_range (q, keep, size, b->tag);
      b->p = q;
      b->size = size;
      b->large = size > SMALL_MAX;
      return;
    }
  b->p = NULL;
  nlive--;
}

int
main (int argc, char **argv)
{
  struct mma_heap H;
  long ops = argc > 2 ? atol (argv[2]) : 1000000;
  long i;
  struct timespec t0, t1;
  void *first;
  char when[64];

  if (argc > 3)
    mma_rng_state = strtoull (argv[3], NULL, 0) | 1;
  mma_open (&H, mma_backend_arg (argc, argv), "random");
  md = H.md;
  mmt_note ("backend %s, md %p, %ld operations", H.kind, md, ops);
  first = mmalloc (md, 8);
  mfree (md, first);
  base = mmstats (md);
  clock_gettime (CLOCK_MONOTONIC, &t0);

  for (i = 1; i <= ops; i++)
    {
      struct blk *b = &slot[mma_rand () % NSLOT];
      if (b->p == NULL)
	new_block (b);
      else
	change_block (b);
      if (i % CHECK_EVERY == 0 && i != ops)
	{
	  snprintf (when, sizeof when, "after %ld operations", i);
	  audit (when, 0);
	}
    }
  audit ("at the end of the run", 1);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  {
    struct mstats s = mmstats (md);
    mmt_note ("%ld operations in %.2f s: %zu mmalloc, %zu mcalloc, %zu "
	      "mmemalign, %zu mrealloc (NULL), %zu mfree, %zu mrealloc (p, "
	      "0), %zu mrealloc; %zu live, bytes_total %zu", ops,
	      (double) (t1.tv_sec - t0.tv_sec)
	      + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9, n_ops[0], n_ops[1],
	      n_ops[2], n_ops[3], n_ops[4], n_ops[5], n_ops[6], nlive,
	      s.bytes_total);
  }
  CHECK (f_alloc == 0, "no allocation failed during the run");
  CHECK (f_align == 0, "every block was aligned as asked");
  CHECK (f_zero == 0, "every mcalloc block was zeroed");
  CHECK (f_usable == 0, "every usable size covered the request");
  mma_why ("%zu", f_content);
  CHECKW (f_content == 0, "every block kept its contents until freed");
  mma_why ("%zu", f_realloc_kept);
  CHECKW (f_realloc_kept == 0, "every mrealloc kept the contents");
  mma_why ("%zu", f_check);
  CHECKW (f_check == 0, "mmalloc_check was 0 at every checkpoint");
  mma_why ("%zu", f_chunks);
  CHECKW (f_chunks == 0, "chunks_used matched the live blocks at every "
	  "checkpoint");
  mma_why ("%zu", f_bytes);
  CHECKW (f_bytes == 0, "bytes_used matched the rounded sizes at every "
	  "checkpoint");

  for (i = 0; i < NSLOT; i++)
    if (slot[i].p != NULL)
      {
	if (!mma_verify (slot[i].p, slot[i].size, slot[i].tag))
	  f_content++;
	mfree (md, slot[i].p);
	slot[i].p = NULL;
	nlive--;
      }
  audit ("after freeing everything", 1);
  mma_close (&H);
  mmt_exit ();
}
