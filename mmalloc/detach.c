/* detach.c -- detaching heaps.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* GNU's contract: NULL on success, the descriptor on failure; the
   caller's file descriptor is never closed (GDB closes it itself), and
   the file is neither truncated nor synced (mmalloc_sync is the
   durability point).  The last process to detach marks the heap clean.  */

#include "config.h"

#include <errno.h>
#include "mmprivate.h"

void *
mmalloc_detach (void *md)
{
  struct mm_heap *h;

  if (md == NULL)
    return NULL;
  h = mmi_heap_lookup_slow (md);
  if (h == NULL || h == mmi_default)
    {
      errno = EINVAL;
      return md;
    }
  if (!h->rdonly && mmi_lock (h) == 0)
    {
      struct mm_header *hdr = h->hdr;
      if (hdr->nattached > 0)
	hdr->nattached--;
      if (hdr->nattached == 0)
	hdr->state = MM_STATE_CLEAN;
      mmi_unlock (h);
    }
  mmi_tc_detach (h);
#ifdef HAVE_VALGRIND
  if (mmi_valgrind)
    mmi_vg_detach (h);
#endif
  mmi_attach_unlock (h);
  /* No lookup may find the heap once its memory is gone.  */
  __atomic_store_n (&h->live, 0, __ATOMIC_RELEASE);
  mmi_unmap (h);
  mmi_heap_release (h);
  return NULL;
}
