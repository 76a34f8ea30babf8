/* attach.c -- creating heaps and attaching existing heap files.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* mmalloc_attach keeps GNU's contract: a valid FD names a heap file
   (formatted when empty, attached at its recorded base otherwise), an
   invalid one an anonymous heap private to the process.  What changes is
   safety: a file is trusted only after its header is validated against
   the file's real length, its base is reserved without replacing any
   mapping, and nothing process-specific is read from it.  Attaching
   costs the same for any heap size: only the header is read; pages are
   checked as they are used.  */

#include "config.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "mmprivate.h"

#define MM_MAX_STREAMS 64

/* The region of a new heap starts with the header and segment 0's
   metadata; data pages follow as the heap grows.  */
#define MM_FIRST_BYTES ((size_t) MM_META_PAGES << MM_PAGE_SHIFT)

/* The most bytes a region may span on this host.  */
static uint64_t
max_region (void)
{
  uint64_t m = MM_MAX_REGION;

  if ((uint64_t) SIZE_MAX / 2 < m)
    m = ((uint64_t) SIZE_MAX / 2 + 1) & ~(uint64_t) (MM_SEG - 1);
  return m;
}

/* Write a new header into the first page of H's region.  */
void
mmi_format (struct mm_heap *h, unsigned int flags, size_t capacity,
	    unsigned int streams)
{
  struct mm_header *hdr = h->hdr;

  memset (hdr, 0, sizeof *hdr);
  memcpy (hdr->magic, MM_MAGIC, MM_MAGIC_SIZE);
  hdr->version = MM_VERSION;
  hdr->header_size = sizeof *hdr;
  hdr->endian = MM_ENDIAN_TAG;
  hdr->word_size = sizeof (void *);
  hdr->page_shift = MM_PAGE_SHIFT;
  hdr->seg_shift = MM_SEG_SHIFT;
  hdr->nclasses = MM_NCLASSES;
  hdr->base = (uintptr_t) h->base;
  hdr->mapped = h->mapped;
  {
    /* No further than the address space goes above the base (32-bit
       hosts), so that the file can be attached again.  (An explicit
       capacity that does not fit was refused by create_heap.)  */
    uint64_t room = ((uint64_t) UINTPTR_MAX - (uintptr_t) h->base + 1)
      & ~(uint64_t) (MM_PAGE - 1);
    uint64_t cap = capacity != 0 ? capacity : max_region ();
    hdr->capacity = room < cap ? room : cap;
  }
  hdr->top = hdr->hwm = MM_FIRST_BYTES;
  hdr->flags = flags;
  hdr->state = MM_STATE_DIRTY;
  /* By default, as many streams as there are run sets.  */
  hdr->streams = streams != 0 ? streams : MM_RUNSETS;
  hdr->nattached = 1;
  mmi_segmap (h)[0] = 1;	/* segment 0 is ours */
}

/* Check a header read from a file of FILE_SIZE bytes.  0, or -1 with
   errno EINVAL (not a heap), ENOTSUP (a heap we cannot use here) or
   EUCLEAN (a damaged heap).  */
static int
validate_header (const struct mm_header *hdr, size_t got, size_t file_size)
{
  size_t ps = mmi_sys_pagesize ();

  if (got < MM_MAGIC_SIZE || memcmp (hdr->magic, MM_MAGIC, MM_MAGIC_SIZE))
    goto not_heap;
  /* GNU mmalloc's files share the magic; their version byte sits at
     offset 12 and is at most 1.  Ours is a 32-bit field at 8.  */
  if (got < offsetof (struct mm_header, base))
    goto damaged;
  if (hdr->version != MM_VERSION || hdr->endian != MM_ENDIAN_TAG
      || hdr->word_size != sizeof (void *)
      || hdr->header_size != sizeof (struct mm_header)
      || hdr->page_shift != MM_PAGE_SHIFT || hdr->seg_shift != MM_SEG_SHIFT
      || hdr->nclasses != MM_NCLASSES)
    goto unsupported;
  if (got < sizeof *hdr)
    goto damaged;
  if (hdr->base == 0 || hdr->base % ps != 0
      || hdr->capacity > max_region () || hdr->capacity < MM_FIRST_BYTES
      || hdr->base + hdr->capacity < hdr->base
      || hdr->base + hdr->capacity - 1 > (uint64_t) UINTPTR_MAX
      || hdr->mapped < MM_FIRST_BYTES || hdr->mapped % ps != 0
      || hdr->mapped > hdr->capacity || hdr->mapped > file_size
      || hdr->top < MM_FIRST_BYTES || hdr->top % MM_PAGE != 0
      || hdr->top > hdr->mapped || hdr->hwm < hdr->top
      || hdr->hwm > hdr->mapped
      || hdr->streams == 0 || hdr->streams > MM_MAX_STREAMS
      || hdr->state > MM_STATE_DIRTY
      || hdr->jlen > MM_JOURNAL_ENTRIES
      || hdr->intent > MM_INTENT_FREE_HUGE)
    goto damaged;
  return 0;

 not_heap:
  errno = EINVAL;
  return -1;
 unsupported:
  errno = ENOTSUP;
  return -1;
 damaged:
  errno = EUCLEAN;
  return -1;
}

/* Create a new heap in H (backend and fd already set) at BASEADDR.  */
static int
create_heap (struct mm_heap *h, void *baseaddr,
	     const struct mmalloc_options *o)
{
  size_t first = MM_FIRST_BYTES, cap = o->capacity, mapb = 0;
  char *base;

  if (cap != 0)
    {
      cap = (cap + MM_PAGE - 1) & ~(MM_PAGE - 1);
      if (cap < first || cap > max_region ())
	{
	  errno = EINVAL;
	  return -1;
	}
    }
  h->reserved = cap;
  /* An anonymous heap placed by the library keeps its page map in front
     of it, in address space reserved with it (pagemap.c).  */
  base = baseaddr == NULL && h->backend == MM_B_FILE
    ? mmi_reserve_file (first, &h->reserved)
    : mmi_reserve (baseaddr, first, &h->reserved,
		   h->backend == MM_B_ANON ? &mapb : NULL);
  if (base == NULL)
    return -1;
  if (mapb != 0)
    mmi_pmap_carve (h, base - mapb, mapb, h->reserved);
  if (cap != 0 && (uint64_t) cap - 1 > (uint64_t) UINTPTR_MAX - (uintptr_t) base)
    {
      /* The capacity asked for does not fit above this base (32-bit
	 hosts): refused, never recorded smaller behind the caller's
	 back.  */
      munmap (base, h->reserved);
      mmi_pmap_destroy (h);
      h->reserved = 0;
      errno = EINVAL;
      return -1;
    }
  h->base = base;
  h->hdr = (struct mm_header *) base;
  h->mapped = 0;
  /* A provisional header, so that mmi_extend knows the capacity.  */
  {
    struct mm_header tmp;
    tmp.capacity = cap != 0 ? cap : max_region ();
    tmp.mapped = 0;
    h->hdr = &tmp;
    if (mmi_extend (h, first) != 0)
      {
	h->hdr = (struct mm_header *) base;
	return -1;
      }
    h->hdr = (struct mm_header *) base;
  }
  mmi_format (h, h->backend == MM_B_ANON ? MM_H_ANON : 0, cap, o->streams);
  if ((errno = mmi_lock_init (h, h->backend == MM_B_FILE)) != 0)
    return -1;
  if (h->backend == MM_B_FILE)
    {
      int alone;
      if (mmi_attach_locks (h, &alone) != 0)
	{
	  errno = h->saved_errno;
	  return -1;
	}
      h->journal = (struct mm_jentry *) (h->base + MM_JOURNAL_OFF);
    }
  return 0;
}

/* Attach the existing heap file of H (its fd set).  */
static int
reuse_heap (struct mm_heap *h)
{
  struct mm_header hdr;
  struct stat st;
  ssize_t got;
  char *base;
  int alone, tries;

  /* Other processes may be changing the header while we copy it: the
     copy is not atomic, and may pair a new top with an old mapped size
     or high-water mark.  Such a torn copy looks damaged; a copy that
     still looks damaged after a few fresh reads is.  */
  for (tries = 0;; tries++)
    {
      memset (&hdr, 0, sizeof hdr);
      got = pread (h->fd, &hdr, sizeof hdr, 0);
      if (got < 0)
	{
	  h->saved_errno = errno;
	  return -1;
	}
      /* The file's size is read after the header: a process growing
	 the heap extends the file before it records the new size, so
	 the size recorded in what we read is never more than the file
	 holds.  */
      if (fstat (h->fd, &st) != 0)
	{
	  h->saved_errno = errno;
	  return -1;
	}
      if (validate_header (&hdr, (size_t) got, (size_t) st.st_size) == 0)
	break;
      if (errno != EUCLEAN || tries == 8)
	return -1;
      sched_yield ();
    }

  /* The recorded base, whatever the caller asked for.  */
  h->reserved = (size_t) hdr.capacity;
  base = mmi_reserve ((void *) (uintptr_t) hdr.base, (size_t) hdr.mapped,
		      &h->reserved, NULL);
  if (base == NULL)
    return -1;
  h->base = base;
  h->hdr = (struct mm_header *) base;
  if (mmi_map_file (h, (size_t) hdr.mapped) != 0)
    {
      errno = h->saved_errno;
      return -1;
    }
  h->mapped = (size_t) hdr.mapped;
  /* The file may have changed since we read it.  Other processes may
     have grown the heap meanwhile (the lock catches this process up);
     anything else changed means another file: refuse it.  */
  if (memcmp (h->hdr, &hdr, offsetof (struct mm_header, mapped)) != 0
      || h->hdr->capacity != hdr.capacity)
    {
      errno = EUCLEAN;
      return -1;
    }
  if (!mmi_seg_owned (h, 0))
    {
      errno = EUCLEAN;
      return -1;
    }
  if (mmi_attach_locks (h, &alone) != 0)
    {
      errno = h->saved_errno;
      return -1;
    }
  h->alone = alone;
  if (!h->rdonly)
    {
      h->journal = (struct mm_jentry *) (h->base + MM_JOURNAL_OFF);
      /* Nobody else attached: nobody can hold the lock either, whatever
	 its word says (a dead thread's id after a machine crash, or a
	 damaged file), so it is made anew.  */
      if (alone && (errno = mmi_lock_init (h, 1)) != 0)
	return -1;
      if (alone && (h->hdr->state != MM_STATE_CLEAN || h->hdr->jlen != 0
		    || h->hdr->intent != MM_INTENT_NONE))
	{
	  /* Attached, says the heap, but nobody is: every process that
	     had it died.  The operation in flight is undone; what the
	     journal wrote back is checked like the header we read.  */
	  if (mmi_recover (h) == 0)
	    h->hdr->recoveries++;
	  h->hdr->nattached = 0;
	  if (validate_header (h->hdr, sizeof *h->hdr, h->mapped) != 0
	      || h->hdr->mapped != h->mapped)
	    {
	      errno = EUCLEAN;
	      return -1;
	    }
	}
      if (mmi_lock (h) != 0)
	return -1;
      h->hdr->state = MM_STATE_DIRTY;
      h->hdr->nattached++;
      mmi_unlock (h);
    }
  return 0;
}

void *
mmalloc_attach_opts (int fd, void *baseaddr,
		     const struct mmalloc_options *opts)
{
  struct mmalloc_options o;
  struct mm_heap *h;
  struct stat st;
  int saved, locked = 0;

  memset (&o, 0, sizeof o);
  if (opts != NULL)
    {
      if (opts->size < offsetof (struct mmalloc_options, capacity)
	  + sizeof opts->capacity)
	{
	  errno = EINVAL;
	  return NULL;
	}
      o = *opts;
      if (o.size > sizeof o)
	{
	  /* A later version's structure: fine as long as it asks for
	     nothing this library does not know.  */
	  const unsigned char *x = (const unsigned char *) opts;
	  size_t i;
	  for (i = sizeof o; i < o.size; i++)
	    if (x[i] != 0)
	      {
		errno = EINVAL;
		return NULL;
	      }
	}
      else if (o.size < sizeof o)
	/* The first version's structure: the later fields are zero.  */
	memset ((char *) &o + o.size, 0, sizeof o - o.size);
    }
  if ((o.flags & ~(unsigned int) (MMALLOC_EXCL | MMALLOC_RDONLY
				  | MMALLOC_TRACE | MMALLOC_CACHE)) != 0
      || o.streams > MM_MAX_STREAMS
      || (baseaddr != NULL
	  && (uintptr_t) baseaddr % mmi_sys_pagesize () != 0))
    {
      errno = EINVAL;
      return NULL;
    }
  if (fd >= 0)
    {
      int mode = fcntl (fd, F_GETFL);
      if (mode == -1 || fstat (fd, &st) != 0)
	{
	  errno = EBADF;
	  return NULL;
	}
      if (!S_ISREG (st.st_mode))
	{
	  errno = EINVAL;
	  return NULL;
	}
      if ((mode & O_ACCMODE) == O_WRONLY
	  || (!(o.flags & MMALLOC_RDONLY) && (mode & O_ACCMODE) != O_RDWR))
	{
	  errno = EACCES;
	  return NULL;
	}
    }
  else if (o.flags & MMALLOC_RDONLY)
    {
      errno = EINVAL;		/* nothing to inspect */
      return NULL;
    }

  h = mmi_heap_new ();
  if (h == NULL)
    return NULL;
  h->fd = fd >= 0 ? fd : -1;
  h->backend = fd >= 0 ? MM_B_FILE : MM_B_ANON;
  h->rdonly = (o.flags & MMALLOC_RDONLY) != 0;
  /* Private heaps are always cached; heap files when asked to.  */
  h->cached = fd < 0 || (o.flags & MMALLOC_CACHE) != 0;

  if (fd >= 0)
    {
      /* One attach at a time per file, so that two processes never both
	 format an empty file.  */
      if (flock (fd, h->rdonly ? LOCK_SH : LOCK_EX) == 0)
	locked = 1;
      if (fstat (fd, &st) != 0)
	goto fail;
      if (st.st_size == 0)
	{
	  if (h->rdonly)
	    {
	      errno = EINVAL;
	      goto fail;
	    }
	  if (create_heap (h, baseaddr, &o) != 0)
	    goto fail;
	}
      else if (o.flags & MMALLOC_EXCL)
	{
	  errno = EEXIST;
	  goto fail;
	}
      else if (reuse_heap (h) != 0)
	goto fail;
      if (locked)
	flock (fd, LOCK_UN);
    }
  else if (create_heap (h, baseaddr, &o) != 0)
    goto fail;

  /* A heap file with thread caches keeps hints of its runs' classes
     (pagemap.c).  */
  if (h->backend == MM_B_FILE)
    mmi_pmap_create (h);
  h->abortfunc = NULL;
  h->traced = (o.flags & MMALLOC_TRACE) != 0;
#ifdef HAVE_VALGRIND
  if (mmi_valgrind)
    mmi_vg_attach (h);
#endif
  __atomic_store_n (&h->live, 1, __ATOMIC_RELEASE);
  return h->base;

 fail:
  saved = errno;
  mmi_attach_unlock (h);
  if (locked)
    flock (fd, LOCK_UN);
  if (h->base != (char *) 1)
    mmi_unmap (h);
  mmi_heap_release (h);
  errno = saved;
  return NULL;
}

void *
mmalloc_attach (int fd, void *baseaddr)
{
  return mmalloc_attach_opts (fd, baseaddr, NULL);
}

/* For the qalloc façade (same library, not exported): whether heap MD
   is a heap file no other process had attached when this process
   attached it, so that locks kept in it may be made anew.  */
int
mmi_attached_alone (void *md)
{
  struct mm_heap *h = md != NULL ? mmi_heap_of (md) : NULL;

  return h != NULL && h->backend == MM_B_FILE && h->alone;
}
