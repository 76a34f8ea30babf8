/* bench.h -- what every benchmark program shares: a clock, a cheap
   random number generator, the process's resident size, and a way to
   keep the compiler from removing an allocation it can see is unused.
   Everything is static inline so that each program is one translation
   unit and the measured loops carry no call they would not otherwise
   have.
   Copyright (C) 2026 The mmalloc developers.  This file is part of
   mmalloc; LGPL-2.1-or-later, see COPYING.  */

#ifndef BENCH_H
#define BENCH_H 1

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Seconds on a clock that neither jumps nor stops.  */
static inline double
bench_now (void)
{
  struct timespec t;

  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/* xorshift64*: fast and good enough to pick sizes and slots; a fixed
   seed so that every allocator sees the same sequence of requests.  */
static inline uint64_t
bench_rand (uint64_t *s)
{
  uint64_t x = *s;

  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *s = x;
  return x * 0x2545F4914F6CDD1DULL;
}

/* GCC and clang delete a malloc/free pair whose block is never used:
   make P escape, at the cost of no instruction.  */
static inline void
bench_escape (void *p)
{
  __asm__ volatile ("" : : "r" (p) : "memory");
}

/* Resident bytes of this process, from /proc/self/statm.  */
static inline long
bench_rss (void)
{
  long pages = 0, resident = 0;
  FILE *f = fopen ("/proc/self/statm", "r");

  if (f != NULL)
    {
      if (fscanf (f, "%ld %ld", &pages, &resident) != 2)
	resident = 0;
      fclose (f);
    }
  return resident * sysconf (_SC_PAGESIZE);
}

/* How much work to do: the runner scales every count by $BENCH_SCALE
   (0.1 in quick mode) so that the programs need no other knob.  */
static inline long
bench_scaled (long n)
{
  const char *s = getenv ("BENCH_SCALE");
  double f = s != NULL ? atof (s) : 1.0;
  long v;

  if (!(f > 0))
    f = 1.0;
  v = (long) (n * f);
  return v > 0 ? v : 1;
}

#endif /* BENCH_H */
