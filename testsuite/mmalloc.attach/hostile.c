/* hostile.c -- a sound heap file with a hostile interior.  Descriptors,
   list heads, free-list offsets, bin heads and statistics of a heap
   with live and freed blocks are overwritten with garbage (chosen and
   random values, extremes such as 0xffffffff), then a child process
   attaches the file and allocates, frees and checks.  The child must
   not crash or hang (doc/internals.texi, "Validation of heap files": a
   damaged heap may refuse work or hand out its own memory wrongly, but
   never reads or writes outside the region), every block it gets lies
   inside the region, and mmalloc_check reports -1 with EUCLEAN for the
   chosen, detectable corruptions.  White-box: targets are found with
   the layout of mmprivate.h.

   Usage: hostile [ITERATIONS [SEED]]: random corruptions (default 200,
   seed 1); a failing iteration is printed with its number and seed.
   To debug one case in this process (no fork, e.g. under gdb):
   hostile -c N (chosen corruption N, from 0) or hostile -r I SEED
   (random iteration I); the corrupted file is left in place.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <stddef.h>
#include <mmalloc.h>
#include "mmprivate.h"
#include "attach-util.h"

#define PROG "hostile"

static const char *name;
static unsigned char *sound;
static size_t sound_len;

/* Child exit codes.  */
#define X_SOUND 0		/* check said 0 at the start */
#define X_DETECTED 10		/* check said -1/EUCLEAN at the start */
#define X_REFUSED 20		/* attach refused with EUCLEAN */
#define X_BADERRNO 2		/* a result outside the contract */
#define X_OUTSIDE 3		/* a block outside the region */
#define X_DETACH 4		/* detach failed */

/* ------------------------------------------------------------------ */
/* The sound heap.  */

static int
make_sound (void *arg)
{
  static const size_t small[] = { 16, 48, 100, 500, 2000, 10000 };
  void *keep[6][120], *large[8];
  int fd = atu_create (name);
  void *md = mmalloc_attach (fd, NULL);
  int c, i;

  (void) arg;
  if (md == NULL)
    return 1;
  for (c = 0; c < 6; c++)
    for (i = 0; i < 120; i++)
      {
	keep[c][i] = mmalloc (md, small[c]);
	if (keep[c][i] == NULL)
	  return 2;
	memset (keep[c][i], c + i, small[c]);
      }
  for (i = 0; i < 8; i++)
    {
      large[i] = mmalloc (md, 20000 + (size_t) i * 15000);
      if (large[i] == NULL)
	return 3;
      memset (large[i], 0x40 + i, 20000 + (size_t) i * 15000);
    }
  /* Partial runs, empty runs, free page runs between live blocks.  */
  for (c = 0; c < 6; c++)
    for (i = 0; i < 120; i += (c % 2 == 0 ? 2 : 1))
      if (c != 5 || i < 60)
	mfree (md, keep[c][i]);
  for (i = 1; i < 8; i += 2)
    mfree (md, large[i]);
  mmalloc_setkey (md, 0, keep[1][1]);
  mmalloc_setkey (md, 1, large[0]);
  mmalloc_setkey (md, 2, keep[4][1]);
  mmalloc_setkey (md, 3, large[6]);
  if (mmalloc_check (md) != 0)
    return 4;
  if (mmalloc_detach (md) != NULL)
    return 5;
  close (fd);
  return 0;
}

static struct mm_header *
shdr (unsigned char *img)
{
  return (struct mm_header *) img;
}

static struct mm_page *
sdesc (unsigned char *img, uint32_t page)
{
  /* Segment 0 only: the sound heap is small.  */
  return (struct mm_page *) (img + MM_DESC_PAGE * MM_PAGE) + page;
}

static uint32_t
stop_page (unsigned char *img)
{
  return (uint32_t) (shdr (img)->top >> MM_PAGE_SHIFT);
}

/* The first head page of kind KIND (with a free list when WANT_FREE),
   or 0.  */
static uint32_t
find_head (unsigned char *img, int kind, int want_free)
{
  uint32_t p, top = stop_page (img);

  for (p = MM_META_PAGES; p < top; p++)
    {
      struct mm_page *d = sdesc (img, p);
      if (d->kind == kind && (!want_free || d->free != 0))
	return p;
    }
  return 0;
}

/* ------------------------------------------------------------------ */
/* The child: attach, check, work, check.  */

static int violations;

static void
violation (const char *fmt, const char *what, long v)
{
  if (violations++ < 3)
    mmt_note (fmt, what, v);
}

static int
in_region (void *md, int fd, void *p, size_t n)
{
  off_t fs = atu_fsize (fd);
  return (char *) p >= (char *) md && fs > 0
    && (char *) p + n <= (char *) md + fs;
}

/* Write N bytes at P unless they touch segment 0's metadata.  */
static void
scribble (void *md, void *p, size_t n, int v)
{
  if ((char *) p >= (char *) md + (size_t) MM_META_PAGES * MM_PAGE)
    memset (p, v, n);
}

static int
check_result (void *md, const char *when)
{
  int r;

  errno = 0;
  r = mmalloc_check (md);
  if (r == 0)
    return 0;
  if (r != -1 || errno != EUCLEAN)
    violation ("mmalloc_check %s: bad result or errno %ld", when, (long) errno);
  else if (mmalloc_check_message (md) == NULL
	   || mmalloc_check_message (md)[0] == '\0')
    violation ("mmalloc_check %s: no message (%ld)", when, 0);
  return 1;
}

static unsigned int
lcg (unsigned int *s)
{
  *s = *s * 1103515245u + 12345u;
  return *s >> 8;
}

static int
work (void *arg)
{
  unsigned int seed = (unsigned int) (uintptr_t) arg;
  static const size_t sizes[] = { 1, 16, 40, 100, 500, 2000, 9000, 16384,
				  20000, 70000, 300000 };
  void *blk[64];
  size_t len[64];
  int fd = atu_open (name, O_RDWR);
  int i, detected;
  void *md;

  alarm (30);			/* a hang is a failure too */
  errno = 0;
  md = mmalloc_attach (fd, NULL);
  if (md == NULL)
    {
      if (errno != EUCLEAN)
	{
	  violation ("attach refused with %s%ld", "errno ", (long) errno);
	  return X_BADERRNO;
	}
      return X_REFUSED;
    }
  detected = check_result (md, "after attach");
  memset (blk, 0, sizeof blk);
  /* The blocks the keys name, as the program would use them.  */
  for (i = 0; i < 4; i++)
    {
      void *k = mmalloc_getkey (md, i);
      size_t us = mmalloc_usable_size (md, k);
      if (us != 0 && !in_region (md, fd, k, us))
	violation ("usable size of key %s%ld leaves the region", "", i);
    }
  for (i = 0; i < 300; i++)
    {
      unsigned int r = lcg (&seed);
      int slot = (int) (r % 64);
      size_t n = sizes[(r >> 6) % 11] + (r >> 10) % 64;

      switch ((r >> 16) % 6)
	{
	case 0: case 1: case 2:
	  mfree (md, blk[slot]);
	  errno = 0;
	  blk[slot] = (r >> 20) % 4 == 0 ? mcalloc (md, 1, n) : mmalloc (md, n);
	  len[slot] = n;
	  break;
	case 3:
	  if (blk[slot] != NULL)
	    {
	      void *q = mrealloc (md, blk[slot], n);
	      if (q != NULL)
		{
		  blk[slot] = q;
		  len[slot] = n;
		}
	    }
	  break;
	case 4:
	  mfree (md, blk[slot]);
	  blk[slot] = NULL;
	  break;
	default:
	  /* Free what a key names (perhaps a damaged block), once.  */
	  if (i % 50 == 5)
	    {
	      int k = (int) ((r >> 20) % 4);
	      mfree (md, mmalloc_getkey (md, k));
	      mmalloc_setkey (md, k, NULL);
	    }
	  break;
	}
      if (blk[slot] != NULL)
	{
	  if (!in_region (md, fd, blk[slot], len[slot]))
	    {
	      mmt_note ("op %d: block %p of %zu bytes outside the region "
			"[%p, +%lld)", i, blk[slot], len[slot], md,
			(long long) atu_fsize (fd));
	      return X_OUTSIDE;
	    }
	  scribble (md, blk[slot], len[slot], (int) (r & 0xff));
	}
    }
  check_result (md, "after the work");
  mmstats (md);
  for (i = 0; i < 64; i++)
    mfree (md, blk[i]);
  check_result (md, "at the end");
  if (mmalloc_detach (md) != NULL)
    return X_DETACH;
  close (fd);
  if (violations > 0)
    return X_BADERRNO;
  return detected ? X_DETECTED : X_SOUND;
}

/* Run the child on IMG; returns its status.  */
static int
run_on (unsigned char *img, unsigned int seed)
{
  atu_spit (name, img, sound_len);
  return atu_in_child (work, (void *) (uintptr_t) seed);
}

/* ------------------------------------------------------------------ */
/* Chosen corruptions: each must be detected, and survived.  */

typedef void corrupt_fn (unsigned char *img);

static uint32_t target;

static void c_small_free (unsigned char *img)
{ sdesc (img, target = find_head (img, MM_K_SMALL, 1))->free = 0xffffffffu; }
static void c_small_free_mid (unsigned char *img)
{ sdesc (img, target = find_head (img, MM_K_SMALL, 1))->free = 0x7ffff; }
static void c_small_kind (unsigned char *img)
{ sdesc (img, target = find_head (img, MM_K_SMALL, 0))->kind = 0xff; }
static void c_small_cls (unsigned char *img)
{ sdesc (img, target = find_head (img, MM_K_SMALL, 0))->cls = 0xff; }
static void c_small_nused (unsigned char *img)
{ sdesc (img, target = find_head (img, MM_K_SMALL, 0))->nused = 0xffffffffu; }
static void c_small_bump (unsigned char *img)
{ sdesc (img, target = find_head (img, MM_K_SMALL, 0))->bump = 0xffffffffu; }
static void c_small_npages (unsigned char *img)
{ sdesc (img, target = find_head (img, MM_K_SMALL, 0))->npages = 0xffffffffu; }
static void c_large_npages (unsigned char *img)
{ sdesc (img, target = find_head (img, MM_K_LARGE, 0))->npages = 0xffffffffu; }
static void c_large_nused (unsigned char *img)
{ sdesc (img, target = find_head (img, MM_K_LARGE, 0))->nused = 0xffffffffu; }
static void c_large_to_free (unsigned char *img)
{ sdesc (img, target = find_head (img, MM_K_LARGE, 0))->kind = MM_K_FREE; }
static void c_free_npages (unsigned char *img)
{ sdesc (img, target = find_head (img, MM_K_FREE, 0))->npages = 0xffffffffu; }
static void c_free_next (unsigned char *img)
{ sdesc (img, target = find_head (img, MM_K_FREE, 0))->next = 0xffffffffu; }
static void c_free_prev (unsigned char *img)
{ sdesc (img, target = find_head (img, MM_K_FREE, 0))->prev = 0x12345; }

static void
c_tail_head (unsigned char *img)
{
  uint32_t p, top = stop_page (img);

  for (p = MM_META_PAGES; p < top; p++)
    if (sdesc (img, p)->kind == MM_K_TAIL)
      break;
  target = p;
  sdesc (img, p)->head = 0xffffffffu;
}

static void
c_freelist_link (unsigned char *img)
{
  uint32_t p = find_head (img, MM_K_SMALL, 1);
  struct mm_page *d = sdesc (img, p);

  target = p;
  /* The first free object's link: an offset far outside the run.  */
  atu_put32 (img, ((size_t) p << MM_PAGE_SHIFT) + d->free - 1, 0xfffffff0u);
}

static void
c_freelist_loop (unsigned char *img)
{
  uint32_t p = find_head (img, MM_K_SMALL, 1);
  struct mm_page *d = sdesc (img, p);

  target = p;
  /* The first free object links to itself.  */
  atu_put32 (img, ((size_t) p << MM_PAGE_SHIFT) + d->free - 1, d->free);
}

static int
used_class (unsigned char *img, int want_partial)
{
  int c;

  for (c = 0; c < MM_NCLASSES; c++)
    if (want_partial ? shdr (img)->cls[c].partial != 0 : shdr (img)->cls[c].current != 0)
      return c;
  return 0;
}

static void c_cls_current (unsigned char *img)
{ shdr (img)->cls[target = (uint32_t) used_class (img, 0)].current = 0xffffffffu; }
static void c_cls_current_meta (unsigned char *img)
{ shdr (img)->cls[target = (uint32_t) used_class (img, 0)].current = 5; }
static void c_cls_partial (unsigned char *img)
{ shdr (img)->cls[target = (uint32_t) used_class (img, 1)].partial = 0xffffffffu; }
static void c_cls_partial_large (unsigned char *img)
{
  shdr (img)->cls[target = (uint32_t) used_class (img, 1)].partial
    = find_head (img, MM_K_LARGE, 0);
}
static void c_ccls_current (unsigned char *img)
{ shdr (img)->ccls[target = 3].current = 0xffffffffu; }

static void
c_bin_head (unsigned char *img)
{
  int b;

  for (b = 0; b < MM_NBINS && shdr (img)->bins[b] == 0; b++)
    continue;
  if (b == MM_NBINS)
    b = 0;
  target = (uint32_t) b;
  shdr (img)->bins[b] = 0xffffffffu;
}

static void
c_bin_empty (unsigned char *img)
{
  /* An empty bin made to name a live large block.  */
  int b;

  for (b = 0; b < MM_NBINS && shdr (img)->bins[b] != 0; b++)
    continue;
  target = (uint32_t) b;
  shdr (img)->bins[b] = find_head (img, MM_K_LARGE, 0);
}

static void c_binmap (unsigned char *img)
{ shdr (img)->binmap[0] = ~(uint64_t) 0; target = 0; }
static void c_stats_small (unsigned char *img)
{ shdr (img)->small_used += 1; target = 0; }
static void c_stats_large (unsigned char *img)
{ shdr (img)->large_bytes = UINT64_MAX; target = 0; }
static void c_stats_free (unsigned char *img)
{ shdr (img)->free_pages = 0; shdr (img)->free_runs = 0xffffffffu; target = 0; }

static const struct
{
  const char *what;
  corrupt_fn *fn;
} chosen[] = {
  { "small run: free-list head 0xffffffff", c_small_free },
  { "small run: free-list head past the run", c_small_free_mid },
  { "small run: kind 0xff", c_small_kind },
  { "small run: class 0xff", c_small_cls },
  { "small run: live count 0xffffffff", c_small_nused },
  { "small run: bump 0xffffffff", c_small_bump },
  { "small run: npages 0xffffffff", c_small_npages },
  { "small run: free-list link 0xfffffff0", c_freelist_link },
  { "small run: free-list loop", c_freelist_loop },
  { "large block: npages 0xffffffff", c_large_npages },
  { "large block: offset 0xffffffff", c_large_nused },
  { "large block: marked free", c_large_to_free },
  { "tail page: head 0xffffffff", c_tail_head },
  { "free run: npages 0xffffffff", c_free_npages },
  { "free run: next 0xffffffff", c_free_next },
  { "free run: prev garbage", c_free_prev },
  { "class list: current 0xffffffff", c_cls_current },
  { "class list: current names a metadata page", c_cls_current_meta },
  { "class list: partial 0xffffffff", c_cls_partial },
  { "class list: partial names a large block", c_cls_partial_large },
  { "checked class list: current 0xffffffff", c_ccls_current },
  { "bin head 0xffffffff", c_bin_head },
  { "empty bin names a live block", c_bin_empty },
  { "bin map all ones", c_binmap },
  { "statistics: small_used + 1", c_stats_small },
  { "statistics: large_bytes 2^64-1", c_stats_large },
  { "statistics: free runs and pages", c_stats_free },
};

static void
chosen_corruptions (void)
{
  unsigned char *img = malloc (sound_len);
  size_t i;

  for (i = 0; i < sizeof chosen / sizeof chosen[0]; i++)
    {
      int st;
      memcpy (img, sound, sound_len);
      target = 0;
      chosen[i].fn (img);
      st = run_on (img, 1000 + (unsigned int) i);
      CHECK (st == X_DETECTED || st == X_REFUSED,
	     "%s (target %u): survived and detected (%s)", chosen[i].what,
	     target, st == X_SOUND ? "check passed" : st == X_BADERRNO
	     ? "result outside the contract" : st == X_OUTSIDE
	     ? "block outside the region" : atu_status (st));
    }
  free (img);
}

/* ------------------------------------------------------------------ */
/* Random corruptions.  */

static uint32_t
nasty (unsigned int *s, uint32_t top)
{
  static const uint32_t fixed[] = { 0, 1, 0xffffffffu, 0x80000000u, 0x7fffffffu,
				    34, 35, 4095, 4096, 4097, 0xfffffff0u };
  unsigned int r = lcg (s);

  switch (r % 5)
    {
    case 0:
      return fixed[(r >> 4) % (sizeof fixed / sizeof fixed[0])];
    case 1:
      return top - 1 + (r >> 4) % 3;
    case 2:
      return MM_META_PAGES + (r >> 4) % (top - MM_META_PAGES);
    case 3:
      return (r >> 4) % 70000;
    default:
      return lcg (s) ^ (r << 16);
    }
}

static void
random_corruption (unsigned char *img, unsigned int *s)
{
  uint32_t top = stop_page (img);
  unsigned int r = lcg (s);
  uint32_t v = nasty (s, top);
  size_t off;

  switch (r % 8)
    {
    case 0: case 1: case 2:
      /* A descriptor field of a page of the heap.  */
      {
	static const size_t fields[] = {
	  offsetof (struct mm_page, kind), offsetof (struct mm_page, cls),
	  offsetof (struct mm_page, flags), offsetof (struct mm_page, npages),
	  offsetof (struct mm_page, head), offsetof (struct mm_page, nused),
	  offsetof (struct mm_page, free), offsetof (struct mm_page, bump),
	  offsetof (struct mm_page, next), offsetof (struct mm_page, prev) };
	uint32_t page = MM_META_PAGES + (lcg (s) % (top - MM_META_PAGES + 2));
	unsigned int f = lcg (s) % 10;
	off = (size_t) MM_DESC_PAGE * MM_PAGE + (size_t) page * sizeof (struct mm_page)
	  + fields[f];
	if (f < 3)
	  img[off] = (unsigned char) (f == 0 && (v & 0x100) ? v % MM_K_LIMIT : v);
	else
	  atu_put32 (img, off, v);
      }
      break;
    case 3: case 4:
      /* A class list or bin head.  */
      off = offsetof (struct mm_header, cls)
	+ 4 * (lcg (s) % ((offsetof (struct mm_header, binmap)
			   - offsetof (struct mm_header, cls)) / 4));
      atu_put32 (img, off, v);
      break;
    case 5:
      /* The bin map or a statistic.  */
      if (r & 0x100)
	off = offsetof (struct mm_header, binmap) + 8 * (lcg (s) % MM_BINMAP_WORDS);
      else
	off = offsetof (struct mm_header, large_used) + 8 * (lcg (s) % 8);
      atu_put64 (img, off, ((uint64_t) v << 32) | lcg (s));
      break;
    case 6:
      /* A free-list link inside a small run's free object.  */
      {
	uint32_t p = find_head (img, MM_K_SMALL, 1);
	if (p != 0 && sdesc (img, p)->free != 0)
	  {
	    off = ((size_t) p << MM_PAGE_SHIFT) + sdesc (img, p)->free - 1;
	    if (off + 4 <= sound_len)
	      atu_put32 (img, off, v);
	  }
      }
      break;
    default:
      /* Any word of the data pages.  */
      off = ((size_t) MM_META_PAGES << MM_PAGE_SHIFT)
	+ 4 * (lcg (s) % ((((size_t) top - MM_META_PAGES) << MM_PAGE_SHIFT) / 4));
      if (off + 4 <= sound_len)
	atu_put32 (img, off, v);
      break;
    }
}

/* Apply the corruptions of random iteration I of SEED0 to IMG; returns
   the seed for the child's work.  */
static unsigned int
random_case (unsigned char *img, int i, unsigned int seed0)
{
  unsigned int s = seed0 * 7919u + (unsigned int) i, k, n;

  memcpy (img, sound, sound_len);
  n = 1 + lcg (&s) % 4;
  for (k = 0; k < n; k++)
    random_corruption (img, &s);
  return s;
}

static void
random_corruptions (int iterations, unsigned int seed0)
{
  unsigned char *img = malloc (sound_len);
  int i, crashed = 0, outside = 0, bad = 0, detected = 0, refused = 0, passed = 0;

  for (i = 0; i < iterations; i++)
    {
      unsigned int s = random_case (img, i, seed0);
      int st;

      st = run_on (img, s);
      switch (st)
	{
	case X_SOUND: passed++; break;
	case X_DETECTED: detected++; break;
	case X_REFUSED: refused++; break;
	case X_OUTSIDE:
	  if (outside++ < 5)
	    mmt_fail ("random: iteration %d (seed %u): a block outside the region",
		      i, seed0);
	  break;
	case X_BADERRNO: case X_DETACH:
	  if (bad++ < 5)
	    mmt_fail ("random: iteration %d (seed %u): a result outside the "
		      "contract (%d)", i, seed0, st);
	  break;
	default:
	  if (crashed++ < 5)
	    mmt_fail ("random: iteration %d (seed %u): the child %s", i, seed0,
		      st == 128 + SIGALRM ? "hung" : atu_status (st));
	  break;
	}
    }
  mmt_note ("random: %d detected, %d refused at attach, %d passed the check",
	    detected, refused, passed);
  CHECK (crashed == 0, "random: no child crashed or hung in %d corruptions "
	 "(%d did)", iterations, crashed);
  CHECK (outside == 0, "random: no block outside the region (%d)", outside);
  CHECK (bad == 0, "random: every result within the contract (%d not)", bad);
  CHECK (detected + refused > iterations / 4,
	 "random: mmalloc_check or attach caught %d of %d", detected + refused,
	 iterations);
  free (img);
}

/* hostile -c N / -r I SEED: one case, in this process.  */
static int
debug_one (char **argv)
{
  unsigned char *img = malloc (sound_len);
  unsigned int s = 1;
  int st;

  if (strcmp (argv[1], "-c") == 0)
    {
      size_t n = (size_t) atoi (argv[2]);
      if (n >= sizeof chosen / sizeof chosen[0])
	mmt_fatal ("no chosen corruption %zu", n);
      memcpy (img, sound, sound_len);
      chosen[n].fn (img);
      mmt_note ("%s (target %u)", chosen[n].what, target);
      s = 1000 + (unsigned int) n;
    }
  else
    s = random_case (img, atoi (argv[2]), (unsigned int) strtoul (argv[3], NULL, 0));
  atu_spit (name, img, sound_len);
  st = work ((void *) (uintptr_t) s);
  mmt_note ("work returned %d; the file is %s", st, name);
  return st;
}

int
main (int argc, char **argv)
{
  int iterations = argc > 1 ? atoi (argv[1]) : 200;
  unsigned int seed = argc > 2 ? (unsigned int) strtoul (argv[2], NULL, 0) : 1;
  int st;

  name = atu_name (PROG, "heap");
  st = atu_in_child (make_sound, NULL);
  if (st != 0)
    mmt_fatal ("building the sound heap failed: %s", atu_status (st));
  sound = atu_slurp (name, &sound_len);
  if ((argc == 3 && strcmp (argv[1], "-c") == 0)
      || (argc == 4 && strcmp (argv[1], "-r") == 0))
    return debug_one (argv);
  if (find_head (sound, MM_K_SMALL, 1) == 0 || find_head (sound, MM_K_LARGE, 0) == 0
      || find_head (sound, MM_K_FREE, 0) == 0)
    mmt_fatal ("the sound heap lacks small runs with free objects, large "
	       "blocks or free runs");
  st = run_on (sound, 1);
  CHECK (st == X_SOUND, "the unmodified heap passes the same work (%s)",
	 atu_status (st));
  chosen_corruptions ();
  random_corruptions (iterations, seed);
  unlink (name);
  mmt_exit ();
}
