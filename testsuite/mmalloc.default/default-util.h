/* default-util.h -- helpers shared by the mmalloc.default programs.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#ifndef DEFAULT_UTIL_H
#define DEFAULT_UTIL_H 1

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The byte at OFFSET of a block tagged with (TAG, SERIAL).  */
static inline unsigned char
du_byte (unsigned int tag, unsigned long serial, size_t off)
{
  return (unsigned char) ((tag * 131u) ^ (serial * 7u) ^ (off * 13u)
			  ^ (off >> 8));
}

/* Fill the N bytes at P with the pattern of (TAG, SERIAL).  */
static inline void
du_fill (void *p, size_t n, unsigned int tag, unsigned long serial)
{
  unsigned char *c = (unsigned char *) p;
  size_t i;

  for (i = 0; i < n; i++)
    c[i] = du_byte (tag, serial, i);
}

/* Whether the N bytes at P hold the pattern of (TAG, SERIAL).  */
static inline int
du_verify (const void *p, size_t n, unsigned int tag, unsigned long serial)
{
  const unsigned char *c = (const unsigned char *) p;
  size_t i;

  for (i = 0; i < n; i++)
    if (c[i] != du_byte (tag, serial, i))
      return 0;
  return 1;
}

/* A small, reproducible random number generator (xorshift64*).  */
static inline uint64_t
du_rand (uint64_t *s)
{
  uint64_t x = *s;

  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1DULL;
}

/* Whether address P lies in a mapping of /proc/self/maps whose name is
   NAME (e.g. "[heap]"); -1 when the maps cannot be read.  */
static inline int
du_in_mapping (const void *p, const char *name)
{
  FILE *f = fopen ("/proc/self/maps", "r");
  char line[512];
  int found = 0;

  if (f == NULL)
    return -1;
  while (fgets (line, sizeof line, f) != NULL)
    {
      unsigned long lo, hi;
      if (sscanf (line, "%lx-%lx", &lo, &hi) == 2
	  && (uintptr_t) p >= lo && (uintptr_t) p < hi)
	{
	  found = strstr (line, name) != NULL;
	  break;
	}
    }
  fclose (f);
  return found;
}

/* Milliseconds since some fixed point.  */
static inline long
du_msec (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif /* DEFAULT_UTIL_H */
