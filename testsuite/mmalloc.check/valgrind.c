/* valgrind.c -- heaps describe their blocks to valgrind's memcheck
   (--with-valgrind): a leak, a read after free and a double free inside
   an anonymous heap and inside a file heap are reported by memcheck,
   and name the function that did it (the leak's allocation stack,
   the invalid read's first frame, the invalid free's stack); a clean
   program, which also uses mrealloc, mcalloc and mmemalign, reports
   nothing.  The program runs itself under
   valgrind with a mode argument; without valgrind, or without the
   client requests built in, or under the sanitizers, it is UNSUPPORTED.
   Copyright (C) 2026 The mmalloc developers.
   This file is part of mmalloc; LGPL-2.1-or-later, see COPYING.  */

#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mmalloc.h>
#include "mmtest.h"

/* The heap a child mode works on: anonymous, or a fresh file.  */
static void *
child_heap (const char *kind, const char *file)
{
  int fd = -1;

  if (strcmp (kind, "file") == 0)
    {
      unlink (file);
      fd = open (file, O_RDWR | O_CREAT | O_TRUNC, 0600);
      if (fd < 0)
	exit (2);
    }
  return mmalloc_attach (fd, NULL);
}

/* The bugs, each in a function of its own (never inlined) that
   memcheck's stack traces must name.  VOLATILE keeps the compiler from
   dropping the stores and the read.  */
void leak_block (void *md);
void read_after_free (void *md);
void free_twice (void *md);

__attribute__ ((__noinline__)) void
leak_block (void *md)
{
  char *volatile p = mmalloc (md, 100);	/* lost when P is overwritten */

  memset (p, 1, 100);
  p = mmalloc (md, 64);
  mfree (md, p);
  p = NULL;
}

__attribute__ ((__noinline__)) void
read_after_free (void *md)
{
  char *volatile p = mmalloc (md, 64);
  volatile char c;

  memset (p, 2, 64);
  mfree (md, p);
  c = p[8];			/* read after free */
  (void) c;
}

__attribute__ ((__noinline__)) void
free_twice (void *md)
{
  char *volatile p = mmalloc (md, 100000);

  mfree (md, p);
  mfree (md, p);		/* double free */
}

/* The modes run under valgrind.  Their exit status does not matter:
   memcheck's report is what the parent reads.  */
static int
child (const char *mode, const char *kind, const char *file)
{
  void *md = child_heap (kind, file);
  char *volatile p;

  if (md == NULL)
    return 2;
  if (strcmp (mode, "leak") == 0)
    leak_block (md);
  else if (strcmp (mode, "uaf") == 0)
    read_after_free (md);
  else if (strcmp (mode, "double") == 0)
    free_twice (md);
  else
    {
      int i;
      for (i = 0; i < 1000; i++)
	{
	  p = mmalloc (md, (size_t) (i % 300) + 1);
	  memset (p, 3, (size_t) (i % 300) + 1);
	  p = mrealloc (md, p, (size_t) (i % 5000) + 1);
	  mfree (md, p);
	}
      p = mcalloc (md, 10, 1000);
      mfree (md, p);
      p = mmemalign (md, 4096, 20000);
      mfree (md, p);
    }
  /* The file heap is left attached on purpose: detaching unmaps the
     region, and memcheck reports leaks at exit.  */
  return 0;
}

/* Whether memcheck's report R names function FN of this file in a
   stack frame ("FN (valgrind.c:LINE)").  */
static int
names (const char *r, const char *fn)
{
  char want[64];

  snprintf (want, sizeof want, ": %s (valgrind.c:", fn);
  return r != NULL && strstr (r, want) != NULL;
}

/* The part of report R from the line containing WHAT to the next blank
   line (one error), malloc'd; "" when WHAT is not there.  */
static char *
error_of (const char *r, const char *what)
{
  const char *s = r != NULL ? strstr (r, what) : NULL;
  const char *e;
  char *out;
  size_t n;

  if (s == NULL)
    return strdup ("");
  while (s > r && s[-1] != '\n')
    s--;
  e = s;
  /* Each line of an error starts "==PID== "; a line with nothing after
     that ends the error.  */
  for (;;)
    {
      const char *nl = strchr (e, '\n');
      const char *body;
      if (nl == NULL)
	{
	  e += strlen (e);
	  break;
	}
      body = strstr (e, "== ");
      if (e != s && (body == NULL || body > nl || body + 3 >= nl))
	break;
      e = nl + 1;
    }
  n = (size_t) (e - s);
  out = malloc (n + 1);
  if (out != NULL)
    {
      memcpy (out, s, n);
      out[n] = '\0';
    }
  return out;
}

/* Run MODE on KIND under valgrind; the report goes to REPORT.  Returns
   memcheck's report, malloc'd, or NULL.  */
static char *
run (const char *self, const char *mode, const char *kind, const char *file,
     const char *report)
{
  char cmd[4096];
  FILE *f;
  char *buf;
  long n;

  snprintf (cmd, sizeof cmd,
	    "valgrind -q --leak-check=full --log-file=%s %s %s %s %s "
	    ">/dev/null 2>&1", report, self, mode, kind, file);
  if (system (cmd) == -1)
    return NULL;
  f = fopen (report, "r");
  if (f == NULL)
    return NULL;
  fseek (f, 0, SEEK_END);
  n = ftell (f);
  fseek (f, 0, SEEK_SET);
  buf = malloc ((size_t) n + 1);
  if (buf != NULL)
    buf[fread (buf, 1, (size_t) n, f)] = '\0';
  fclose (f);
  unlink (report);
  return buf;
}

int
main (int argc, char **argv)
{
  static const char *const kinds[] = { "anon", "file" };
  char self[4096], file[256], report[256];
  ssize_t len;
  unsigned int k;

  if (argc == 4)
    return child (argv[1], argv[2], argv[3]);

#if !defined HAVE_VALGRIND || (defined MMALLOC_SANITIZERS && MMALLOC_SANITIZERS)
  mmt_unsupported ("memcheck reports (built without valgrind client "
		   "requests, or with sanitizers)");
  mmt_exit ();
#endif
  if (system ("valgrind --version >/dev/null 2>&1") != 0)
    {
      mmt_unsupported ("memcheck reports (valgrind is not installed)");
      mmt_exit ();
    }
  len = readlink ("/proc/self/exe", self, sizeof self - 1);
  if (len <= 0)
    mmt_fatal ("cannot find this program's path");
  self[len] = '\0';
  snprintf (file, sizeof file, "check-valgrind-%ld.heap", (long) getpid ());
  snprintf (report, sizeof report, "check-valgrind-%ld.tmp",
	    (long) getpid ());

  {
    /* valgrind before 3.20 cannot read DWARF 5 (clang's default debug
       info): its reports then carry warnings, and no names.  */
    char *r = run (self, "clean", "anon", file, report);
    if (r != NULL && strstr (r, "Serious error when reading debug info"))
      {
	mmt_unsupported ("memcheck reports (this valgrind cannot read the "
			 "program's debug info)");
	free (r);
	mmt_exit ();
      }
    /* memcheck on a 32-bit build on a 64-bit system stops at startup
       when the 32-bit C library's debug information (libc6-dbg:i386)
       is not installed: it cannot run the program at all.  */
    if (r != NULL && strstr (r, "Fatal error at startup"))
      {
	mmt_unsupported ("memcheck reports (valgrind cannot run this "
			 "program: fatal error at startup)");
	free (r);
	mmt_exit ();
      }
    free (r);
  }
  for (k = 0; k < 2; k++)
    {
      const char *kind = kinds[k];
      char *r, *e;

      r = run (self, "leak", kind, file, report);
      e = error_of (r, "definitely lost");
      CHECK (strstr (e, "100 bytes in 1 blocks are definitely lost")
	     != NULL, "%s heap: memcheck reports the leaked 100-byte block",
	     kind);
      CHECK (names (e, "leak_block") && names (e, "main"),
	     "%s heap: the leak's allocation stack names leak_block (and "
	     "main)", kind);
      CHECK (r != NULL && strstr (r, "64 bytes in 1 blocks") == NULL,
	     "%s heap: the freed 64-byte block is not reported", kind);
      if (e[0] == '\0' || !names (e, "leak_block"))
	mmt_note ("report: %.1500s", r != NULL ? r : "(none)");
      free (e);
      free (r);

      r = run (self, "uaf", kind, file, report);
      e = error_of (r, "Invalid read of size 1");
      CHECK (e[0] != '\0' && strstr (e, "8 bytes inside a block of size 64 "
				      "free'd") != NULL,
	     "%s heap: memcheck reports the read after free", kind);
      {
	/* The read is in read_after_free: the error's first frame.  */
	const char *at = strstr (e, "   at 0x");
	const char *nl = at != NULL ? strchr (at, '\n') : NULL;
	CHECK (at != NULL && nl != NULL && strstr (at, ": read_after_free "
						   "(valgrind.c:") != NULL
	       && strstr (at, ": read_after_free (valgrind.c:") < nl,
	       "%s heap: the invalid read is at read_after_free (its first "
	       "frame)", kind);
      }
      CHECK (strstr (e, "Block was alloc'd at") != NULL
	     && strstr (e, "free'd") != NULL,
	     "%s heap: memcheck tells where the block was freed and "
	     "allocated", kind);
      if (!names (e, "read_after_free"))
	mmt_note ("report: %.1500s", r != NULL ? r : "(none)");
      free (e);
      free (r);

      r = run (self, "double", kind, file, report);
      e = error_of (r, "Invalid free");
      CHECK (e[0] != '\0', "%s heap: memcheck reports the double free",
	     kind);
      CHECK (names (e, "free_twice"), "%s heap: the invalid free names "
	     "free_twice", kind);
      free (e);
      free (r);

      r = run (self, "clean", kind, file, report);
      CHECK (r != NULL && r[0] == '\0',
	     "%s heap: a clean program gets an empty report", kind);
      if (r != NULL && r[0] != '\0')
	mmt_note ("report: %.300s", r);
      free (r);
    }
  unlink (file);
  mmt_exit ();
}
