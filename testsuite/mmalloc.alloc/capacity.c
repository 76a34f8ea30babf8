/* capacity.c -- a heap with a capacity (mmalloc_attach_opts) filled
   to the brim.
   Usage: capacity file|anon
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.

   A heap of 4 MiB capacity is filled with small blocks (16 to 512
   bytes) until mmalloc returns NULL with ENOMEM: every block handed out
   is usable (filled and verified), blocks do not overlap, mmstats
   counts them, bytes_total stays within the capacity, mmalloc_check is
   0.  A block larger than the capacity fails at once with ENOMEM.
   Freeing everything brings mmstats back to its baseline, and a second
   fill gets about as many blocks again.  Then the same with 20 KiB
   blocks (page runs).  Last, for anonymous heaps, a heap whose capacity
   is the whole default reservation grows to exactly that.  */

#include "config.h"

#include "alloc-common.h"

#define CAP ((size_t) 4 << 20)
#define MAXBLK 200000

static void *md;
static char *blk[MAXBLK];
static size_t bsz[MAXBLK];

static int
cmp_ptr (const void *a, const void *b)
{
  uintptr_t x = (uintptr_t) blk[*(const size_t *) a];
  uintptr_t y = (uintptr_t) blk[*(const size_t *) b];
  return x < y ? -1 : x > y;
}

/* Fill the heap with blocks from SIZE (), report under NAME; returns
   the number of blocks.  */
static size_t
fill (size_t (*size) (size_t), const char *name, struct mstats base)
{
  size_t n = 0, i, bad = 0, overlap = 0;
  int e;
  struct mstats s;
  static size_t order[MAXBLK];

  for (;;)
    {
      char *p;
      if (n == MAXBLK)
	mmt_fatal ("%s: more than %d blocks in 4 MiB", name, MAXBLK);
      bsz[n] = size (n);
      errno = 0;
      p = mmalloc (md, bsz[n]);
      if (p == NULL)
	break;
      mma_fill (p, bsz[n], (unsigned int) n);
      blk[n++] = p;
    }
  e = errno;
  mmt_note ("%s: %zu blocks before NULL (%s)", name, n, strerror (e));
  mma_why ("errno %s", strerror (e));
  CHECKW (e == ENOMEM, "%s: the full heap fails with ENOMEM", name);
  s = mmstats (md);
  mma_why ("bytes_total %zu", s.bytes_total);
  CHECKW (s.bytes_total <= CAP, "%s: bytes_total stays within the capacity",
	  name);
  mma_why ("chunks_used %zu, expected %zu", s.chunks_used,
	   base.chunks_used + n);
  CHECKW (s.chunks_used == base.chunks_used + n, "%s: mmstats counts every "
	  "block", name);
  for (i = 0; i < n; i++)
    {
      order[i] = i;
      if (!mma_verify (blk[i], bsz[i], (unsigned int) i)
	  || (uintptr_t) blk[i] < (uintptr_t) md
	  || (uintptr_t) blk[i] + bsz[i] > (uintptr_t) md + CAP)
	bad++;
    }
  qsort (order, n, sizeof order[0], cmp_ptr);
  for (i = 1; i < n; i++)
    if (blk[order[i - 1]] + bsz[order[i - 1]] > blk[order[i]])
      overlap++;
  mma_why ("%zu bad", bad);
  CHECKW (bad == 0, "%s: every block is usable and inside the capacity",
	  name);
  mma_why ("%zu overlaps", overlap);
  CHECKW (overlap == 0, "%s: no two blocks overlap", name);
  return n;
}

static size_t
small_size (size_t i)
{
  return 16 + (i * 7919) % 497;
}

static size_t
mid_size (size_t i)
{
  return 20000 + (i % 3) * 100;
}

/* An anonymous heap whose capacity is all the address space the library
   reserves ahead by default (64 GiB; 256 MiB on 32-bit hosts) grows to
   exactly its capacity: its page map, reserved in front of it, takes
   none of that room.  The blocks are never written: the memory is only
   reserved.  */
static void
full_reservation (void)
{
  size_t cap = sizeof (void *) > 4 ? (size_t) 64 << 30 : (size_t) 256 << 20;
  size_t sz, n = 0;
  struct mmalloc_options o;
  struct mstats s;
  void *hmd, *p;

  memset (&o, 0, sizeof o);
  o.size = sizeof o;
  o.capacity = cap;
  hmd = mmalloc_attach_opts (-1, NULL, &o);
  if (hmd == NULL)
    {
      mmt_unsupported ("a heap of %zu MiB capacity: %s", cap >> 20,
		       strerror (errno));
      return;
    }
  for (sz = cap / 64; sz >= (size_t) 64 << 10; sz /= 2)
    while ((p = mmalloc (hmd, sz)) != NULL)
      n++;
  s = mmstats (hmd);
  mma_why ("%zu blocks, bytes_total %zu of %zu", n, s.bytes_total, cap);
  CHECKW (s.bytes_total == cap, "a heap of %zu MiB capacity, placed by the "
	  "library, grows to its whole capacity", cap >> 20);
  CHECK (mmalloc_check (hmd) == 0, "mmalloc_check is 0 on the full heap");
  CHECK (mmalloc_detach (hmd) == NULL, "detach the full heap");
}

int
main (int argc, char **argv)
{
  struct mma_heap H;
  struct mmalloc_options o;
  struct mstats base, s;
  size_t n1, n2, i;
  int round;

  memset (&o, 0, sizeof o);
  o.size = sizeof o;
  o.capacity = CAP;
  mma_open_opts (&H, mma_backend_arg (argc, argv), "capacity", &o);
  md = H.md;
  mmt_note ("backend %s, md %p, capacity %zu", H.kind, md, CAP);
  base = mmstats (md);
  {
    volatile size_t big = CAP + 4096;
    void *p;
    errno = 0;
    p = mma_mmalloc (md, big);
    mma_why ("got %p, errno %s", p, strerror (errno));
    CHECKW (p == NULL && errno == ENOMEM, "a block larger than the capacity "
	    "fails with ENOMEM");
    errno = 0;
    p = mma_mmalloc (md, CAP - 4096);
    mma_why ("got %p, errno %s", p, strerror (errno));
    CHECKW (p == NULL && errno == ENOMEM, "a block of the capacity less a "
	    "page (no room for the header) fails with ENOMEM");
  }

  for (round = 0; round < 2; round++)
    {
      size_t (*sizef) (size_t) = round == 0 ? small_size : mid_size;
      const char *name1 = round == 0 ? "small blocks, first fill"
	: "20 KiB blocks, first fill";
      const char *name2 = round == 0 ? "small blocks, second fill"
	: "20 KiB blocks, second fill";

      n1 = fill (sizef, name1, base);
      mma_check_heap (md, round == 0 ? "when full of small blocks"
		      : "when full of 20 KiB blocks");
      for (i = 0; i < n1; i++)
	mfree (md, blk[i]);
      s = mmstats (md);
      mma_why ("chunks %zu -> %zu, bytes %zu -> %zu", base.chunks_used,
	       s.chunks_used, base.bytes_used, s.bytes_used);
      CHECKW (s.chunks_used == base.chunks_used
	      && s.bytes_used == base.bytes_used,
	      "%s: freeing every block restores mmstats", name1);
      mma_check_heap (md, round == 0 ? "after freeing the small blocks"
		      : "after freeing the 20 KiB blocks");

      n2 = fill (sizef, name2, base);
      mma_why ("%zu then %zu", n1, n2);
      CHECKW (n2 >= n1 - n1 / 20, "%s: as many blocks fit again", name2);
      for (i = 0; i < n2; i++)
	mfree (md, blk[i]);
      s = mmstats (md);
      CHECK (s.chunks_used == base.chunks_used
	     && s.bytes_used == base.bytes_used,
	     "%s: freeing every block restores mmstats", name2);
    }
  /* A mixed fill: small blocks, then what the rest of the heap holds
     of large ones.  */
  {
    size_t n = 0, k;
    for (;;)
      {
	void *p = mmalloc (md, n % 2 ? 100 : 30000);
	if (p == NULL)
	  break;
	blk[n++] = p;
      }
    CHECK (n > 0 && errno == ENOMEM, "mixed sizes fill the heap until ENOMEM");
    mma_check_heap (md, "when full of mixed blocks");
    for (k = 0; k < n; k++)
      mfree (md, blk[k]);
    s = mmstats (md);
    CHECK (s.chunks_used == base.chunks_used && s.bytes_used == base.bytes_used,
	   "mixed sizes: freeing every block restores mmstats");
  }
  mma_check_heap (md, "at the end");
  mma_close (&H);
  if (strcmp (H.kind, "anon") == 0)
    full_reservation ();
  mmt_exit ();
}
