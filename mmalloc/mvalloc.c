/* mvalloc.c -- allocating page-aligned blocks.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* mvalloc aligns on the system's page size (the engine's own pages are
   4 KiB; on a system with larger pages the block is aligned on those).  */

#include "config.h"

#include "mmprivate.h"

void *
mvalloc (void *md, size_t size)
{
  return mmemalign (md, mmi_sys_pagesize (), size);
}
