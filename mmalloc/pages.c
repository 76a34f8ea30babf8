/* pages.c -- the page-run allocator under every block.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* Hands out runs of whole pages: to large blocks, and to the size
   classes as runs of small objects.  Free runs sit in bins by length
   (exact up to 64 pages, four per power of two above), with a bitmap of
   the non-empty bins, so finding a run is a few word operations and at
   most one list walk in a range bin.  A freed run merges with free
   neighbours at once (their descriptors are found through the first and
   last pages); one that reaches the top of the heap lowers the top
   instead.  Large free runs give their pages back to the operating
   system.  When nothing fits, runs are carved at the top, segment by
   segment; huge runs take whole segments.

   Invariants (checked by mmalloc_check):
   - every page between a segment's data start and the end of the
     segment (or the top) belongs to exactly one run;
   - two free runs are never adjacent;
   - a free run is in the bin of its length, and nowhere else;
   - runs other than huge ones stay inside one segment.  */

#include "config.h"

#include <errno.h>
#include <string.h>
#include "mmprivate.h"

#define SPP MM_SEG_PAGES

/* Journal the whole descriptor D before several of its fields change
   (its four words; see journal.c).  */
static inline void
jdesc (struct mm_heap *h, struct mm_page *d)
{
  if (h->journal != NULL)
    {
      mmi_jlog_slow (h, (char *) d);
      mmi_jlog_slow (h, (char *) d + 8);
      mmi_jlog_slow (h, (char *) d + 16);
      mmi_jlog_slow (h, (char *) d + 24);
    }
}

/* Set bit SEG of the segment map to ON, journaled.  */
static inline void
segmap_set (struct mm_heap *h, uint32_t seg, int on)
{
  uint8_t *b = &mmi_segmap (h)[seg >> 3];
  uint8_t bit = (uint8_t) (1u << (seg & 7));

  MMI_W (h, *b, on ? (uint8_t) (*b | bit) : (uint8_t) (*b & ~bit));
}

/* Move the top to byte offset TOP, and the high-water mark with it.  */
static inline void
set_top (struct mm_heap *h, uint64_t top)
{
  struct mm_header *hdr = h->hdr;

  MMI_W (h, hdr->top, top);
  if (top > hdr->hwm)
    MMI_W (h, hdr->hwm, top);
}

static inline uint32_t
seg_start (uint32_t page)
{
  return page & ~(SPP - 1);
}

unsigned int
mmi_bin_of (uint32_t n)
{
  unsigned int lg;

  if (n <= MM_EXACT_BINS)
    return n - 1;
  lg = 31 - (unsigned int) __builtin_clz (n);
  return MM_EXACT_BINS + (lg - 6) * 4 + ((n >> (lg - 2)) & 3);
}

/* Whether PAGE may head a run of N pages kept inside one segment
   below the top: the check every page index read from the region gets
   before an address is computed from it.  */
static inline int
run_in_bounds (const struct mm_heap *h, uint32_t page, uint32_t n)
{
  uint32_t off = page & (SPP - 1);

  return off >= MM_META_PAGES && n != 0 && n <= SPP - off
    && page + n <= mmi_top_page (h) && mmi_seg_owned (h, page / SPP);
}

/* Mark the pages after the head of the run PAGE..PAGE+N-1: its last
   page, or (ALL) every page, points back to PAGE.  */
void
mmi_set_tails (struct mm_heap *h, uint32_t page, uint32_t n, int all)
{
  uint32_t i = all ? 1 : n - 1;

  for (; i < n; i++)
    {
      struct mm_page *t = mmi_desc (h, page + i);
      MMI_W (h, t->kind, MM_K_TAIL);
      MMI_W (h, t->head, page);
    }
}

static void
bin_insert (struct mm_heap *h, uint32_t page)
{
  struct mm_header *hdr = h->hdr;
  struct mm_page *d = mmi_desc (h, page);
  unsigned int b = mmi_bin_of (d->npages);
  uint32_t first = hdr->bins[b];

  MMI_W (h, d->kind, MM_K_FREE);
  MMI_W (h, d->prev, 0);
  MMI_W (h, d->next, first);
  if (first != 0 && mmi_page_ok (h, first))
    MMI_W (h, mmi_desc (h, first)->prev, page);
  MMI_W (h, hdr->bins[b], page);
  MMI_W (h, hdr->binmap[b / 64],
	 hdr->binmap[b / 64] | (uint64_t) 1 << (b % 64));
  MMI_W (h, hdr->free_runs, hdr->free_runs + 1);
  MMI_W (h, hdr->free_pages, hdr->free_pages + d->npages);
}

static void
bin_remove (struct mm_heap *h, uint32_t page)
{
  struct mm_header *hdr = h->hdr;
  struct mm_page *d = mmi_desc (h, page);
  unsigned int b = mmi_bin_of (d->npages);

  /* Links come from the region: follow only sound ones.  */
  if (d->prev != 0 && mmi_page_ok (h, d->prev))
    MMI_W (h, mmi_desc (h, d->prev)->next, d->next);
  else
    MMI_W (h, hdr->bins[b], d->next);
  if (d->next != 0 && mmi_page_ok (h, d->next))
    MMI_W (h, mmi_desc (h, d->next)->prev, d->prev);
  if (hdr->bins[b] == 0)
    MMI_W (h, hdr->binmap[b / 64],
	   hdr->binmap[b / 64] & ~((uint64_t) 1 << (b % 64)));
  MMI_W (h, hdr->free_runs, hdr->free_runs - 1);
  MMI_W (h, hdr->free_pages, hdr->free_pages - d->npages);
  MMI_W (h, d->next, 0);
  MMI_W (h, d->prev, 0);
}

static int defer_release (struct mm_heap *h, uint32_t page, uint32_t n,
			  uint32_t zero);

/* Make PAGE..PAGE+N-1 a free run (not yet binned).  */
static void
make_free (struct mm_heap *h, uint32_t page, uint32_t n, uint8_t flags)
{
  struct mm_page *d = mmi_desc (h, page);

  jdesc (h, d);
  d->kind = MM_K_FREE;
  d->npages = n;
  d->flags = flags & (MM_F_RELEASED | MM_F_ZERO);
  d->cls = 0;
  d->nused = d->free = d->bump = 0;
  if (n > 1)
    mmi_set_tails (h, page, n, 0);
}

/* A free run of at least N pages from the bins, removed from them, or
   0.  A list entry that fails validation ends the search: the heap is
   damaged, and mmalloc_check will say where.  */
static uint32_t
bin_take (struct mm_heap *h, uint32_t n)
{
  struct mm_header *hdr = h->hdr;
  unsigned int b = mmi_bin_of (n), w;

  if (b >= MM_EXACT_BINS)
    {
      uint32_t page = hdr->bins[b];
      unsigned int guard = 0;
      while (page != 0 && guard++ < 1024)
	{
	  struct mm_page *d;
	  if (!run_in_bounds (h, page, 1))
	    return 0;
	  d = mmi_desc (h, page);
	  if (d->kind != MM_K_FREE || !run_in_bounds (h, page, d->npages))
	    return 0;
	  if (d->npages >= n)
	    {
	      bin_remove (h, page);
	      return page;
	    }
	  page = d->next;
	}
      b++;
    }
  for (w = b / 64; w < MM_BINMAP_WORDS; w++)
    {
      uint64_t bits = hdr->binmap[w];
      if (w == b / 64)
	bits &= ~(uint64_t) 0 << (b % 64);
      if (bits != 0)
	{
	  unsigned int found = w * 64 + (unsigned int) __builtin_ctzll (bits);
	  uint32_t page;
	  struct mm_page *d;
	  if (found >= MM_NBINS)
	    return 0;
	  page = hdr->bins[found];
	  if (!run_in_bounds (h, page, 1))
	    return 0;
	  d = mmi_desc (h, page);
	  if (d->kind != MM_K_FREE || !run_in_bounds (h, page, d->npages)
	      || d->npages < n)
	    return 0;
	  bin_remove (h, page);
	  return page;
	}
    }
  return 0;
}

/* Start segment SEG (top is at its first page).  */
static int
init_segment (struct mm_heap *h, uint32_t seg)
{
  struct mm_header *hdr = h->hdr;
  uint32_t first = seg * SPP;

  if (seg >= MM_MAX_SEGS)
    {
      errno = ENOMEM;
      return -1;
    }
  if (mmi_extend (h, (size_t) (first + MM_META_PAGES) << MM_PAGE_SHIFT) != 0)
    return -1;
  if (mmi_top_page (h) != first)
    return 0;			/* the default heap skipped a gap */
  /* Pages below the high-water mark may have been given back (holes in
     a file); allocate them again before the descriptors are written.  */
  if ((size_t) first << MM_PAGE_SHIFT < hdr->hwm
      && mmi_back_pages (h, first, MM_META_PAGES) != 0)
    return -1;
  /* The pages may have been part of a huge block memcheck saw freed;
     they are the engine's now.  */
  MMI_VG_DEFINED (mmi_page_addr (h, first), MM_META_PAGES << MM_PAGE_SHIFT);
  segmap_set (h, seg, 1);
  set_top (h, (uint64_t) (first + MM_META_PAGES) << MM_PAGE_SHIFT);
  return 0;
}

/* The rest of the top segment, from the top to its end, becomes a free
   run, and the top moves to the next segment.  */
static int
retire_segment_tail (struct mm_heap *h)
{
  struct mm_header *hdr = h->hdr;
  uint32_t t = mmi_top_page (h), end = seg_start (t) + SPP;
  uint8_t flags = 0;

  if (mmi_extend (h, (size_t) end << MM_PAGE_SHIFT) != 0)
    return -1;
  if (mmi_top_page (h) != t)
    return 0;
  if ((size_t) t << MM_PAGE_SHIFT >= hdr->hwm)
    flags = MM_F_ZERO;
  set_top (h, (uint64_t) end << MM_PAGE_SHIFT);
  make_free (h, t, end - t, flags);
  bin_insert (h, t);
  return 0;
}

/* Carve N pages at the top.  Returns the first page, or 0 with errno
   set; *ZERO tells whether the pages were never used.  */
static uint32_t
carve (struct mm_heap *h, uint32_t n, int *zero)
{
  struct mm_header *hdr = h->hdr;

  for (;;)
    {
      uint32_t t = mmi_top_page (h), off = t & (SPP - 1), seg = t / SPP;

      if (off == 0)
	{
	  if (init_segment (h, seg) != 0)
	    return 0;
	  continue;
	}
      if (n <= MM_SEG_DATA_PAGES)
	{
	  if (off + n > SPP)
	    {
	      if (retire_segment_tail (h) != 0)
		return 0;
	      continue;
	    }
	  if (mmi_extend (h, (size_t) (t + n) << MM_PAGE_SHIFT) != 0)
	    return 0;
	  if (mmi_top_page (h) != t)
	    continue;
	  *zero = (size_t) t << MM_PAGE_SHIFT >= hdr->hwm;
	  set_top (h, (uint64_t) (t + n) << MM_PAGE_SHIFT);
	  return t;
	}

      /* A huge run: from the first data page of an empty segment over
	 as many following segments as it needs.  */
      if (off != MM_META_PAGES)
	{
	  if (retire_segment_tail (h) != 0)
	    return 0;
	  continue;
	}
      {
	uint64_t end = (uint64_t) t + n;
	uint64_t last = (end - 1) / SPP, s;
	if (last >= MM_MAX_SEGS || end > UINT32_MAX - SPP)
	  {
	    errno = ENOMEM;
	    return 0;
	  }
	/* Map through the end of the last segment: the top must never
	   pass the mapping, and the tail past END is free later.  */
	if (mmi_extend (h, (size_t) (last + 1) * SPP << MM_PAGE_SHIFT) != 0)
	  return 0;
	if (mmi_top_page (h) != t)
	  continue;
	/* The covered segments are above the top, where the map's
	   bits mean nothing until init_segment sets them: clearing them
	   needs no journal (there may be thousands).  */
	for (s = seg + 1; s <= last; s++)
	  mmi_segmap (h)[s >> 3] &= (uint8_t) ~(1u << (s & 7));
	*zero = (size_t) t << MM_PAGE_SHIFT >= hdr->hwm;
	/* The top goes to the next segment boundary: the rest of the
	   last segment has no descriptors of its own.  */
	set_top (h, (uint64_t) (last + 1) * SPP << MM_PAGE_SHIFT);
	return t;
      }
    }
}

/* Most segments a huge run may reuse below the top in one operation:
   each costs a handful of journal entries.  */
#define MM_REUSE_SEGS 12

/* Whether segment S is owned and entirely one free run.  */
static int
seg_free_whole (struct mm_heap *h, uint32_t s)
{
  uint32_t page = s * SPP + MM_META_PAGES;
  struct mm_page *d;

  if (!mmi_seg_owned (h, s))
    return 0;
  d = mmi_desc (h, page);
  return d->kind == MM_K_FREE && d->npages == MM_SEG_DATA_PAGES;
}

/* A huge run of N pages from whole free segments below the top, or 0.
   Freed huge blocks below the top leave one free run per segment
   (huge_steps); without this only the top could serve a huge block,
   and a heap that frees and allocates huge blocks would keep growing.
   *ZERO tells whether the pages read as zero.  */
static uint32_t
huge_reuse (struct mm_heap *h, uint32_t n, int *zero)
{
  uint32_t top_seg = mmi_top_page (h) / SPP, k, s0, s, run = 0;
  uint32_t page;
  int released = 0, allzero = 1;

  k = (MM_META_PAGES + n - 1) / SPP + 1;
  if (k > MM_REUSE_SEGS || k > top_seg)
    return 0;
  /* The first fit: K consecutive free segments, all below the top's
     segment.  */
  for (s = 0; s < top_seg; s++)
    {
      run = seg_free_whole (h, s) ? run + 1 : 0;
      if (run == k)
	break;
    }
  if (run != k)
    return 0;
  s0 = s + 1 - k;
  page = s0 * SPP + MM_META_PAGES;
  for (s = s0; s < s0 + k; s++)
    {
      struct mm_page *d = mmi_desc (h, s * SPP + MM_META_PAGES);
      released |= (d->flags & MM_F_RELEASED) != 0;
      allzero &= (d->flags & MM_F_ZERO) != 0;
      bin_remove (h, s * SPP + MM_META_PAGES);
    }
  /* The segments after the first are covered by the run (their
     descriptor pages hold its data), as at the top (carve).  */
  for (s = s0 + 1; s < s0 + k; s++)
    segmap_set (h, s, 0);
  if (released && mmi_back_pages (h, page, (k - 1) * SPP + MM_SEG_DATA_PAGES)
      != 0)
    {
      /* A full disk: give the segments back as they were.  */
      for (s = s0; s < s0 + k; s++)
	{
	  if (s != s0)
	    segmap_set (h, s, 1);
	  make_free (h, s * SPP + MM_META_PAGES, MM_SEG_DATA_PAGES,
		     MM_F_RELEASED);
	  bin_insert (h, s * SPP + MM_META_PAGES);
	}
      return 0;
    }
  /* The covered descriptor pages are not zero.  */
  *zero = k == 1 && allzero;
  return page;
}

/* Allocate a run of N pages for KIND (MM_K_LARGE or MM_K_SMALL).
   Returns its first page with the head descriptor filled in (flags
   MM_F_ZERO when its pages read as zero) and the last page pointing
   back, or 0 with errno set.  */
uint32_t
mmi_pages_alloc (struct mm_heap *h, uint32_t n, int kind)
{
  struct mm_page *d;
  uint32_t page = 0;
  int zero = 0;
  uint8_t flags = 0;

  if (n <= MM_SEG_DATA_PAGES)
    page = bin_take (h, n);
  if (page != 0)
    {
      d = mmi_desc (h, page);
      flags = d->flags;
      if (d->npages > n)
	{
	  /* Keep the front, free the rest.  */
	  make_free (h, page + n, d->npages - n, flags);
	  bin_insert (h, page + n);
	}
      if ((flags & MM_F_RELEASED) && mmi_back_pages (h, page, n) != 0)
	{
	  make_free (h, page, n, flags);
	  mmi_pages_free (h, page);
	  return 0;
	}
      zero = (flags & MM_F_ZERO) != 0;
    }
  else if (n > MM_SEG_DATA_PAGES && (page = huge_reuse (h, n, &zero)) != 0)
    ;
  else
    {
      page = carve (h, n, &zero);
      if (page == 0)
	{
	  if (errno != ENOSPC && errno != EFBIG && errno != EDQUOT)
	    errno = ENOMEM;
	  return 0;
	}
    }
  d = mmi_desc (h, page);
  jdesc (h, d);
  d->kind = (uint8_t) kind;
  d->npages = n;
  d->flags = zero ? MM_F_ZERO : 0;
  d->cls = 0;
  d->nused = d->free = d->bump = 0;
  d->next = d->prev = 0;
  if (n > 1 && n <= MM_SEG_DATA_PAGES)
    mmi_set_tails (h, page, n, kind == MM_K_SMALL);
  return page;
}

/* Finish freeing the huge run at PAGE, whose pages were given back
   and whose intent is recorded: its segments become free one at a
   time, last first, each step journaled and committed on its own (a
   block of many segments would not fit in the journal), the run
   shrinking as they go; so after a crash the run is still a sound,
   smaller huge run, and recovery goes on from there.  */
static void
huge_steps (struct mm_heap *h, uint32_t page, uint8_t zero)
{
  struct mm_header *hdr = h->hdr;
  struct mm_page *d = mmi_desc (h, page);
  uint32_t seg = page / SPP;

  for (;;)
    {
      uint32_t last = (page + d->npages - 1) / SPP;
      if (last == seg)
	break;
      /* Segment LAST becomes a free run of its own, unless its
	 descriptor pages cannot be backed again (a full disk): then it
	 stays unused, its bit clear.  */
      if (mmi_back_pages (h, last * SPP, MM_META_PAGES) == 0)
	{
	  /* Its descriptor pages held the block's data: they read as
	     zero when the pages were given back, else they are cleared
	     (no page may look like the head of a run).  */
	  MMI_VG_DEFINED (mmi_page_addr (h, last * SPP),
			  MM_META_PAGES << MM_PAGE_SHIFT);
	  if (!zero)
	    memset (mmi_page_addr (h, last * SPP), 0,
		    MM_META_PAGES << MM_PAGE_SHIFT);
	  segmap_set (h, last, 1);
	  make_free (h, last * SPP + MM_META_PAGES, MM_SEG_DATA_PAGES,
		     MM_F_RELEASED | zero);
	  bin_insert (h, last * SPP + MM_META_PAGES);
	}
      MMI_W (h, d->npages, last * SPP - page);
      mmi_jcommit (h);
    }
  make_free (h, page, MM_SEG_DATA_PAGES, MM_F_RELEASED | zero);
  bin_insert (h, page);
  MMI_W (h, hdr->intent, MM_INTENT_NONE);
}

/* Free the huge run at PAGE (N pages over several segments): give its
   pages back, and leave per-segment free runs (or a lower top).  */
static void
free_huge (struct mm_heap *h, uint32_t page, uint32_t n)
{
  struct mm_header *hdr = h->hdr;
  uint32_t last = (page + n - 1) / SPP;

  if ((uint64_t) (last + 1) * SPP == mmi_top_page (h))
    {
      /* At the top: the top goes back to the run's first page, and the
	 segments it covered are unused again; their pages are given
	 back once that is committed.  Its head names no block now.  */
      MMI_W (h, mmi_desc (h, page)->kind, MM_K_FREE);
      MMI_W (h, hdr->top, (uint64_t) page << MM_PAGE_SHIFT);
      defer_release (h, page, n, 0);
      return;
    }
  /* From here on the block is free whatever happens: recovery
     finishes the job.  Only now may its pages lose their contents.  */
  MMI_W (h, hdr->intent_page, page);
  MMI_W (h, hdr->intent, MM_INTENT_FREE_HUGE);
  mmi_jcommit (h);
  huge_steps (h, page, mmi_release_pages (h, page, n) == 0 ? MM_F_ZERO : 0);
}

/* Recovery (journal.c): finish the huge free recorded as the heap's
   intent.  A recorded run that is not a sound huge run comes from a
   damaged file: the intent is dropped (mmalloc_check will report the
   run).  */
void
mmi_pages_resume (struct mm_heap *h)
{
  struct mm_header *hdr = h->hdr;
  uint32_t page = hdr->intent_page;
  struct mm_page *d;

  if (hdr->intent == MM_INTENT_FREE_HUGE
      && (page & (SPP - 1)) == MM_META_PAGES && page < mmi_top_page (h)
      && mmi_seg_owned (h, page / SPP))
    {
      d = mmi_desc (h, page);
      if (d->kind == MM_K_LARGE && d->npages >= MM_SEG_DATA_PAGES
	  && (uint64_t) page + d->npages <= mmi_top_page (h))
	{
	  /* The block is free already; its pages may not have been
	     given back yet.  */
	  huge_steps (h, page, mmi_release_pages (h, page, d->npages) == 0
		      ? MM_F_ZERO : 0);
	  return;
	}
    }
  MMI_W (h, hdr->intent, MM_INTENT_NONE);
}

/* Free the run whose first page is PAGE (a large block or an empty
   small run).  */
void
mmi_pages_free (struct mm_heap *h, uint32_t page)
{
  struct mm_header *hdr = h->hdr;
  struct mm_page *d = mmi_desc (h, page), *o;
  uint32_t orig = page;
  uint32_t n = d->npages, first = seg_start (page) + MM_META_PAGES;
  uint32_t top = mmi_top_page (h);
  uint8_t flags = d->flags & (MM_F_RELEASED | MM_F_ZERO);

  if (n > MM_SEG_DATA_PAGES)
    {
      free_huge (h, page, n);
      return;
    }
  /* Our pages were in use: they are not known to be zero any more.  */
  if (d->kind != MM_K_FREE)
    flags &= (uint8_t) ~MM_F_ZERO;
  if (d->kind == MM_K_SMALL)
    mmi_pmap_set (h, page, n, -1);

  /* Merge with the run before.  */
  if (page > first)
    {
      uint32_t prev = page - 1;
      o = mmi_desc (h, prev);
      if (o->kind == MM_K_TAIL)
	{
	  prev = o->head;
	  /* Validation: a head read from the region must lie in this
	     segment, before PAGE, before we look at it.  */
	  if (prev < first || prev >= page)
	    prev = page - 1;
	  o = mmi_desc (h, prev);
	}
      if (o->kind == MM_K_FREE && prev + o->npages == page
	  && run_in_bounds (h, prev, o->npages))
	{
	  bin_remove (h, prev);
	  flags = (uint8_t) ((flags | (o->flags & MM_F_RELEASED))
			     & (o->flags | ~MM_F_ZERO));
	  n += o->npages;
	  page = prev;
	}
    }
  /* Merge with the run after.  */
  if (page + n < top && page + n < seg_start (page) + SPP)
    {
      o = mmi_desc (h, page + n);
      if (o->kind == MM_K_FREE && run_in_bounds (h, page + n, o->npages))
	{
	  bin_remove (h, page + n);
	  flags = (uint8_t) ((flags | (o->flags & MM_F_RELEASED))
			     & (o->flags | ~MM_F_ZERO));
	  n += o->npages;
	}
    }

  /* Invariant: a page that starts no run has a descriptor that names
     no block (a tail, or a free head), so that a pointer into the
     middle of a run is never taken for a block of its own.  The freed
     run's head becomes a tail when it merged with the run before.  */
  if (orig != page)
    {
      o = mmi_desc (h, orig);
      MMI_W (h, o->kind, MM_K_TAIL);
      MMI_W (h, o->head, page);
    }
  if (page + n == top)
    {
      /* The top comes down; what it leaves is given back when large.
	 The run's head is left a free head: the pages above the top
	 keep the invariant above for when the top grows again.  */
      MMI_W (h, mmi_desc (h, page)->kind, MM_K_FREE);
      MMI_W (h, hdr->top, (uint64_t) page << MM_PAGE_SHIFT);
      if (n >= MM_RELEASE_PAGES)
	defer_release (h, page, n, 0);
      return;
    }
  /* A large free run is given back after the commit; it is marked
     zero only then (mmi_release_pending).  */
  if (n >= MM_RELEASE_PAGES && !(flags & MM_F_ZERO)
      && defer_release (h, page, n, 1))
    flags |= MM_F_RELEASED;
  make_free (h, page, n, flags);
  bin_insert (h, page);
}

/* Remember to give back pages [PAGE, PAGE + N) once the operation in
   flight commits: a hole punched now would survive the undo of the
   operation if its process died before the commit, and leave a block
   or a run the journal restores with its contents gone.  ZERO: the
   pages are then a free run to be marked MM_F_ZERO.  Returns 0 when
   the release cannot be deferred (the pages are simply kept).  */
static int
defer_release (struct mm_heap *h, uint32_t page, uint32_t n, uint32_t zero)
{
  if (h->nrel >= MM_REL_PENDING)
    return 0;
  h->rel[h->nrel].page = page;
  h->rel[h->nrel].n = n;
  h->rel[h->nrel].zero = zero;
  h->nrel++;
  return 1;
}

/* The operation committed (journal.c): give back the pages it freed.
   Each run is looked at again, so a run something else took meanwhile
   is never touched.  Marking a free run zero is a single store, sound
   before and after, so it needs no journal.  */
void
mmi_release_pending (struct mm_heap *h)
{
  unsigned int i, n = h->nrel;

  h->nrel = 0;
  for (i = 0; i < n; i++)
    {
      uint32_t page = h->rel[i].page, len = h->rel[i].n;
      uint32_t top = mmi_top_page (h);
      struct mm_page *d;

      if (!h->rel[i].zero)
	{
	  /* Above the top: nothing of the heap lives there.  */
	  if (page >= top && (uint64_t) page + len <= h->mapped >> MM_PAGE_SHIFT)
	    mmi_release_pages (h, page, len);
	  continue;
	}
      if (!run_in_bounds (h, page, len))
	continue;
      d = mmi_desc (h, page);
      if (d->kind != MM_K_FREE || d->npages != len || (d->flags & MM_F_ZERO))
	continue;
      if (mmi_release_pages (h, page, len) == 0)
	d->flags |= MM_F_ZERO;
    }
}

/* Split the allocated run at PAGE after its first K pages; the second
   part becomes a run of the same kind.  Returns its first page.  */
static uint32_t
split (struct mm_heap *h, uint32_t page, uint32_t k)
{
  struct mm_page *d = mmi_desc (h, page), *e = mmi_desc (h, page + k);
  uint32_t n = d->npages;

  jdesc (h, e);
  e->kind = d->kind;
  e->npages = n - k;
  e->flags = d->flags;
  e->cls = 0;
  e->nused = e->free = e->bump = 0;
  e->next = e->prev = 0;
  if (n - k > 1)
    mmi_set_tails (h, page + k, n - k, 0);
  MMI_W (h, d->npages, k);
  if (k > 1)
    mmi_set_tails (h, page, k, 0);
  return page + k;
}

/* Shrink the large run at PAGE to N pages, freeing the rest.  */
void
mmi_pages_shrink (struct mm_heap *h, uint32_t page, uint32_t n)
{
  if (n >= mmi_desc (h, page)->npages
      || mmi_desc (h, page)->npages > MM_SEG_DATA_PAGES)
    return;
  mmi_pages_free (h, split (h, page, n));
}

/* Free the first K pages of the large run at PAGE; returns the page
   where the rest (still allocated) starts.  */
uint32_t
mmi_pages_drop_front (struct mm_heap *h, uint32_t page, uint32_t k)
{
  uint32_t rest;

  if (k == 0)
    return page;
  rest = split (h, page, k);
  mmi_pages_free (h, page);
  return rest;
}

/* Grow the large run at PAGE to N pages without moving it: over a free
   neighbour, or by raising the top.  0, or -1 when it cannot.  */
int
mmi_pages_grow_inplace (struct mm_heap *h, uint32_t page, uint32_t n)
{
  struct mm_page *d = mmi_desc (h, page), *o;
  uint32_t m = d->npages, next = page + m, top = mmi_top_page (h);

  if (n <= m)
    return 0;
  if (m > MM_SEG_DATA_PAGES || (page & (SPP - 1)) + n > SPP)
    return -1;
  if (next == top)
    {
      if (mmi_extend (h, (size_t) (page + n) << MM_PAGE_SHIFT) != 0
	  || mmi_top_page (h) != top)
	return -1;
      set_top (h, (uint64_t) (page + n) << MM_PAGE_SHIFT);
    }
  else
    {
      uint32_t take = n - m, have;
      uint8_t flags;
      o = mmi_desc (h, next);
      if (next >= top || o->kind != MM_K_FREE || o->npages < take
	  || !run_in_bounds (h, next, o->npages))
	return -1;
      have = o->npages;
      flags = o->flags;
      if ((flags & MM_F_RELEASED) && mmi_back_pages (h, next, take) != 0)
	return -1;
      bin_remove (h, next);
      if (have > take)
	{
	  make_free (h, next + take, have - take, flags);
	  bin_insert (h, next + take);
	}
    }
  MMI_W (h, d->npages, n);
  mmi_set_tails (h, page, n, 0);
  return 0;
}

/* The default heap's memory now continues at byte offset TO: the
   stretch from the top up to there belongs to somebody else.  Fence it
   off, up to the end of the top segment, or move to the first segment
   boundary past it.  */
void
mmi_pages_skip (struct mm_heap *h, size_t to)
{
  struct mm_header *hdr = h->hdr;
  uint32_t t = mmi_top_page (h);
  uint32_t upto = (uint32_t) ((to + MM_PAGE - 1) >> MM_PAGE_SHIFT);
  uint32_t end = seg_start (t) + SPP, s;

  if (upto <= t)
    return;
  if ((t & (SPP - 1)) != 0)
    {
      uint32_t stop = upto < end ? upto : end;
      struct mm_page *d = mmi_desc (h, t);
      d->kind = MM_K_FOREIGN;
      d->npages = stop - t;
      d->flags = 0;
      /* Every page points to the head, so that any pointer into the
	 stretch is known to be somebody else's.  */
      if (stop - t > 1)
	mmi_set_tails (h, t, stop - t, 1);
      if (upto <= end)
	{
	  hdr->top = (uint64_t) upto << MM_PAGE_SHIFT;
	  goto out;
	}
    }
  /* Segments the gap reaches are not ours.  */
  for (s = (t + SPP - 1) / SPP; s < (upto + SPP - 1) / SPP; s++)
    if (s < MM_MAX_SEGS)
      mmi_segmap (h)[s >> 3] &= (uint8_t) ~(1u << (s & 7));
  hdr->top = (uint64_t) ((upto + SPP - 1) & ~(SPP - 1)) << MM_PAGE_SHIFT;
 out:
  if (hdr->top > hdr->hwm)
    hdr->hwm = hdr->top;
}
