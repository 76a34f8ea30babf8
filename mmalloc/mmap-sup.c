/* mmap-sup.c -- the region backends of file and anonymous heaps.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* A heap's region is reserved first, as inaccessible address space, and
   only then made usable from its start: a file heap maps its file over
   the whole reservation (MAP_SHARED; the part past the end of the file
   becomes usable as the file grows), an anonymous heap turns reserved
   pages read-write.  The reservation is what keeps growth from ever landing on
   somebody else's mapping: we replace (MAP_FIXED) only pages we reserved
   ourselves, and every new reservation is made with MAP_FIXED_NOREPLACE
   and its address verified, so a taken range is an error, never a
   silently clobbered mapping.

   File growth allocates the new blocks (fallocate) before they are
   mapped: a full disk is an ENOSPC at allocation time, never a SIGBUS
   when the page is first written.  */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "mmprivate.h"

#ifndef MAP_FIXED_NOREPLACE
# define MAP_FIXED_NOREPLACE 0x100000	/* Linux >= 4.17; a hint before */
#endif
#ifndef MAP_NORESERVE
# define MAP_NORESERVE 0
#endif

/* Address space reserved ahead for a heap that may grow.  */
#if UINTPTR_MAX > 0xffffffffu
# define MM_RESERVE_DEFAULT ((size_t) 64 << 30)
#else
# define MM_RESERVE_DEFAULT ((size_t) 256 << 20)
#endif

/* Smallest growth step of a file heap, and of an anonymous one.  */
#define MM_GROW_FILE	((size_t) 256 << 10)
#define MM_GROW_ANON	((size_t) 1 << 20)

size_t
mmi_sys_pagesize (void)
{
  static size_t cached;
  size_t p = __atomic_load_n (&cached, __ATOMIC_RELAXED);

  if (p == 0)
    {
      long v = sysconf (_SC_PAGESIZE);
      p = v > 0 ? (size_t) v : MM_PAGE;
      __atomic_store_n (&cached, p, __ATOMIC_RELAXED);
    }
  return p;
}

static size_t
round_up (size_t n, size_t to)
{
  return (n + to - 1) & ~(to - 1);
}

/* Reserve LEN bytes of address space at WANT (anywhere when NULL).
   Returns the address, or NULL with errno EEXIST (WANT is taken) or
   ENOMEM.  Never replaces an existing mapping.  */
static void *
reserve_exact (void *want, size_t len)
{
  int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
  void *p;

  if (want != NULL)
    flags |= MAP_FIXED_NOREPLACE;
  p = mmap (want, len, PROT_NONE, flags, -1, 0);
  if (p == MAP_FAILED)
    {
      if (errno != EEXIST && errno != ENOMEM)
	errno = ENOMEM;
      return NULL;
    }
  if (want != NULL && p != want)
    {
      /* An old kernel took NOREPLACE as a hint and put us elsewhere.  */
      munmap (p, len);
      errno = EEXIST;
      return NULL;
    }
  return p;
}

/* Reserve address space for a heap of at least MIN bytes at WANT
   (anywhere when NULL), with room to grow: MM_RESERVE_DEFAULT, or less
   when *GOT (the heap's capacity, 0 when unlimited) is smaller.  *GOT
   is set to the length reserved for the heap.  MAPB, when not NULL and
   WANT is, asks for an anonymous heap's page map too (pagemap.c): each try
   first asks for the map's bytes in front of the heap's, on top of
   them, then for the heap's alone; *MAPB is set to the bytes reserved
   in front (0 without).  The result is where the heap starts, after
   them.  */
void *
mmi_reserve (void *want, size_t min, size_t *got, size_t *mapb)
{
  size_t ps = mmi_sys_pagesize ();
  size_t pref = MM_RESERVE_DEFAULT, lead = 0;
  char *p;

  min = round_up (min, ps);
  if (*got != 0 && *got < pref)
    pref = round_up (*got, ps);	/* the heap's capacity */
  if (pref < min)
    pref = min;
  /* Smaller and smaller headroom when the address space is short
     (32-bit hosts, RLIMIT_AS, valgrind).  The map is sized for the
     heap's share of each try, and never costs the heap its room.  */
  for (;;)
    {
      lead = mapb != NULL && want == NULL ? mmi_pmap_bytes (pref) : 0;
      p = lead != 0 && pref + lead > pref
	? reserve_exact (want, pref + lead) : NULL;
      if (p == NULL)
	{
	  lead = 0;
	  p = reserve_exact (want, pref);
	}
      if (p != NULL || pref == min)
	break;
      pref = pref / 8 > min ? round_up (pref / 8, ps) : min;
    }
  if (p == NULL)
    return NULL;
  *got = pref;
  if (mapb != NULL)
    *mapb = lead;
  return p + lead;
}

/* Reserve address space for a new heap file whose caller named no
   base.  On 32-bit hosts the kernel would put it just below the shared
   libraries, which move by up to a megabyte from one process to the
   next: another process would often find the heap's range taken.  So
   the heap goes to a zone of its own, far from libraries, stack and
   program break, at a slot picked at random, and to the kernel's
   choice only when the zone is full.  64-bit hosts leave it to the
   kernel: their libraries move over a terabyte, and a heap needs only
   its mapped part free to be attached again.  */
void *
mmi_reserve_file (size_t min, size_t *got)
{
#if UINTPTR_MAX <= 0xffffffffu
  enum { ZONE = 0x20000000, SLOTS = 3 };	/* 512 MiB to 1.25 GiB */
  size_t want = *got;
  unsigned int i, first = (unsigned int) getpid () % SLOTS;

  for (i = 0; i < SLOTS; i++)
    {
      void *at = (void *) (uintptr_t) (ZONE + ((first + i) % SLOTS)
				       * (uintptr_t) MM_RESERVE_DEFAULT);
      void *p;
      *got = want;
      p = mmi_reserve (at, min, got, NULL);
      if (p != NULL)
	return p;
    }
  *got = want;
#endif
  return mmi_reserve (NULL, min, got, NULL);
}

/* Make the reservation of H cover at least NEED bytes.  */
static int
reserve_more (struct mm_heap *h, size_t need)
{
  size_t ps = mmi_sys_pagesize ();
  size_t more = round_up (need - h->reserved, ps);
  size_t pref = more > MM_RESERVE_DEFAULT ? more : MM_RESERVE_DEFAULT;

  for (;;)
    {
      if (reserve_exact (h->base + h->reserved, pref) != NULL)
	break;
      if (pref == more)
	{
	  h->saved_errno = errno;
	  errno = ENOMEM;
	  return -1;
	}
      pref = pref / 8 > more ? round_up (pref / 8, ps) : more;
    }
  h->reserved += pref;
  return 0;
}

/* Map bytes [FROM, TO) of H's file over its reservation.  */
static int
map_file (struct mm_heap *h, size_t from, size_t to)
{
  int prot = h->rdonly ? PROT_READ : PROT_READ | PROT_WRITE;
  void *p;

  if (to <= from)
    return 0;
  p = mmap (h->base + from, to - from, prot, MAP_SHARED | MAP_FIXED,
	    h->fd, (off_t) from);
  if (p == MAP_FAILED)
    {
      h->saved_errno = errno;
      return -1;
    }
  return 0;
}

/* Map H's file over its whole reservation (it is mapped up to
   H->fmapped already), so that the file's first NEED bytes are mapped.
   The mapping runs past the end of the file: those pages cannot be
   touched yet (SIGBUS), but when any process grows the file they become
   readable here at once, without a call.  That is how a block another
   process allocated after growing the heap is readable by a process
   that only follows a pointer to it, never taking the lock.  Our own
   code reads nothing beyond H->mapped, which the file always holds.  */
int
mmi_map_file (struct mm_heap *h, size_t need)
{
  size_t to;

  if (need <= h->fmapped)
    return 0;
  if (need > h->reserved && reserve_more (h, need) != 0)
    return -1;
  to = h->reserved;
#ifdef HAVE_VALGRIND
  /* memcheck's leak search reads every readable mapping, and each page
     past the end of the file costs it a SIGBUS: under valgrind, map
     only what the file holds (the lock catches up with growth).  */
  if (mmi_valgrind)
    to = need;
#endif
  if (map_file (h, h->fmapped, to) != 0)
    return -1;
  h->fmapped = to;
  return 0;
}

/* Allocate file blocks for [OFF, OFF + LEN) of H's file, extending it
   when needed.  Filesystems without fallocate get ftruncate, which
   cannot promise the blocks.  */
static int
file_allocate (struct mm_heap *h, size_t off, size_t len)
{
  int rc;

#ifdef HAVE_POSIX_FALLOCATE
  rc = posix_fallocate (h->fd, (off_t) off, (off_t) len);
  if (rc == 0)
    return 0;
  if (rc != EOPNOTSUPP && rc != EINVAL)
    {
      h->saved_errno = errno = rc;
      return -1;
    }
#endif
  {
    struct stat st;

    if (fstat (h->fd, &st) != 0)
      goto fail;
    if ((size_t) st.st_size >= off + len)
      return 0;
    if (ftruncate (h->fd, (off_t) (off + len)) == 0)
      return 0;
  }
 fail:
  h->saved_errno = errno;
  return -1;
}

/* Make the first NEED bytes of H's region usable: grow the file or the
   accessible part of the reservation.  0, or -1 with errno ENOMEM (no
   address space, or the capacity is reached) or the failing call's
   errno (ENOSPC, EFBIG, ...).  */
int
mmi_extend (struct mm_heap *h, size_t need)
{
  struct mm_header *hdr = h->hdr;
  size_t step, want, cap;

  if (need <= h->mapped)
    return 0;
  if (h->backend == MM_B_SBRK)
    return mmi_sbrk_extend (h, need);

  cap = (size_t) hdr->capacity;
  if (need > cap)
    {
      errno = ENOMEM;
      return -1;
    }
  step = h->backend == MM_B_FILE ? MM_GROW_FILE : MM_GROW_ANON;
  want = h->mapped + h->mapped / 8;
  if (want < need)
    want = need;
  want = round_up (want, step);
  if (want > cap)
    want = cap;
  if (want > h->reserved && reserve_more (h, want) != 0)
    {
      if (need > h->reserved && reserve_more (h, need) != 0)
	return -1;
      want = need > h->reserved ? need : h->reserved;
    }

  if (h->backend == MM_B_FILE)
    {
      if (file_allocate (h, h->mapped, want - h->mapped) != 0)
	{
	  /* Maybe the disk holds the request without our headroom.  */
	  if (want == need
	      || file_allocate (h, h->mapped, need - h->mapped) != 0)
	    return -1;
	  want = need;
	}
      if (mmi_map_file (h, want) != 0)
	return -1;
    }
  else if (mprotect (h->base + h->mapped, want - h->mapped,
		     PROT_READ | PROT_WRITE) != 0)
    {
      h->saved_errno = errno;
      errno = ENOMEM;
      return -1;
    }
  h->mapped = want;
  hdr->mapped = want;
  return 0;
}

/* Another process grew H's file: map what it added.  Called with the
   heap locked.  The header is the file's; it is believed only as far as
   the file really extends.  */
int
mmi_sync_mapping (struct mm_heap *h)
{
  size_t want = (size_t) h->hdr->mapped;
  struct stat st;

  if (want > (size_t) h->hdr->capacity || want % mmi_sys_pagesize () != 0
      || fstat (h->fd, &st) != 0 || (size_t) st.st_size < want)
    {
      errno = EUCLEAN;
      return -1;
    }
  if (mmi_map_file (h, want) != 0)
    return -1;
  h->mapped = want;
  return 0;
}

/* Give pages [PAGE, PAGE + N) back to the operating system.  0 when
   their contents read as zero afterwards; -1 when they could not be
   given back (they keep their contents, which is always correct).  */
int
mmi_release_pages (struct mm_heap *h, uint32_t page, uint32_t n)
{
  size_t ps = mmi_sys_pagesize ();
  size_t from = round_up ((size_t) page << MM_PAGE_SHIFT, ps);
  size_t to = ((size_t) (page + n) << MM_PAGE_SHIFT) & ~(ps - 1);
  /* Whether the whole run is given back (system pages larger than
     ours may leave its ends in use).  */
  int whole = from == (size_t) page << MM_PAGE_SHIFT
    && to == (size_t) (page + n) << MM_PAGE_SHIFT;

  if (to <= from)
    return -1;
  if (h->backend == MM_B_FILE)
    {
#if defined FALLOC_FL_PUNCH_HOLE
      if (fallocate (h->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		     (off_t) from, (off_t) (to - from)) == 0)
	return whole ? 0 : -1;
#endif
      return -1;
    }
  if (madvise (h->base + from, to - from, MADV_DONTNEED) != 0)
    return -1;
  return whole ? 0 : -1;
}

/* Pages [PAGE, PAGE + N) of a file heap were released and are about to
   be used again: allocate their blocks, so that a full disk is an error
   now rather than a SIGBUS later.  */
int
mmi_back_pages (struct mm_heap *h, uint32_t page, uint32_t n)
{
  if (h->backend != MM_B_FILE)
    return 0;
  return file_allocate (h, (size_t) page << MM_PAGE_SHIFT,
			(size_t) n << MM_PAGE_SHIFT);
}

/* Unmap everything H reserved.  */
void
mmi_unmap (struct mm_heap *h)
{
  mmi_pmap_destroy (h);
  if (h->reserved != 0)
    munmap (h->base, h->reserved);
  h->reserved = h->mapped = h->fmapped = 0;
}

/* A page-aligned address where SIZE bytes (and room to grow) are free
   now.  Nothing stays reserved, as in GNU mmalloc.  */
void *
mmalloc_findbase (int size)
{
  size_t got = 0, len;
  void *p;

  if (size <= 0)
    {
      errno = EINVAL;
      return NULL;
    }
  len = (size_t) size;
  p = mmi_reserve (NULL, len, &got, NULL);
  if (p == NULL)
    return NULL;
  munmap (p, got);
  return p;
}
