/* defines.c -- issue 7, "The defines": a program compiled with the
   manual's macros (malloc, calloc, realloc, free, valloc and memalign
   mapped onto the default heap, md NULL) while the C library keeps its
   own allocator.  Blocks that the C library allocated -- strdup,
   strndup, wcsdup, getline, getdelim, asprintf, vasprintf,
   open_memstream, open_wmemstream, realpath, getcwd,
   get_current_dir_name, scandir, and the C library's own malloc,
   calloc, realloc, memalign, aligned_alloc and posix_memalign, small
   and mmap-sized -- reach free () and realloc (), i.e. mfree (NULL, p)
   and mrealloc (NULL, p, n): mfree must hand them back to the C
   library, and mrealloc must keep their contents.  Then a random mix of
   both kinds of block, with contents checked throughout, and at the end
   the default heap holds exactly what it held at the start and passes
   mmalloc_check.  Each C library block released through mfree must show
   in the C library's statistics (mallinfo2) as given back; under
   valgrind the leak check covers every block.  Run with
   --expect-valgrind it also checks that it really is under valgrind.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <dirent.h>
#include <limits.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

#include <mmalloc.h>
#include "mmtest.h"

/* The manual's definitions ("Macros in your own sources"), after the
   system headers.  From here on, malloc (n) is mmalloc (NULL, n); the
   C library's own functions are reached as (malloc) (n).  */
#define malloc(size)        mmalloc ((void *) 0, (size))
#define calloc(n, size)     mcalloc ((void *) 0, (n), (size))
#define realloc(ptr, size)  mrealloc ((void *) 0, (ptr), (size))
#define free(ptr)           mfree ((void *) 0, (ptr))
#define valloc(size)        mvalloc ((void *) 0, (size))
#define memalign(al, size)  mmemalign ((void *) 0, (al), (size))

/* Whether the C library's allocator is glibc's own, whose statistics
   (mallinfo2) then show blocks coming back.  Not under ASan, nor under
   valgrind, which replace it.  */
static int glibc_allocator;

static int
under_valgrind (void)
{
  FILE *f = fopen ("/proc/self/maps", "r");
  char line[512];
  int found = 0;

  if (f == NULL)
    return 0;
  while (!found && fgets (line, sizeof line, f) != NULL)
    found = strstr (line, "vgpreload") != NULL;
  fclose (f);
  return found;
}

/* Bytes the C library's allocator has handed out (0 when unknown).  */
static size_t
libc_in_use (void)
{
  struct mallinfo2 m;

  if (!glibc_allocator)
    return 0;
  m = mallinfo2 ();
  return m.uordblks + m.hblkhd;
}

/* Fill P with N bytes of a pattern derived from SEED; check it.  */
static void
fill (void *p, size_t n, unsigned seed)
{
  unsigned char *c = p;
  size_t i;

  for (i = 0; i < n; i++)
    c[i] = (unsigned char) (seed + i * 7 + (i >> 8));
}

static int
holds (const void *p, size_t n, unsigned seed)
{
  const unsigned char *c = p;
  size_t i;

  for (i = 0; i < n; i++)
    if (c[i] != (unsigned char) (seed + i * 7 + (i >> 8)))
      return 0;
  return 1;
}

/* Whether P (of at least N bytes) is a block of the default heap.  */
static int
ours (void *p, size_t n)
{
  return mmalloc_usable_size (NULL, p) >= n;
}

/* mrealloc (NULL, P, N) on a C library block P whose first KEEP bytes
   are CONTENTS: the result must hold them (up to N), be usable for N
   bytes, and be released again by mfree (NULL, ...).  */
static void
resize_foreign (const char *what, void *p, const void *contents,
		size_t keep, size_t n)
{
  size_t kept = keep < n ? keep : n;
  char *q = realloc (p, n);

  if (!CHECK (q != NULL, "%s: mrealloc (NULL, p, %zu) returns a block",
	      what, n))
    return;
  CHECK (memcmp (q, contents, kept) == 0,
	 "%s: mrealloc (NULL, p, %zu) keeps the first %zu bytes", what, n,
	 kept);
  if (!ours (q, n) && malloc_usable_size (q) < n)
    mmt_fail ("%s: the resized block has room for %zu bytes", what, n);
  memset (q, 'r', n);		/* All of it is usable.  */
  q = realloc (q, n + 100);	/* And it resizes again.  */
  CHECK (q != NULL && q[0] == 'r' && q[n - 1] == 'r',
	 "%s: the resized block resizes again with its contents", what);
  free (q);
}

/* mfree (NULL, P) of a C library block of SIZE bytes: it goes back to
   the C library, whose bytes in use drop by at least SIZE.  */
static void
free_foreign (const char *what, void *p, size_t size)
{
  size_t before = libc_in_use (), after;

  free (p);
  after = libc_in_use ();
  if (glibc_allocator)
    CHECK (after + size <= before,
	   "%s: mfree (NULL, p) gives the block back to the C library"
	   " (in use %zu -> %zu)", what, before, after);
  else
    mmt_pass ("%s: mfree (NULL, p) returns", what);
}

static char *
format (const char *fmt, ...)
{
  va_list ap;
  char *s = NULL;

  va_start (ap, fmt);
  if (vasprintf (&s, fmt, ap) < 0)
    s = NULL;
  va_end (ap);
  return s;
}

/* Strings from strdup, strndup, wcsdup, asprintf and vasprintf.  */
static void
test_strings (void)
{
  static const char text[] = "a string the C library allocated";
  char *s, big[5000];
  wchar_t *w;
  int n;

  s = strdup (text);
  free_foreign ("strdup", s, sizeof text);
  resize_foreign ("strdup grown", strdup (text), text, sizeof text, 10000);
  resize_foreign ("strdup shrunk", strdup (text), text, 8, 8);
  s = strndup (text, 8);
  CHECK (s != NULL && strcmp (s, "a string") == 0, "strndup works");
  free_foreign ("strndup", s, 9);

  w = wcsdup (L"wide characters from the C library");
  resize_foreign ("wcsdup", w, L"wide characters from the C library",
		  sizeof L"wide characters from the C library", 4096);

  memset (big, 'x', sizeof big - 1);
  big[sizeof big - 1] = '\0';
  n = asprintf (&s, "%s|%d", big, 42);
  if (n < 0)
    mmt_fatal ("asprintf failed");
  {
    char *copy = strdup (s);	/* the C library's too; compared below */
    resize_foreign ("asprintf 5 KB, shrunk", s, copy, (size_t) n + 1, 100);
    free (copy);
  }
  s = format ("%d %s %g", 7, "vasprintf", 2.5);
  CHECK (s != NULL && strcmp (s, "7 vasprintf 2.5") == 0, "vasprintf works");
  resize_foreign ("vasprintf", s, "7 vasprintf 2.5", 16, 300000);
}

/* Buffers that the C library grew itself: getline, getdelim,
   open_memstream and open_wmemstream, small and beyond the mmap
   threshold.  */
static void
test_buffers (void)
{
  size_t longlen = 400000, len = 0, size = 0, i;
  char *input = (malloc) (longlen + 100), *line = NULL, *copy;
  FILE *f;
  wchar_t *wbuf = NULL;
  ssize_t got;

  if (input == NULL)
    mmt_fatal ("the C library's malloc failed");
  for (i = 0; i < longlen; i++)
    input[i] = (char) ('a' + i % 26);
  strcpy (input + longlen, "\nshort\nrest;of;it");
  f = fmemopen (input, strlen (input), "r");
  if (f == NULL)
    mmt_fatal ("fmemopen: %s", strerror (errno));

  got = getline (&line, &len, f);
  CHECK (got == (ssize_t) longlen + 1, "getline reads a 400 KB line");
  copy = (malloc) (longlen);
  memcpy (copy, line, longlen);
  resize_foreign ("getline 400 KB buffer, shrunk", line, copy, longlen, 1000);
  line = NULL;
  len = 0;
  got = getline (&line, &len, f);
  CHECK (got == 6 && strcmp (line, "short\n") == 0, "getline reads a short"
	 " line into a new buffer");
  free_foreign ("getline short buffer", line, 6);
  line = NULL;
  len = 0;
  got = getdelim (&line, &len, ';', f);
  CHECK (got == 5 && strcmp (line, "rest;") == 0, "getdelim reads a field");
  resize_foreign ("getdelim buffer", line, "rest;", 6, 50);
  fclose (f);
  (free) (copy);
  (free) (input);

  /* A buffer of open_memstream, 1 MB, then a small one.  */
  f = open_memstream (&line, &size);
  if (f == NULL)
    mmt_fatal ("open_memstream: %s", strerror (errno));
  for (i = 0; i < 100000; i++)
    fprintf (f, "%09zu\n", i);
  fclose (f);
  CHECK (size == 1000000 && memcmp (line + 999990, "000099999\n", 10) == 0,
	 "open_memstream builds a 1 MB buffer");
  copy = (malloc) (size);
  memcpy (copy, line, size);
  resize_foreign ("open_memstream 1 MB buffer, grown", line, copy, size,
		  3000000);
  (free) (copy);
  f = open_memstream (&line, &size);
  if (f == NULL)
    mmt_fatal ("open_memstream: %s", strerror (errno));
  fputs ("tiny", f);
  fclose (f);
  free_foreign ("open_memstream small buffer", line, 5);

  f = open_wmemstream (&wbuf, &size);
  if (f == NULL)
    mmt_fatal ("open_wmemstream: %s", strerror (errno));
  fwprintf (f, L"%ls %d", L"wide", 17);
  fclose (f);
  CHECK (wcscmp (wbuf, L"wide 17") == 0, "open_wmemstream works");
  resize_foreign ("open_wmemstream buffer", wbuf, L"wide 17",
		  sizeof L"wide 17", 64);
}

/* Paths and directory listings.  */
static void
test_paths (void)
{
  char here[PATH_MAX], *p;
  struct dirent **names = NULL;
  int n, i;

  if (getcwd (here, sizeof here) == NULL)
    mmt_fatal ("getcwd: %s", strerror (errno));
  p = realpath (".", NULL);
  CHECK (p != NULL && strcmp (p, here) == 0, "realpath (\".\", NULL) works");
  free_foreign ("realpath", p, strlen (here) + 1);
  p = getcwd (NULL, 0);
  CHECK (p != NULL && strcmp (p, here) == 0, "getcwd (NULL, 0) works");
  resize_foreign ("getcwd", p, here, strlen (here) + 1, 2 * PATH_MAX);
  p = get_current_dir_name ();
  CHECK (p != NULL && strcmp (p, here) == 0, "get_current_dir_name works");
  free_foreign ("get_current_dir_name", p, strlen (here) + 1);
  p = canonicalize_file_name ("/");
  CHECK (p != NULL && strcmp (p, "/") == 0, "canonicalize_file_name works");
  free_foreign ("canonicalize_file_name", p, 2);

  n = scandir ("/", &names, NULL, alphasort);
  CHECK (n > 2, "scandir lists / (%d entries)", n);
  for (i = 0; i < n; i++)
    free (names[i]);		/* each entry: the C library's */
  free_foreign ("scandir's array", names, (size_t) n * sizeof *names);
}

/* The C library's own allocation functions, reached with parentheses
   around their names: small, mmap-sized, zeroed and aligned blocks.  */
static void
test_libc_functions (void)
{
  char *p, *copy;
  void *a = NULL;
  size_t big = 4u << 20, i;

  p = (malloc) (100);
  fill (p, 100, 1);
  copy = (malloc) (100);
  memcpy (copy, p, 100);
  resize_foreign ("malloc'd 100 bytes, grown", p, copy, 100, 200000);
  (free) (copy);

  p = (malloc) (big);
  if (p == NULL)
    mmt_fatal ("the C library's malloc of 4 MB failed");
  fill (p, big, 2);
  p = realloc (p, 2 * big);
  CHECK (p != NULL && holds (p, big, 2),
	 "mrealloc (NULL, 4 MB mmap'd C library block, 8 MB) keeps the 4 MB");
  free (p);
  p = (malloc) (big);
  if (p == NULL)
    mmt_fatal ("the C library's malloc of 4 MB failed");
  memset (p, 1, big);
  free_foreign ("malloc'd 4 MB (mmap'd)", p, big);

  p = (calloc) (1000, 10);
  for (i = 0; p != NULL && i < 10000 && p[i] == 0; i++)
    continue;
  CHECK (i == 10000, "the C library's calloc works");
  free_foreign ("calloc'd 10000 bytes", p, 10000);

  p = (realloc) (NULL, 300);
  fill (p, 300, 3);
  p = (realloc) (p, 600);
  CHECK (p != NULL && holds (p, 300, 3), "the C library's realloc works");
  copy = (malloc) (300);
  memcpy (copy, p, 300);
  resize_foreign ("realloc'd 600 bytes, shrunk", p, copy, 300, 40);
  (free) (copy);

  p = (memalign) (4096, 5000);
  CHECK (p != NULL && (uintptr_t) p % 4096 == 0, "the C library's memalign"
	 " works");
  free_foreign ("memalign'd 5000 bytes", p, 5000);
  p = (memalign) (256, 1000);
  fill (p, 1000, 4);
  copy = (malloc) (1000);
  memcpy (copy, p, 1000);
  resize_foreign ("memalign'd 1000 bytes, grown", p, copy, 1000, 70000);
  (free) (copy);
  p = aligned_alloc (64, 640);
  CHECK (p != NULL && (uintptr_t) p % 64 == 0, "aligned_alloc works");
  free_foreign ("aligned_alloc'd 640 bytes", p, 640);
  CHECK (posix_memalign (&a, 128, 3000) == 0 && (uintptr_t) a % 128 == 0,
	 "posix_memalign works");
  free_foreign ("posix_memalign'd 3000 bytes", a, 3000);

  /* mrealloc (NULL, p, 0) releases a C library block too.  */
  {
    size_t before, after;
    p = strdup ("released by mrealloc (NULL, p, 0)");
    before = libc_in_use ();
    CHECK (realloc (p, 0) == NULL,
	   "mrealloc (NULL, strdup'd block, 0) returns NULL");
    after = libc_in_use ();
    if (glibc_allocator)
      CHECK (after < before, "mrealloc (NULL, strdup'd block, 0) gives it"
	     " back to the C library (in use %zu -> %zu)", before, after);
  }
  free (NULL);			/* mfree (NULL, NULL) is a no-op.  */
}

/* The macros' own side: valloc, memalign, calloc and malloc draw from
   the default heap.  */
static void
test_own_blocks (void)
{
  long page = sysconf (_SC_PAGESIZE);
  char *v = valloc (100), *m = memalign (64, 100), *c = calloc (10, 10);
  char *p = malloc (100);

  CHECK (v != NULL && (uintptr_t) v % (uintptr_t) page == 0 && ours (v, 100),
	 "valloc: a page-aligned block of the default heap");
  CHECK (m != NULL && (uintptr_t) m % 64 == 0 && ours (m, 100),
	 "memalign: an aligned block of the default heap");
  CHECK (c != NULL && ours (c, 100) && c[0] == 0 && c[99] == 0,
	 "calloc: a zeroed block of the default heap");
  CHECK (p != NULL && ours (p, 100), "malloc: a block of the default heap");
  CHECK (mmalloc_usable_size (NULL, strchr ("static", 't')) == 0,
	 "control: mmalloc_usable_size (NULL, not a block) is 0");
  free (v);
  free (m);
  free (c);
  free (p);
}

/* A random mix: blocks of both kinds, resized and released through the
   macros in random order, contents checked at every step.  */
#define SLOTS 64
#define MAXSIZE 200000

static void
test_mix (void)
{
  static char letters[MAXSIZE + 1];
  struct { char *p; size_t n; unsigned seed; } slot[SLOTS];
  uint64_t r = 88172645463325252u;
  int i, bad = 0, foreign = 0, own = 0;

  memset (slot, 0, sizeof slot);
  memset (letters, 'z', MAXSIZE);
  for (i = 0; i < 6000 && !bad; i++)
    {
      int k;
      size_t n;

      r ^= r << 13, r ^= r >> 7, r ^= r << 17;
      k = (int) (r % SLOTS);
      n = 1 + (size_t) ((r >> 8) % ((r >> 40) % 8 == 0 ? MAXSIZE : 3000));
      if (slot[k].p != NULL && !holds (slot[k].p, slot[k].n, slot[k].seed))
	{
	  mmt_fail ("mix: step %d, slot %d lost its contents", i, k);
	  bad = 1;
	  break;
	}
      switch ((r >> 20) % 4)
	{
	case 0:		/* release, whoever allocated it */
	  free (slot[k].p);
	  slot[k].p = NULL;
	  break;
	case 1:		/* resize, whoever allocated it */
	  if (slot[k].p != NULL)
	    {
	      char *q = realloc (slot[k].p, n);
	      size_t keep = n < slot[k].n ? n : slot[k].n;

	      if (q == NULL || !holds (q, keep, slot[k].seed))
		{
		  mmt_fail ("mix: step %d, mrealloc to %zu lost contents", i,
			    n);
		  bad = 1;
		  break;
		}
	      slot[k].p = q;
	      fill (q, n, slot[k].seed);
	      slot[k].n = n;
	      break;
	    }
	  /* Fall through.  */
	default:		/* a new block, from one side or the other */
	  free (slot[k].p);
	  slot[k].seed = (unsigned) (r >> 32);
	  if ((r >> 30) % 2)
	    {
	      /* strndup of N - 1 characters: N bytes.  */
	      slot[k].p = (r >> 31) % 2 ? (malloc) (n)
		: strndup (letters, n - 1);
	      foreign++;
	    }
	  else
	    {
	      slot[k].p = malloc (n);
	      own++;
	    }
	  if (slot[k].p == NULL)
	    mmt_fatal ("mix: allocation of %zu bytes failed", n);
	  fill (slot[k].p, n, slot[k].seed);
	  slot[k].n = n;
	}
    }
  for (i = 0; i < SLOTS; i++)
    free (slot[i].p);
  CHECK (!bad, "mix: 6000 random steps over %d C library and %d own"
	 " blocks keep every content", foreign, own);
}

int
main (int argc, char **argv)
{
  struct mstats s0, s1;
  char *anchor;
  int valgrind = under_valgrind ();

  if (argc > 1 && strcmp (argv[1], "--expect-valgrind") == 0)
    CHECK (valgrind, "the program runs under valgrind");
#if defined MMALLOC_SANITIZERS && MMALLOC_SANITIZERS
  glibc_allocator = 0;
#else
  glibc_allocator = !valgrind;
#endif

  /* glibc keeps small freed blocks in per-thread caches that its
     statistics count as in use; without them a block given back shows
     at once.  The setting is read at start-up: run again with it.  */
  if (glibc_allocator)
    {
      const char *t = getenv ("GLIBC_TUNABLES");
      if (t == NULL || strstr (t, "glibc.malloc.tcache_count=0") == NULL)
	{
	  setenv ("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
	  fflush (stdout);
	  execv ("/proc/self/exe", argv);
	  mmt_fatal ("cannot run again from /proc/self/exe: %s",
		     strerror (errno));
	}
    }
  mmt_note ("the C library's allocator is %s", glibc_allocator
	    ? "glibc's, without thread caches" : "not glibc's");

  anchor = malloc (64);		/* the default heap exists */
  if (anchor == NULL)
    mmt_fatal ("mmalloc (NULL, 64) failed");
  strcpy (anchor, "ours");
  s0 = mmstats (NULL);

  test_own_blocks ();
  test_strings ();
  test_buffers ();
  test_paths ();
  test_libc_functions ();
  test_mix ();

  s1 = mmstats (NULL);
  CHECK (s1.chunks_used == s0.chunks_used && s1.bytes_used == s0.bytes_used,
	 "the default heap holds what it held before (%zu blocks, %zu bytes;"
	 " now %zu, %zu)", s0.chunks_used, s0.bytes_used, s1.chunks_used,
	 s1.bytes_used);
  CHECK (strcmp (anchor, "ours") == 0, "the first block is intact");
  CHECK (mmalloc_check (NULL) == 0, "mmalloc_check (NULL) == 0: %s",
	 mmalloc_check_message (NULL));
  free (anchor);
  mmt_exit ();
}
