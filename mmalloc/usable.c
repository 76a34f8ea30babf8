/* usable.c -- the usable size of a block.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* The bytes a program may use in a block: its size class, or its pages
   past the block's start.  0 for a null pointer or one that names no
   block of the heap (errno EINVAL).  */

#include "config.h"

#include <errno.h>
#include "mmprivate.h"

size_t
mmalloc_usable_size (void *md, void *ptr)
{
  struct mm_heap *h;
  struct mm_page *d;
  uint32_t head;
  size_t n = 0;
  int locked;

  if (ptr == NULL)
    return 0;
  h = mmi_heap_of (md);
  if (h == NULL)
    return 0;
  locked = !h->rdonly && mmi_lock (h) == 0;
  if (h->hdr->flags & MM_H_CHECKED)
    n = mmi_checked_size (h, ptr);
  else if ((d = mmi_block_of (h, ptr, &head)) != NULL)
    n = mmi_block_size (h, d);
  if (n == 0)
    errno = EINVAL;
  if (locked)
    mmi_unlock (h);
#ifdef HAVE_VALGRIND
  /* memcheck knows the block by the size asked for; the program may
     use all N bytes, so the rest becomes addressable (undefined).  The
     check request reports nothing: it only finds where that rest
     begins.  */
  if (n != 0 && mmi_valgrind)
    {
      uintptr_t bad;
      VALGRIND_DISABLE_ERROR_REPORTING;
      bad = VALGRIND_CHECK_MEM_IS_ADDRESSABLE (ptr, n);
      VALGRIND_ENABLE_ERROR_REPORTING;
      if (bad != 0 && bad > (uintptr_t) ptr && bad < (uintptr_t) ptr + n)
	VALGRIND_MAKE_MEM_UNDEFINED ((void *) bad,
				     (uintptr_t) ptr + n - bad);
    }
#endif
  return n;
}
