/* mmerrno.c -- the saved errno of a heap.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* GNU declared mmalloc_errno and never defined it.  Ours returns the
   errno of the last system call that failed on the heap's behalf (an
   mmap, fallocate, sbrk, msync ...), kept in this process.  It is
   process-local: another process's failures on a shared heap file are
   its own.  */

#include "config.h"

#include "mmprivate.h"

int
mmalloc_errno (void *md)
{
  struct mm_heap *h;

  if (md == NULL)
    {
      h = __atomic_load_n (&mmi_default, __ATOMIC_ACQUIRE);
      return h != NULL ? h->saved_errno : 0;
    }
  h = mmi_heap_of (md);
  return h != NULL ? h->saved_errno : 0;
}
