/* qalloc.c -- qalloc_malloc and qalloc_free: either kind of map.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* As in the original, the kind of a map is the first byte of its
   descriptor.  */

#include "config.h"

#include <errno.h>

#include "qprivate.h"

void *
qalloc_malloc (void *map, size_t size)
{
  const unsigned char *kind = map;

  if (kind != NULL && *kind == QP_STATIC)
    return qalloc_statmalloc (map);	/* SIZE is ignored */
  if (kind != NULL && *kind == QP_DYNAMIC)
    return qalloc_dynmalloc (map, size);
  errno = EINVAL;
  return NULL;
}

void
qalloc_free (void *block, void *map)
{
  const unsigned char *kind = map;

  if (kind != NULL && *kind == QP_STATIC)
    qalloc_statfree (block, map);
  else if (kind != NULL && *kind == QP_DYNAMIC)
    qalloc_dynfree (block, map);
  else if (block != NULL)
    errno = EINVAL;
}
