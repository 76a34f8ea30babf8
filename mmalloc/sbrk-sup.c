/* sbrk-sup.c -- the default heap, grown with sbrk.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* The null descriptor names one heap per process, created on first use
   at the program break and grown with sbrk, as GNU mmalloc did.  Other
   sbrk users may share the break (the C library's malloc when a program
   only uses the NULL-descriptor defines): when the break has moved since
   our last growth, the stretch in between is theirs, and the page layer
   marks it foreign and carves on above it.  When sbrk fails (a mapping
   right above the break, RLIMIT_DATA), the heap goes on in anonymous
   mappings placed above its end, with the same foreign-gap treatment for
   whatever lies between.

   Programs that only use the NULL-descriptor defines keep the C
   library's allocator for what the library allocates itself (strdup,
   getline, asprintf); such a block reaching mfree (NULL, ...) or
   mrealloc (NULL, ...) lies outside the heap or in a foreign stretch,
   and is handed back to the C library instead of corrupting the heap.  */

#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include "mmprivate.h"

#ifndef MAP_FIXED_NOREPLACE
# define MAP_FIXED_NOREPLACE 0x100000
#endif

/* Smallest growth step of the default heap.  */
#define MM_GROW_SBRK ((size_t) 1 << 20)

struct mm_heap *mmi_default;
static pthread_mutex_t default_init_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t
round_up (size_t n, size_t to)
{
  return (n + to - 1) & ~(to - 1);
}

/* Get LEN bytes of anonymous memory at or above WANT.  */
static char *
anon_above (char *want, size_t len)
{
  void *p = mmap (want, len, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

  if (p != MAP_FAILED && (char *) p == want)
    return want;
  if (p != MAP_FAILED)
    munmap (p, len);
  /* Anywhere above: the kernel takes WANT as a hint.  */
  p = mmap (want + MM_SEG, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    return NULL;
  if ((char *) p < want)
    {
      munmap (p, len);
      errno = ENOMEM;
      return NULL;
    }
  return p;
}

/* Make the first NEED bytes of the default heap usable (see
   mmi_extend).  When the memory obtained does not continue the heap,
   the gap is handed to mmi_pages_skip, which moves the heap's top past
   it (and may raise NEED's meaning for the caller, who retries).  */
int
mmi_sbrk_extend (struct mm_heap *h, size_t need)
{
  char *end = h->base + h->mapped;
  size_t len;
  char *got;

  if (need > (size_t) h->hdr->capacity)
    {
      errno = ENOMEM;
      return -1;
    }
  len = round_up (need - h->mapped, MM_GROW_SBRK);
  got = sbrk (0);
  if (got == end)
    {
      void *p = sbrk ((intptr_t) len);
      if (p != (void *) -1)
	got = p;
      else
	{
	  h->saved_errno = errno;
	  got = anon_above (end, len);
	}
    }
  else
    {
      /* Somebody else moved the break: take fresh memory above it.  */
      void *p = got > end ? sbrk ((intptr_t) len) : (void *) -1;
      got = p != (void *) -1 ? p : anon_above (end, len);
    }
  if (got == NULL)
    {
      h->saved_errno = errno;
      errno = ENOMEM;
      return -1;
    }
  if ((size_t) (got - h->base) + len > (size_t) h->hdr->capacity)
    {
      errno = ENOMEM;
      return -1;
    }
  if (got != end)
    {
      /* [END, GOT) is not ours.  Skip it; what we just got starts at
	 GOT, and the page layer may skip further, to a segment
	 boundary, which the next call then covers.  */
      h->mapped = (size_t) (got - h->base);
      mmi_pages_skip (h, h->mapped);
    }
  h->mapped += len;
  h->hdr->mapped = h->mapped;
  h->reserved = h->mapped;
  return 0;
}

/* The default heap, created on first use.  NULL (errno ENOMEM) when no
   memory at all can be had.  */
struct mm_heap *
mmi_default_heap (void)
{
  struct mm_heap *h = __atomic_load_n (&mmi_default, __ATOMIC_ACQUIRE);
  size_t first = (size_t) MM_META_PAGES << MM_PAGE_SHIFT;
  char *brk0, *base;

  if (mmi_likely (h != NULL))
    return h;
  pthread_mutex_lock (&default_init_lock);
  h = mmi_default;
  if (h != NULL)
    goto out;
  h = mmi_heap_new ();
  if (h == NULL)
    goto out;

  /* Start at the break, page-aligned; fall back to a mapping.  */
  brk0 = sbrk (0);
  base = (char *) round_up ((uintptr_t) brk0, MM_PAGE);
  if (brk0 != (char *) -1
      && sbrk ((intptr_t) (base - brk0 + round_up (first, MM_GROW_SBRK)))
      == brk0)
    first = round_up (first, MM_GROW_SBRK);
  else
    {
      base = mmap (NULL, round_up (first, MM_GROW_SBRK),
		   PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (base == MAP_FAILED)
	{
	  mmi_heap_release (h);
	  h = NULL;
	  errno = ENOMEM;
	  goto out;
	}
      first = round_up (first, MM_GROW_SBRK);
    }
  h->base = base;
  h->hdr = (struct mm_header *) base;
  h->backend = MM_B_SBRK;
  h->fd = -1;
  h->traced = 1;
  h->mapped = h->reserved = first;
  mmi_format (h, MM_H_DEFAULT, 0, 0);	/* as many streams as run sets */
  h->hdr->mapped = first;
  mmi_lock_init (h, 0);
  mmi_pmap_create (h);
  __atomic_store_n (&h->live, 1, __ATOMIC_RELEASE);
  __atomic_store_n (&mmi_default, h, __ATOMIC_RELEASE);
 out:
  pthread_mutex_unlock (&default_init_lock);
  return h;
}

/* Whether P, given to the default heap H, belongs to somebody else:
   outside the heap, in a segment we skipped, or in a foreign stretch.  */
int
mmi_is_foreign (struct mm_heap *h, const void *p)
{
  size_t off = (size_t) ((const char *) p - h->base);
  uint32_t page, head;
  struct mm_page *d;

  if (h->backend != MM_B_SBRK)
    return 0;
  if ((const char *) p < h->base || off >= h->hdr->top)
    return 1;
  page = (uint32_t) (off >> MM_PAGE_SHIFT);
  if (!mmi_seg_owned (h, page / MM_SEG_PAGES))
    return mmi_run_of (h, p, &head) == NULL;	/* not in a huge block */
  if ((page & (MM_SEG_PAGES - 1)) < MM_META_PAGES)
    return 0;
  d = mmi_desc (h, page);
  if (d->kind == MM_K_TAIL && mmi_page_ok (h, d->head) && d->head < page)
    d = mmi_desc (h, d->head);
  return d->kind == MM_K_FOREIGN;
}

#if defined MMALLOC_SANITIZERS && MMALLOC_SANITIZERS
/* Under a sanitizer the C library's blocks are the sanitizer's, and our
   replacement cannot be in use: the process's free and realloc are the
   ones that own them.  */
# include <stdlib.h>
# define LIBC_FREE(p) free (p)
# define LIBC_REALLOC(p, n) realloc (p, n)
#elif defined __GLIBC__
/* glibc's own allocator, whatever malloc is bound to in this process
   (our replacement, when it is preloaded).  */
extern void __libc_free (void *);
extern void *__libc_realloc (void *, size_t);
# define LIBC_FREE(p) __libc_free (p)
# define LIBC_REALLOC(p, n) __libc_realloc (p, n)
#endif

/* Hand P back to the C library.  0, or -1 (errno EINVAL) where the C
   library's allocator cannot be named.  */
int
mmi_libc_free (void *p)
{
#ifdef LIBC_FREE
  LIBC_FREE (p);
  return 0;
#else
  (void) p;
  errno = EINVAL;
  return -1;
#endif
}

/* Resize the C library's block P into a block of SIZE bytes of the
   default heap (unlocked): the C library resizes it first, so that
   SIZE bytes can be copied whatever its old size, and then lets it go.
   NULL (P intact) on failure.  */
void *
mmi_libc_realloc (void *p, size_t size)
{
#ifdef LIBC_REALLOC
  void *q, *r;

  q = LIBC_REALLOC (p, size);
  if (q == NULL)
    return NULL;
  r = mmalloc (NULL, size);
  if (r == NULL)
    {
      /* P is gone, Q holds its contents: give the caller Q's bytes back
	 in the only block there is.  */
      return q;
    }
  memcpy (r, q, size);
  LIBC_FREE (q);
  return r;
#else
  (void) p, (void) size;
  errno = EINVAL;
  return NULL;
#endif
}
