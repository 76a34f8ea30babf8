/* vgblocks.c -- what memcheck hears of a heap's blocks when heaps are
   detached and attached.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* memcheck keeps every block it was told of until it is told of the
   free.  A heap detached with blocks still allocated leaves them known,
   and a heap attached later at the same address (the same file again,
   a new map file, a fork child's fresh attach) hands the same addresses
   out anew: memcheck would see overlapping blocks and give up.  So:
   - a private heap's live blocks are declared freed when it is
     detached: its memory goes with it;
   - a heap file's are remembered (their addresses, in memory of our
     own) and declared freed when a heap is next attached over them.  A
     heap file that is not attached again keeps its blocks known, so a
     block left allocated but unreachable is reported as a leak at exit,
     as it should: it is lost in the file too;
   - a heap file's live blocks are announced when it is attached, so
     that a heap attached again has them back as blocks, and a read
     after free of one of them is reported like any other.
   All of it runs only under valgrind.  The walk reads descriptors only
   below the top and in owned segments, follows free lists no further
   than their runs' slot counts, and always moves forward.  */

#include "config.h"

#ifdef HAVE_VALGRIND

#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include "mmprivate.h"

/* Addresses of blocks of detached heap files that memcheck still holds
   allocated.  */
static pthread_mutex_t stale_lock = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t *stale;
static size_t nstale, stale_cap;

static void
forget (uintptr_t a, size_t size)
{
  (void) size;
  VALGRIND_FREELIKE_BLOCK ((void *) a, 0);
}

static void
announce (uintptr_t a, size_t size)
{
  VALGRIND_MALLOCLIKE_BLOCK ((void *) a, size, 0, 1);
}

static void
remember (uintptr_t a, size_t size)
{
  (void) size;
  if (nstale == stale_cap)
    {
      size_t cap = stale_cap ? 2 * stale_cap : 4096;
      void *n = mmap (NULL, cap * sizeof *stale, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (n == MAP_FAILED)
	return;			/* memcheck may then complain: no harm */
      if (stale != NULL)
	{
	  memcpy (n, stale, nstale * sizeof *stale);
	  munmap (stale, stale_cap * sizeof *stale);
	}
      stale = n;
      stale_cap = cap;
    }
  stale[nstale++] = a;
}

/* The size the program asked for of the checked block whose head is
   at HEAD in a slot of ROOM bytes (clamped: the head is the file's).  */
static size_t
checked_size (const char *head, size_t room)
{
  uint64_t size;

  memcpy (&size, head, sizeof size);
  return size < room - 16 ? (size_t) size : room - 16;
}

/* Call FN on the address and size of every live block of H (for
   checked blocks, what the program holds: 16 bytes into the slot, the
   size it asked for).  */
static void
walk (struct mm_heap *h, void (*fn) (uintptr_t, size_t))
{
  uint32_t top = (uint32_t) mmi_top_page (h), page = 0;

  while (page < top)
    {
      uint32_t off = page & (MM_SEG_PAGES - 1), n = 1;
      if (!mmi_seg_owned (h, page / MM_SEG_PAGES))
	n = MM_SEG_PAGES - off;
      else if (off < MM_META_PAGES)
	n = MM_META_PAGES - off;
      else
	{
	  struct mm_page *d = mmi_desc (h, page);
	  char *start = mmi_page_addr (h, page);
	  unsigned int extra = (d->flags & MM_F_CHECKED) ? 16 : 0;
	  if (d->kind == MM_K_SMALL && d->cls < MM_NCLASSES
	      && d->bump <= mmi_run_capacity (d->cls))
	    {
	      uint32_t size = mmi_class_size[d->cls], slots = d->bump / size;
	      uint32_t f, i, k = 0;
	      uint8_t isfree[(MM_SMALL_MAX / 16 * 8 + 7) / 8 + 1];
	      memset (isfree, 0, sizeof isfree);
	      for (f = d->free; f != 0 && k++ < slots;
		   f = *(uint32_t *) (start + f - 1))
		{
		  if (f - 1 >= d->bump || (f - 1) % size != 0)
		    break;
		  i = (f - 1) / size;
		  if (i / 8 >= sizeof isfree)
		    break;
		  isfree[i / 8] |= (uint8_t) (1u << (i % 8));
		}
	      for (i = 0; i < slots && i / 8 < sizeof isfree; i++)
		if (!(isfree[i / 8] & (1u << (i % 8))))
		  {
		    char *slot = start + (size_t) i * size;
		    fn ((uintptr_t) (slot + extra),
			extra ? checked_size (slot, size) : size);
		  }
	    }
	  else if (d->kind == MM_K_LARGE
		   && (uint64_t) d->nused + extra
		   < (uint64_t) d->npages << MM_PAGE_SHIFT)
	    {
	      size_t room = ((size_t) d->npages << MM_PAGE_SHIFT) - d->nused;
	      fn ((uintptr_t) (start + d->nused + extra),
		  extra ? checked_size (start + d->nused, room) : room);
	    }
	  if ((d->kind == MM_K_SMALL || d->kind == MM_K_LARGE
	       || d->kind == MM_K_FREE) && d->npages > 0)
	    n = d->npages;
	}
      if (n > top - page)
	break;
      page += n;
    }
}

/* H is being detached (its thread caches already drained).  */
void
mmi_vg_detach (struct mm_heap *h)
{
  MMI_VG_QUIET_BEGIN ();
  if (h->backend == MM_B_FILE)
    {
      pthread_mutex_lock (&stale_lock);
      walk (h, remember);
      pthread_mutex_unlock (&stale_lock);
    }
  else
    walk (h, forget);
  MMI_VG_QUIET_END ();
}

/* H was attached: blocks of detached heap files in its address range
   are gone for good, and a heap file's own live blocks are blocks.  */
void
mmi_vg_attach (struct mm_heap *h)
{
  uintptr_t lo = (uintptr_t) h->base;
  uintptr_t span = (uintptr_t) h->hdr->capacity;
  size_t i, kept = 0;

  pthread_mutex_lock (&stale_lock);
  MMI_VG_QUIET_BEGIN ();
  for (i = 0; i < nstale; i++)
    if (stale[i] - lo < span)
      forget (stale[i], 0);
    else
      stale[kept++] = stale[i];
  nstale = kept;
  if (h->backend == MM_B_FILE)
    walk (h, announce);
  MMI_VG_QUIET_END ();
  pthread_mutex_unlock (&stale_lock);
}

#endif /* HAVE_VALGRIND */
