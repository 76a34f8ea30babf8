/* driver.c -- a main () for the fuzz targets outside libFuzzer: under
   AFL++ (persistent mode when afl-cc provides __AFL_LOOP, input on
   stdin or in the file AFL names with @@) and for replaying inputs by
   hand or under a debugger: `heapfile-run FILE...' runs every FILE once
   and exits 0 when none crashed.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* Inputs larger than this are cut (heap files of the corpus are a few
   hundred KiB).  */
#define MAX_INPUT ((size_t) 4 << 20)

static size_t
read_all (FILE *f, uint8_t *buf)
{
  size_t n = 0, got;

  while (n < MAX_INPUT && (got = fread (buf + n, 1, MAX_INPUT - n, f)) > 0)
    n += got;
  return n;
}

#ifdef __AFL_FUZZ_TESTCASE_LEN
__AFL_FUZZ_INIT ();
#endif

int
main (int argc, char **argv)
{
  static uint8_t buf[MAX_INPUT];
  int i;

  if (argc > 1)
    {
      for (i = 1; i < argc; i++)
	{
	  FILE *f = fopen (argv[i], "rb");
	  size_t n;
	  if (f == NULL)
	    {
	      perror (argv[i]);
	      return 2;
	    }
	  n = read_all (f, buf);
	  fclose (f);
	  fprintf (stderr, "running %s (%zu bytes)\n", argv[i], n);
	  LLVMFuzzerTestOneInput (buf, n);
	}
      return 0;
    }
#ifdef __AFL_HAVE_MANUAL_CONTROL
  __AFL_INIT ();
#endif
#ifdef __AFL_LOOP
  while (__AFL_LOOP (10000))
    {
# ifdef __AFL_FUZZ_TESTCASE_LEN
      size_t n = (size_t) __AFL_FUZZ_TESTCASE_LEN;
      if (n > MAX_INPUT)
	n = MAX_INPUT;
      memcpy (buf, __AFL_FUZZ_TESTCASE_BUF, n);
# else
      size_t n = read_all (stdin, buf);
# endif
      LLVMFuzzerTestOneInput (buf, n);
    }
#else
  LLVMFuzzerTestOneInput (buf, read_all (stdin, buf));
#endif
  return 0;
}
