/* qalloc.h -- the qalloc interface: fixed-capacity persistent maps.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc.

   mmalloc is free software; you can redistribute it and/or modify it
   under the terms of the GNU Lesser General Public License as published
   by the Free Software Foundation; either version 2.1 of the License, or
   (at your option) any later version.

   mmalloc is distributed in the hope that it will be useful, but WITHOUT
   ANY WARRANTY; without even the implied warranty of MERCHANTABILITY or
   FITNESS FOR A PARTICULAR PURPOSE.  See the GNU Lesser General Public
   License for more details.

   You should have received a copy of the GNU Lesser General Public
   License along with mmalloc; if not, see <https://www.gnu.org/licenses/>.  */

/* The qalloc API of Sandia's qthreads, carried by libmmalloc as a thin
   layer over mmalloc heap files.  A map is a file of fixed capacity
   that always loads at the address it was created at.  A static map
   hands out items of one size; a dynamic map, blocks of any size.

   Every function reports failure by returning NULL (the void functions
   by doing nothing) with errno set; none prints or aborts.  See
   qalloc_makestatmap(3) and the "qalloc interface" chapter of the
   mmalloc manual.

   This header does not define _FILE_OFFSET_BITS: doing so after the
   includer's own system headers would change off_t under them.  On
   hosts where off_t can be 32 bits wide, compile with
   -D_FILE_OFFSET_BITS=64 (getconf LFS_CFLAGS), as the library is.  The
   header compiles as C89, C99 and later, and C++.  */

#ifndef QALLOC_H
#define QALLOC_H 1

#include <sys/types.h>		/* off_t */
#include <stddef.h>		/* size_t */

#ifdef __cplusplus
extern "C" {
#endif

/* Descriptors of a loaded static and dynamic map (opaque; they live in
   the process's memory, not in the file).  */
typedef struct mapinfo_s mapinfo_t;
typedef struct dynmapinfo_s dynmapinfo_t;

/* Create the map file FILENAME (or load it when it already holds a map)
   with room for FILESIZE bytes of items of ITEMSIZE bytes, STREAMS
   (1 to 64) lock stripes, at ADDR (page-aligned, or NULL for anywhere).
   Returns the map's descriptor (a mapinfo_t *), or NULL.  */
extern void *qalloc_makestatmap (const off_t filesize, void *addr,
				 const char *filename, size_t itemsize,
				 const size_t streams);

/* The same for a dynamic map holding FILESIZE bytes of requests of any
   size.  Returns a dynmapinfo_t *, or NULL.  */
extern void *qalloc_makedynmap (const off_t filesize, void *addr,
				const char *filename, const size_t streams);

/* Load the existing map FILENAME, of either kind, at its recorded
   address.  Returns its descriptor, or NULL.  */
extern void *qalloc_loadmap (const char *filename);

/* Write every loaded map to its file (msync).  */
extern void qalloc_checkpoint (void);

/* Checkpoint, then unload every map and free every descriptor.  */
extern void qalloc_cleanup (void);

/* One item of static map MAP, or NULL (ENOMEM when the map is full).  */
extern void *qalloc_statmalloc (mapinfo_t *map);

/* SIZE bytes from dynamic map MAP, or NULL.  */
extern void *qalloc_dynmalloc (dynmapinfo_t *map, size_t size);

/* qalloc_statmalloc or qalloc_dynmalloc, whichever fits MAP; SIZE is
   ignored for a static map.  */
extern void *qalloc_malloc (void *map, size_t size);

/* Give BLOCK back to the map it came from.  */
extern void qalloc_statfree (void *block, mapinfo_t *map);
extern void qalloc_dynfree (void *block, dynmapinfo_t *map);
extern void qalloc_free (void *block, void *map);

#ifdef __cplusplus
}
#endif

#endif /* QALLOC_H */
