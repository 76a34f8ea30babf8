/* malloc.c -- the C library's allocation functions over the default heap.
   Copyright (C) 2026 The mmalloc developers.

   This file is part of mmalloc, distributed under the GNU Lesser General
   Public License, version 2.1 or later; see COPYING.  */

/* libmmalloc-malloc: malloc and its family, for linking or LD_PRELOAD,
   all drawing from the one default heap that mmalloc (NULL, ...) uses,
   so that memory from either may be released by the other.  Only the
   public mmalloc API is used here.  Semantics are the C standard's and
   POSIX's, with glibc's choices where those leave room: malloc (0)
   returns a unique pointer, realloc (p, 0) frees p and returns NULL,
   alignments must be powers of two (EINVAL otherwise), and every block
   is aligned on 16 bytes.  */

#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include "mmalloc.h"

#define EXPORT __attribute__ ((visibility ("default")))

/* Declared here rather than through <stdlib.h> and <malloc.h>, whose
   prototypes differ between C library versions (cfree, pvalloc).  */
EXPORT void *malloc (size_t size);
EXPORT void free (void *ptr);
EXPORT void *calloc (size_t nmemb, size_t size);
EXPORT void *realloc (void *ptr, size_t size);
EXPORT void *reallocarray (void *ptr, size_t nmemb, size_t size);
EXPORT void *memalign (size_t alignment, size_t size);
EXPORT int posix_memalign (void **memptr, size_t alignment, size_t size);
EXPORT void *aligned_alloc (size_t alignment, size_t size);
EXPORT void *valloc (size_t size);
EXPORT void *pvalloc (size_t size);
EXPORT size_t malloc_usable_size (void *ptr);
EXPORT void cfree (void *ptr);

void *
malloc (size_t size)
{
  return mmalloc (NULL, size != 0 ? size : 1);
}

void
free (void *ptr)
{
  mfree (NULL, ptr);
}

void
cfree (void *ptr)
{
  mfree (NULL, ptr);
}

void *
calloc (size_t nmemb, size_t size)
{
  if (nmemb == 0 || size == 0)
    nmemb = size = 1;
  return mcalloc (NULL, nmemb, size);
}

void *
realloc (void *ptr, size_t size)
{
  if (ptr == NULL)
    return malloc (size);
  return mrealloc (NULL, ptr, size);
}

void *
reallocarray (void *ptr, size_t nmemb, size_t size)
{
  size_t n;

  if (__builtin_mul_overflow (nmemb, size, &n))
    {
      errno = ENOMEM;
      return NULL;
    }
  return realloc (ptr, n);
}

static int
power_of_two (size_t n)
{
  return n != 0 && (n & (n - 1)) == 0;
}

void *
memalign (size_t alignment, size_t size)
{
  if (!power_of_two (alignment))
    {
      errno = EINVAL;
      return NULL;
    }
  return mmemalign (NULL, alignment, size != 0 ? size : 1);
}

void *
aligned_alloc (size_t alignment, size_t size)
{
  return memalign (alignment, size);
}

int
posix_memalign (void **memptr, size_t alignment, size_t size)
{
  int saved = errno;
  void *p;

  if (!power_of_two (alignment) || alignment % sizeof (void *) != 0)
    return EINVAL;
  p = mmemalign (NULL, alignment, size != 0 ? size : 1);
  if (p == NULL)
    {
      int e = errno;
      errno = saved;
      return e != 0 ? e : ENOMEM;
    }
  *memptr = p;
  return 0;
}

static size_t
page_size (void)
{
  long p = sysconf (_SC_PAGESIZE);
  return p > 0 ? (size_t) p : 4096;
}

void *
valloc (size_t size)
{
  return mmemalign (NULL, page_size (), size != 0 ? size : 1);
}

void *
pvalloc (size_t size)
{
  size_t ps = page_size (), n;

  if (__builtin_add_overflow (size, ps - 1, &n))
    {
      errno = ENOMEM;
      return NULL;
    }
  n &= ~(ps - 1);
  return mmemalign (NULL, ps, n != 0 ? n : ps);
}

size_t
malloc_usable_size (void *ptr)
{
  return mmalloc_usable_size (NULL, ptr);
}
