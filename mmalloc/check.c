/* check.c -- the whole-heap consistency check.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* mmalloc_check walks every segment run by run and every list of the
   header, and verifies each invariant the allocator relies on (the
   comments of pages.c and mmalloc.c state them), then recounts the
   statistics.  Like dlmalloc's do_check_* and mimalloc's page checks,
   it is what tests and --enable-debug builds call after operations; it
   never writes to the heap, so it is safe on a read-only attach and on
   a damaged file.  The first problem found is described in one line,
   kept per heap for mmalloc_check_message.  */

#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "mmprivate.h"

#define SPP MM_SEG_PAGES

struct counts
{
  uint64_t free_runs, free_pages;
  uint64_t small_slots, small_bytes, small_used, small_used_bytes;
  uint64_t large_used, large_bytes;
  /* Runs listed: [set][class] for sets 0 to MM_RUNSETS - 1, and
     [MM_RUNSETS][class] for checked runs.  */
  uint64_t listed[MM_RUNSETS + 1][MM_NCLASSES];
};

static int
fail (struct mm_heap *h, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (h->check_msg, sizeof h->check_msg, fmt, ap);
  va_end (ap);
  errno = EUCLEAN;
  return -1;
}

static int
check_header (struct mm_heap *h)
{
  struct mm_header *hdr = h->hdr;

  if (memcmp (hdr->magic, MM_MAGIC, MM_MAGIC_SIZE) != 0
      || hdr->version != MM_VERSION
      || hdr->header_size != sizeof (struct mm_header))
    return fail (h, "header: bad magic, version or size");
  if (hdr->base != (uintptr_t) h->base)
    return fail (h, "header: base %#llx is not where the heap is",
		 (unsigned long long) hdr->base);
  if (hdr->top % MM_PAGE != 0 || hdr->top > hdr->mapped
      || hdr->top < ((uint64_t) MM_META_PAGES << MM_PAGE_SHIFT)
      || hdr->mapped > hdr->capacity || hdr->hwm < hdr->top
      || hdr->hwm > hdr->mapped)
    return fail (h, "header: top %llu, mapped %llu, capacity %llu, "
		 "high-water mark %llu are inconsistent",
		 (unsigned long long) hdr->top,
		 (unsigned long long) hdr->mapped,
		 (unsigned long long) hdr->capacity,
		 (unsigned long long) hdr->hwm);
  if (hdr->mapped > h->mapped && h->backend != MM_B_FILE)
    return fail (h, "header: mapped %llu beyond this process's mapping",
		 (unsigned long long) hdr->mapped);
  if (!mmi_seg_owned (h, 0))
    return fail (h, "segment 0 is not marked in the segment map");
  return 0;
}

/* Check the last page of a run (or all, ALL) points back to PAGE.  */
static int
check_tails (struct mm_heap *h, uint32_t page, uint32_t n, int all)
{
  uint32_t i;

  for (i = all ? 1 : n - 1; i < n; i++)
    {
      struct mm_page *t = mmi_desc (h, page + i);
      if (t->kind != MM_K_TAIL || t->head != page)
	return fail (h, "page %u: not marked as part of the run at %u",
		     page + i, page);
    }
  /* The other pages inside the run name no block of their own (so a
     pointer into the run is never taken for one).  */
  /* (memcheck may never have seen these descriptors written.)  */
  MMI_VG_QUIET_BEGIN ();
  for (i = 1; i + 1 < n && !all; i++)
    {
      struct mm_page *t = mmi_desc (h, page + i);
      if (t->kind != MM_K_NONE && t->kind != MM_K_FREE
	  && t->kind != MM_K_TAIL)
	break;
    }
  MMI_VG_QUIET_END ();
  if (i + 1 < n && !all)
    return fail (h, "page %u: inside the run at %u, but marked as a run "
		 "of its own", page + i, page);
  return 0;
}

static int
check_small (struct mm_heap *h, uint32_t page, struct mm_page *d,
	     struct counts *c)
{
  unsigned int k = d->cls;
  uint32_t size, cap, nfree = 0, f, slots;
  char *start = mmi_page_addr (h, page);

  if (k >= MM_NCLASSES || d->npages != mmi_class_pages[k])
    return fail (h, "page %u: small run of bad class %u or length %u",
		 page, k, d->npages);
  if (check_tails (h, page, d->npages, 1) != 0)
    return -1;
  if (d->set >= mmi_nsets (h)
      || (d->set != 0 && (k >= MM_SET_CLASSES || (d->flags & MM_F_CHECKED))))
    return fail (h, "page %u: small run of class %u in run set %u, which "
		 "it cannot have", page, k, d->set);
  size = mmi_class_size[k];
  cap = mmi_run_capacity (k);
  slots = cap / size;
  if (d->bump > cap || d->bump % size != 0)
    return fail (h, "page %u: fresh-object mark %u is off", page, d->bump);
  for (f = d->free; f != 0; f = *(uint32_t *) (start + f - 1))
    {
      if (f - 1 >= d->bump || (f - 1) % size != 0)
	return fail (h, "page %u: free list holds bad offset %u",
		     page, f - 1);
      if (++nfree > slots)
	return fail (h, "page %u: free list loops", page);
      if ((d->flags & MM_F_CHECKED)
	  && !mmi_checked_slot_intact (start + f - 1, size))
	return fail (h, "page %u: block %p written after free", page,
		     (void *) (start + f - 1 + 16));
    }
  if (d->nused + nfree != d->bump / size)
    return fail (h, "page %u: %u live + %u free objects but %u handed "
		 "out", page, d->nused, nfree, d->bump / size);
  if (((d->flags & MM_F_CURRENT) != 0)
      != (mmi_class_state (h->hdr, d->flags, d->set, k)->current == page))
    return fail (h, "page %u: current-run mark disagrees with class %u, "
		 "set %u", page, k, d->set);
  if (d->flags & MM_F_CURRENT)
    {
      if (d->flags & MM_F_LISTED)
	return fail (h, "page %u: current run on the partial list", page);
    }
  else
    {
      int has_free = d->nused < slots;
      if (d->nused == 0)
	return fail (h, "page %u: empty small run not freed", page);
      if (has_free != ((d->flags & MM_F_LISTED) != 0))
	return fail (h, "page %u: run %s free objects but is %s listed",
		     page, has_free ? "has" : "has no",
		     has_free ? "not" : "");
      if (has_free)
	c->listed[(d->flags & MM_F_CHECKED) ? MM_RUNSETS : d->set][k]++;
    }
  c->small_slots += slots;
  c->small_bytes += cap;
  c->small_used += d->nused;
  c->small_used_bytes += (uint64_t) d->nused * size;
  return 0;
}

/* The page map (pagemap.c) of the N pages of the run at PAGE
   (descriptor D): each names the run's class and its place in it when
   the run is small and unchecked, and is 0 otherwise.  (Only the pages
   of runs are checked, not those above the top or in skipped
   segments: nothing maps those.)  */
static int
check_pmap (struct mm_heap *h, uint32_t page, uint32_t n,
	    const struct mm_page *d)
{
  uint32_t i, limit = (uint32_t) (h->pmap_span >> MM_PAGE_SHIFT);
  int small = d->kind == MM_K_SMALL && !(d->flags & MM_F_CHECKED);

  for (i = 0; i < n && page + i < limit; i++)
    {
      unsigned int want = small ? (d->cls + 1u) | i << 8 : 0;
      if (h->pmap[page + i] != want)
	return fail (h, "page %u: page map says %#x, not %#x", page + i,
		     h->pmap[page + i], want);
    }
  return 0;
}

/* Walk the runs of segment SEG.  *NEXT_SEG is set past the segments a
   huge block there covers.  */
static int
check_segment (struct mm_heap *h, uint32_t seg, struct counts *c,
	       uint32_t *next_seg)
{
  uint32_t top = mmi_top_page (h), end = (seg + 1) * SPP;
  uint32_t page = seg * SPP + MM_META_PAGES;
  int prev_free = 0;

  *next_seg = seg + 1;
  if (end > top)
    end = top;
  while (page < end)
    {
      struct mm_page *d = mmi_desc (h, page);
      uint32_t n = d->npages;

      if (d->kind == MM_K_LARGE && n > MM_SEG_DATA_PAGES)
	{
	  uint64_t stop = (uint64_t) page + n, s;
	  if (page != seg * SPP + MM_META_PAGES || stop > top)
	    return fail (h, "page %u: huge block of %u pages misplaced",
			 page, n);
	  if ((uint64_t) d->nused >= (uint64_t) n << MM_PAGE_SHIFT)
	    return fail (h, "page %u: huge block starts past its end", page);
	  for (s = seg + 1; s <= (stop - 1) / SPP; s++)
	    if (mmi_seg_owned (h, (uint32_t) s))
	      return fail (h, "segment %llu: owned, but inside the huge "
			   "block at page %u", (unsigned long long) s, page);
	  c->large_used++;
	  c->large_bytes += (uint64_t) n << MM_PAGE_SHIFT;
	  *next_seg = (uint32_t) ((stop - 1) / SPP + 1);
	  return 0;
	}
      if (n == 0 || n > end - page)
	return fail (h, "page %u: run of %u pages overruns its segment",
		     page, n);
      switch (d->kind)
	{
	case MM_K_FREE:
	  if (prev_free)
	    return fail (h, "page %u: two free runs side by side", page);
	  if (n > 1 && check_tails (h, page, n, 0) != 0)
	    return -1;
	  c->free_runs++;
	  c->free_pages += n;
	  break;
	case MM_K_SMALL:
	  if (check_small (h, page, d, c) != 0)
	    return -1;
	  break;
	case MM_K_LARGE:
	  if (n > 1 && check_tails (h, page, n, 0) != 0)
	    return -1;
	  if (d->nused >= MM_PAGE)
	    return fail (h, "page %u: block offset %u past its first page",
			 page, d->nused);
	  c->large_used++;
	  c->large_bytes += (uint64_t) n << MM_PAGE_SHIFT;
	  break;
	case MM_K_FOREIGN:
	  if (h->backend != MM_B_SBRK)
	    return fail (h, "page %u: foreign run in a heap that has none",
			 page);
	  break;
	default:
	  return fail (h, "page %u: descriptor of unknown kind %u", page,
		       d->kind);
	}
      if (h->pmap != NULL && !h->pmap_hint
	  && check_pmap (h, page, n, d) != 0)
	return -1;
      prev_free = d->kind == MM_K_FREE;
      page += n;
    }
  return 0;
}

static int
check_bins (struct mm_heap *h, const struct counts *c)
{
  struct mm_header *hdr = h->hdr;
  uint64_t seen = 0;
  unsigned int b;

  for (b = 0; b < MM_NBINS; b++)
    {
      uint32_t page = hdr->bins[b], prev = 0;
      int bit = (hdr->binmap[b / 64] >> (b % 64)) & 1;
      if (bit != (page != 0))
	return fail (h, "bin %u: bitmap says %s", b,
		     bit ? "full, list empty" : "empty, list not");
      while (page != 0)
	{
	  struct mm_page *d;
	  if (!mmi_page_ok (h, page))
	    return fail (h, "bin %u: link to bad page %u", b, page);
	  d = mmi_desc (h, page);
	  if (d->kind != MM_K_FREE || d->npages == 0
	      || mmi_bin_of (d->npages) != b)
	    return fail (h, "bin %u: page %u is not a free run of this bin",
			 b, page);
	  if (d->prev != prev)
	    return fail (h, "bin %u: page %u has a bad back link", b, page);
	  if (++seen > c->free_runs)
	    return fail (h, "bin %u: more runs binned than free (a loop?)",
			 b);
	  prev = page;
	  page = d->next;
	}
    }
  if (seen != c->free_runs)
    return fail (h, "bins hold %llu runs, the heap has %llu free",
		 (unsigned long long) seen,
		 (unsigned long long) c->free_runs);
  return 0;
}

/* The class states of run set SET, or of checked runs when CHECKED:
   each current run is a run of its class, set and kind, and each
   partial list holds exactly the runs counted as listed.  */
static int
check_classes (struct mm_heap *h, const struct counts *c, int checked,
	       unsigned int set)
{
  uint8_t want = checked ? MM_F_CHECKED : 0;
  unsigned int k, at = checked ? MM_RUNSETS : set;

  for (k = 0; k < mmi_set_nclasses (set); k++)
    {
      struct mm_class_state *st = mmi_class_state (h->hdr, want, set, k);
      uint32_t page = st->partial, prev = 0;
      uint64_t seen = 0;
      if (st->current != 0)
	{
	  uint32_t cur = st->current;
	  if (!mmi_page_ok (h, cur) || mmi_desc (h, cur)->kind != MM_K_SMALL
	      || mmi_desc (h, cur)->cls != k || mmi_desc (h, cur)->set != set
	      || (mmi_desc (h, cur)->flags & MM_F_CHECKED) != want)
	    return fail (h, "class %u, set %u: current run %u is not one",
			 k, set, cur);
	}
      while (page != 0)
	{
	  struct mm_page *d;
	  if (!mmi_page_ok (h, page))
	    return fail (h, "class %u, set %u: link to bad page %u", k, set,
			 page);
	  d = mmi_desc (h, page);
	  if (d->kind != MM_K_SMALL || d->cls != k || d->set != set
	      || !(d->flags & MM_F_LISTED) || (d->flags & MM_F_CHECKED) != want)
	    return fail (h, "class %u, set %u: page %u on the list is not a "
			 "listed run of the class", k, set, page);
	  if (d->prev != prev)
	    return fail (h, "class %u, set %u: page %u has a bad back link",
			 k, set, page);
	  if (++seen > c->listed[at][k])
	    return fail (h, "class %u, set %u: list longer than its runs", k,
			 set);
	  prev = page;
	  page = d->next;
	}
      if (seen != c->listed[at][k])
	return fail (h, "class %u, set %u: %llu runs listed, %llu have free "
		     "objects", k, set, (unsigned long long) seen,
		     (unsigned long long) c->listed[at][k]);
    }
  return 0;
}

/* Check locked (or read-only) heap H.  0 when sound; -1, errno
   EUCLEAN, and H->check_msg set otherwise.  */
int
mmi_check (struct mm_heap *h)
{
  struct mm_header *hdr = h->hdr;
  struct counts c;
  uint32_t seg, nsegs;
  unsigned int set;

  h->check_msg[0] = '\0';
  memset (&c, 0, sizeof c);
  if (check_header (h) != 0)
    return -1;
  nsegs = (uint32_t) ((mmi_top_page (h) + SPP - 1) / SPP);
  for (seg = 0; seg < nsegs;)
    {
      uint32_t next;
      if (!mmi_seg_owned (h, seg))
	{
	  /* Covered by a huge block (checked from its segment), or, in the
	     default heap, somebody else's memory.  */
	  seg++;
	  continue;
	}
      if (check_segment (h, seg, &c, &next) != 0)
	return -1;
      seg = next;
    }
  if (check_bins (h, &c) != 0 || check_classes (h, &c, 1, 0) != 0)
    return -1;
  for (set = 0; set < MM_RUNSETS; set++)
    if (check_classes (h, &c, 0, set) != 0)
      return -1;
  if (c.free_runs != hdr->free_runs || c.free_pages != hdr->free_pages)
    return fail (h, "statistics: %llu free runs of %llu pages counted, "
		 "header says %llu of %llu",
		 (unsigned long long) c.free_runs,
		 (unsigned long long) c.free_pages,
		 (unsigned long long) hdr->free_runs,
		 (unsigned long long) hdr->free_pages);
  if (c.small_slots != hdr->small_slots || c.small_bytes != hdr->small_bytes
      || c.small_used != hdr->small_used
      || c.small_used_bytes != hdr->small_used_bytes)
    return fail (h, "statistics: %llu small objects live in %llu slots "
		 "counted, header says %llu in %llu",
		 (unsigned long long) c.small_used,
		 (unsigned long long) c.small_slots,
		 (unsigned long long) hdr->small_used,
		 (unsigned long long) hdr->small_slots);
  if (c.large_used != hdr->large_used || c.large_bytes != hdr->large_bytes)
    return fail (h, "statistics: %llu large blocks of %llu bytes counted, "
		 "header says %llu of %llu",
		 (unsigned long long) c.large_used,
		 (unsigned long long) c.large_bytes,
		 (unsigned long long) hdr->large_used,
		 (unsigned long long) hdr->large_bytes);
  return 0;
}

int
mmalloc_check (void *md)
{
  struct mm_heap *h = mmi_heap_of (md);
  int rc, locked;

  if (h == NULL)
    return -1;
  locked = !h->rdonly && mmi_lock (h) == 0;
  rc = mmi_check (h);
  if (locked)
    mmi_unlock (h);
  return rc;
}

const char *
mmalloc_check_message (void *md)
{
  struct mm_heap *h = mmi_heap_of (md);

  return h != NULL ? h->check_msg : "";
}

#ifdef MMALLOC_DEBUG
/* After every operation of a debug build: a broken invariant stops the
   program where it broke, which is the point of such a build.  */
void
mmi_debug_check (struct mm_heap *h)
{
  if (mmi_check (h) != 0)
    {
      fprintf (stderr, "mmalloc: heap %p: %s\n", (void *) h->base,
	       h->check_msg);
      __builtin_trap ();
    }
}
#endif
