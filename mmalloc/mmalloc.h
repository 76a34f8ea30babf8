/* mmalloc.h -- public interface of the mapped-memory allocator.
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

/* Everything a user of mmalloc needs, and nothing else: the GNU mmalloc
   interface with its exact signatures, `struct mstats' (which GNU kept
   private), and the documented extensions.  Every heap is named by its
   descriptor MD, the base address of its region; a null MD is the
   process's default heap.  The header compiles as C89 (gnu89), C11 and
   C++, and supplies PTR and PARAMS for GDB-era callers that did not
   include ansidecl.h.  */

#ifndef MMALLOC_H
#define MMALLOC_H 1

#include <stddef.h>		/* size_t */

/* GDB-era sources spell `void *' as PTR and wrap prototypes in PARAMS.
   Keep out of the way when ansidecl.h (or the includer) defined them.
   The definitions are token for token those of ansidecl.h (even the
   parameter's name), so that an ansidecl.h included afterwards
   redefines them identically, which C allows.  */
#if !defined (_ANSIDECL_H) && !defined (ANSIDECL_H)
# ifndef PTR
#  define PTR void *
# endif
# ifndef PARAMS
#  define PARAMS(paramlist) paramlist
# endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The number of application keys (persistent roots) a heap holds:
   keys 0 to MMALLOC_KEYS - 1.  */
#define MMALLOC_KEYS 16

/* Heap statistics, as returned by mmstats.  GNU's five fields, in
   GNU's order.  */
struct mstats
{
  size_t bytes_total;		/* Bytes of the region in use by the heap.  */
  size_t chunks_used;		/* Blocks the program holds.  */
  size_t bytes_used;		/* Bytes in those blocks (rounded sizes).  */
  size_t chunks_free;		/* Free blocks and free page runs.  */
  size_t bytes_free;		/* Bytes in them.  */
};

/* Allocate SIZE bytes from heap MD.  NULL (errno ENOMEM) when the heap
   cannot grow; NULL when SIZE is 0.  */
extern void *mmalloc (void *md, size_t size);

/* Change the size of PTR to SIZE bytes, keeping its contents up to the
   smaller size.  A null PTR allocates; a SIZE of 0 frees PTR and
   returns NULL.  On failure PTR is left untouched and NULL returned.  */
extern void *mrealloc (void *md, void *ptr, size_t size);

/* Allocate NMEMB * SIZE zeroed bytes; NULL with errno ENOMEM when the
   product overflows.  */
extern void *mcalloc (void *md, size_t nmemb, size_t size);

/* Release PTR (from MD) for reuse.  A null PTR does nothing.  */
extern void mfree (void *md, void *ptr);

/* Allocate SIZE bytes whose address is a multiple of ALIGNMENT (any
   non-zero value, as in GNU mmalloc).  */
extern void *mmemalign (void *md, size_t alignment, size_t size);

/* Allocate SIZE bytes aligned on a page boundary.  */
extern void *mvalloc (void *md, size_t size);

/* Turn on consistency checks of every block of MD, calling ABORTFUNC
   (abort when NULL) on corruption.  Returns 1 when checking is on, 0
   when refused because MD already served an allocation.  mmcheckf does
   the same, but FORCE non-zero allows it on a heap already in use.  */
extern int mmcheck (void *md, void (*abortfunc) (void));
extern int mmcheckf (void *md, void (*abortfunc) (void), int force);

/* Status of one block, as reported by mmprobe.  */
enum mmprobe_status
{
  MMPROBE_DISABLED = -1,	/* Checking is not on for this heap.  */
  MMPROBE_OK,			/* The block is allocated and sound.  */
  MMPROBE_FREE,			/* The block was freed (or never allocated).  */
  MMPROBE_HEAD,			/* Its head (or the pointer itself) is bad.  */
  MMPROBE_TAIL			/* Something wrote past its end.  */
};

/* Check the single block PTR of heap MD.  */
extern enum mmprobe_status mmprobe (void *md, void *ptr);

/* Statistics of heap MD.  */
extern struct mstats mmstats (void *md);

/* Trace allocations to the file named by $MALLOC_TRACE, in the format
   glibc's mtrace(1) reads.  0 when tracing started, 1 when it could
   not (as GNU mmalloc, whose mmtrace always returned 1).  */
extern int mmtrace (void);

/* Attach a heap.  A valid FD: the heap lives in that file (created when
   the file is empty, attached again at its recorded base otherwise).
   FD < 0: an anonymous heap private to this process.  BASEADDR, when
   not NULL, is where a new heap is placed; it must be page-aligned and
   free.  Returns the descriptor (== the base address), or NULL with
   errno set.  */
extern void *mmalloc_attach (int fd, void *baseaddr);

/* Detach heap MD: unmap it (a file heap stays in its file) without
   closing the caller's file descriptor.  NULL on success, MD on
   failure.  */
extern void *mmalloc_detach (void *md);

/* Store KEY as application key KEYNUM (0 to MMALLOC_KEYS - 1) of MD.
   Returns 1 when stored, 0 otherwise.  */
extern int mmalloc_setkey (void *md, int keynum, void *key);

/* Application key KEYNUM of MD, or NULL.  */
extern void *mmalloc_getkey (void *md, int keynum);

/* The errno of the last failed system call made for heap MD (0 when
   none failed).  */
extern int mmalloc_errno (void *md);

/* A page-aligned address at which a heap of SIZE bytes could be placed
   now, or NULL.  Nothing is reserved: attach right away.  */
extern void *mmalloc_findbase (int size);

/* Extensions (not in GNU mmalloc).  */

/* Flags for struct mmalloc_options.  */
#define MMALLOC_EXCL	0x1	/* Create only: fail (EEXIST) unless the
				   file is empty.  */
#define MMALLOC_RDONLY	0x2	/* Attach read-only, for inspection.  */
#define MMALLOC_TRACE	0x4	/* Include this heap in mmtrace's trace
				   (the default heap always is).  */
#define MMALLOC_CACHE	0x8	/* Heap files: keep per-thread caches of
				   small blocks, for speed; a process that
				   dies loses what its threads cached.  */

/* Options of mmalloc_attach_opts.  Zero every field you do not set;
   SIZE is sizeof (struct mmalloc_options) so the structure can grow.  */
struct mmalloc_options
{
  size_t size;			/* sizeof (struct mmalloc_options).  */
  unsigned int flags;		/* MMALLOC_EXCL, MMALLOC_RDONLY,
				   MMALLOC_TRACE.  */
  unsigned int streams;		/* Concurrency stripes, 0 for the
				   default; recorded at creation.  */
  size_t capacity;		/* Most bytes the region may ever span,
				   header included; 0 for no limit.
				   Recorded at creation.  */
};

/* mmalloc_attach with OPTS (NULL for the defaults).  */
extern void *mmalloc_attach_opts (int fd, void *baseaddr,
				  const struct mmalloc_options *opts);

/* Bytes usable in the block PTR of MD (at least what was asked).  */
extern size_t mmalloc_usable_size (void *md, void *ptr);

/* Write heap MD to its file and wait until it is on disk (msync).
   0 on success, -1 with errno set.  */
extern int mmalloc_sync (void *md);

/* Check every invariant of heap MD.  0 when the heap is sound;
   otherwise -1 with errno set (EUCLEAN for corruption), and
   mmalloc_check_message describes the first problem found.  */
extern int mmalloc_check (void *md);

/* One line describing what the last mmalloc_check of MD found, in
   this process; "" when it found nothing.  */
extern const char *mmalloc_check_message (void *md);

#ifdef __cplusplus
}
#endif

#endif /* MMALLOC_H */
