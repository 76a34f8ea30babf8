/* sync.c -- the durability point of a heap file.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* A file heap's pages are the file's pages, so what a process wrote
   survives the process; mmalloc_sync is what makes it survive the
   machine: msync of the whole mapping, waited for.  Anonymous heaps and
   the default heap have nothing to write and succeed at once.  */

#include "config.h"

#include <errno.h>
#include <sys/mman.h>
#include "mmprivate.h"

int
mmalloc_sync (void *md)
{
  struct mm_heap *h = mmi_heap_of (md);
  size_t len;

  if (h == NULL)
    return -1;
  if (h->backend != MM_B_FILE || h->rdonly)
    return 0;
  /* The mapping only grows while attached; read its size once.  */
  len = __atomic_load_n (&h->mapped, __ATOMIC_ACQUIRE);
  /* memcheck would object to the region's unwritten bytes: msync
     only reads pages of the file.  */
  MMI_VG_QUIET_BEGIN ();
  if (msync (h->base, len, MS_SYNC) != 0)
    {
      MMI_VG_QUIET_END ();
      h->saved_errno = errno;
      return -1;
    }
  MMI_VG_QUIET_END ();
  return 0;
}
